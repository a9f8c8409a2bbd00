"""Message history beyond the logs' 48 hours: finished messages are kept for --history-retention-days (30).

- log_floors: per account and channel, a sequence number below which no message is visible in the Infobip logs any
  more (each row under it finished more than 48 hours ago). The maintenance duty moves it up as rows age out; the
  logs query starts its walk of ix_messages_logs / ix_messages_destination there, so it reads the last 48 hours of
  rows, not the 30 days the table now keeps.
- ix_messages_campaign: messages by campaignReferenceId, for the history search (and the logs' filter), a partial
  index of the rows that have one, so messages without a campaign pay nothing for it. On PostgreSQL it is built
  CONCURRENTLY, outside the migration's transaction, so that accepting messages goes on while a large table is
  indexed.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

CAMPAIGN = "ix_messages_campaign"
CAMPAIGN_COLUMNS = ["account_id", "campaign_ref", "seq"]
HAS_CAMPAIGN = sa.text("campaign_ref IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "log_floors",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("floor_seq", sa.BigInteger(), nullable=False),
    )
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():  # CONCURRENTLY cannot run inside a transaction
            op.create_index(
                CAMPAIGN, "messages", CAMPAIGN_COLUMNS, postgresql_where=HAS_CAMPAIGN, postgresql_concurrently=True
            )
    else:
        op.create_index(CAMPAIGN, "messages", CAMPAIGN_COLUMNS, sqlite_where=HAS_CAMPAIGN)


def downgrade() -> None:
    op.drop_index(CAMPAIGN, "messages")
    op.drop_table("log_floors")
