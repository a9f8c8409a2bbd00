"""Console sessions kept by the server: a session ends at sign-out, whatever became of its cookie.

- console_sessions: one row per console sign-in, found by the SHA-256 of the session id its signed cookie holds;
  the key it stands for (an API key, or an operator key when `kind` is 'operator'), when it began and when it was
  last used (idle and absolute lifetimes are checked against these).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.Text, primary_key=True),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("console_sessions")
