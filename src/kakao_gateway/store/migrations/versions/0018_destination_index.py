"""Messages by destination: the logs' `destination` filter and the console's search by phone number or user key.

Without it such a search reads every row of the account's channel, newest first, until it has found a page: about
150 ms at 1,000,000 messages and growing with the table. The index costs one more entry per accepted message.
On PostgreSQL it is built CONCURRENTLY, outside the migration's transaction, so that accepting messages goes on
while a large table is indexed.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


NAME = "ix_messages_destination"
COLUMNS = ["account_id", "channel", "destination", "seq"]


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():  # CONCURRENTLY cannot run inside a transaction
            op.create_index(NAME, "messages", COLUMNS, postgresql_concurrently=True)
    else:
        op.create_index(NAME, "messages", COLUMNS)


def downgrade() -> None:
    op.drop_index(NAME, "messages")
