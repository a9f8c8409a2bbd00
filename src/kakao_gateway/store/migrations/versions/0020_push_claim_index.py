"""Due pushes by account: the push claim takes a fair share of every account's due pushes, one index probe per
account, so one account's backlog cannot fill the claim (engine/webhooks.py).

A partial index of pending pushes only (the outbox, not every report kept for pulling). On PostgreSQL it is built
CONCURRENTLY, outside the migration's transaction, so that pushing goes on while a large table is indexed.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


NAME = "ix_reports_push_account"
COLUMNS = ["account_id", "push_due_at", "seq"]
PENDING = sa.text("push_state = 'pending'")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():  # CONCURRENTLY cannot run inside a transaction
            op.create_index(NAME, "reports", COLUMNS, postgresql_where=PENDING, postgresql_concurrently=True)
    else:
        op.create_index(NAME, "reports", COLUMNS, sqlite_where=PENDING)


def downgrade() -> None:
    op.drop_index(NAME, "reports")
