"""Closed Sangdam sessions by the time they closed: the purge deletes them (and their transcripts) after the
transcript retention, oldest first.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CLOSED = sa.text("state = 'closed'")


def upgrade() -> None:
    op.create_index(
        "ix_sangdam_sessions_closed",
        "sangdam_sessions",
        ["closed_at"],
        postgresql_where=CLOSED,
        sqlite_where=CLOSED,
    )


def downgrade() -> None:
    op.drop_index("ix_sangdam_sessions_closed", "sangdam_sessions")
