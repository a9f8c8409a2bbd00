"""One intake pipeline; inbound Sangdam deduplicated by its unique index.

- sangdam_messages.upstream_id: the id the upstream gave a user's message it pushed (Infobip's messageId; NULL for
  the sandbox's users and for outbound rows). The message is stored under that id unless the account has a message
  of that id already (one of ours), so the upstream's id is kept apart from the stored one.
- ux_sangdam_messages_upstream (account_id, upstream_id), partial (upstream_id IS NOT NULL): a message pushed again
  is refused by the statement that stores it (INSERT ... ON CONFLICT DO NOTHING), atomically, also when two pushes
  of it arrive at once.
- ix_senders_sender: the owners of the channels a push names, found with one statement (senders JOIN accounts).

Existing inbound rows take their stored id as their upstream id. Those ids are unique per account already
(ux_sangdam_messages_id), so no duplicate can stand in the way of the new index.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

PUSHED = sa.text("upstream_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("sangdam_messages", sa.Column("upstream_id", sa.Text, nullable=True))
    op.execute("UPDATE sangdam_messages SET upstream_id = message_id WHERE direction = 'INBOUND'")
    op.create_index(
        "ux_sangdam_messages_upstream",
        "sangdam_messages",
        ["account_id", "upstream_id"],
        unique=True,
        postgresql_where=PUSHED,
        sqlite_where=PUSHED,
    )
    op.create_index("ix_senders_sender", "senders", ["sender"])


def downgrade() -> None:
    op.drop_index("ix_senders_sender", "senders")
    op.drop_index("ux_sangdam_messages_upstream", "sangdam_messages")
    with op.batch_alter_table("sangdam_messages") as batch:
        batch.drop_column("upstream_id")
