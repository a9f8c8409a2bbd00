"""Canned replies: an account's saved answers, which agents insert into a chat reply by typing `/` and a shortcut.

Keyed by (account_id, shortcut): each statement (list, add, remove) is served by the primary key.

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "canned_replies",
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("shortcut", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "shortcut"),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
