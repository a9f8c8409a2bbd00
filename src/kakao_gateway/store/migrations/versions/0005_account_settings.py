"""Per-account settings (Brand advertising hours).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_settings",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("settings", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("account_settings")
