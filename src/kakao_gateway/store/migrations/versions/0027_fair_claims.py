"""Claims fair across accounts: queued rows by priority, account and bulk, in due order (store/outcomes.py).

The claim walks the (account, bulk) groups that have queued rows, one index probe each (a loose index scan), and
takes each group's share in its (due_at, seq) order off the same index; a FIFO claim off `ix_messages_claim` fills
what the shares leave. Partial: queued rows only, so the index holds the queue and not the finished rows.

Nothing is dropped: `ix_messages_claim` (state, priority, due_at, seq) still serves what needs the queue in due
order across accounts (the FIFO fill, the next due instant, the state counts) and the rescue of in-flight and sent
rows, which this index (queued rows only, by account first) cannot. On PostgreSQL it is built CONCURRENTLY, outside
the migration's transaction, so that accepting and claiming go on while a large table is indexed.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


NAME = "ix_messages_fair"
COLUMNS = ["priority", "account_id", "bulk_id", "due_at", "seq"]
QUEUED = sa.text("state = 'queued'")


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():  # CONCURRENTLY cannot run inside a transaction
            op.create_index(NAME, "messages", COLUMNS, postgresql_where=QUEUED, postgresql_concurrently=True)
    else:
        op.create_index(NAME, "messages", COLUMNS, sqlite_where=QUEUED)


def downgrade() -> None:
    op.drop_index(NAME, "messages")
