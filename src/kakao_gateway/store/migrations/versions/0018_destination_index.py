"""Messages by destination: the logs' `destination` filter and the console's search by phone number or user key.

Without it such a search reads every row of the account's channel, newest first, until it has found a page: about
150 ms at 1,000,000 messages and growing with the table. The index costs one more entry per accepted message.
On PostgreSQL the build blocks inserts into `messages` while it runs (seconds per million rows): upgrade a large
database in a quiet moment.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_messages_destination", "messages", ["account_id", "channel", "destination", "seq"])


def downgrade() -> None:
    op.drop_index("ix_messages_destination", "messages")
