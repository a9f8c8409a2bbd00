"""SMS failover: what the next hop of a message is, and how its first hop ended; accounts' SMS settings.

- messages.next_route: the route of the SMS hop a message goes on to when its Kakao hop ends undelivered for a
  reason an SMS can get around (NULL: no failover, or it has started).
- messages.next_validity_ms: that hop's validity, counted from when it starts.
- messages.prior_status_id / prior_error_id / prior_done_at: how the Kakao hop ended, once the SMS hop started
  (reports and logs show both hops).
- accounts.sms_sender: the default sender of the account's SMS hops (when smsFailover has none).
- accounts.sms_upstream: the account's SMS upstream URL (NULL: the server's).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("next_route", sa.Text))
        batch.add_column(sa.Column("next_validity_ms", sa.BigInteger))
        batch.add_column(sa.Column("prior_status_id", sa.Integer))
        batch.add_column(sa.Column("prior_error_id", sa.Integer))
        batch.add_column(sa.Column("prior_done_at", sa.BigInteger))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("sms_sender", sa.Text))
        batch.add_column(sa.Column("sms_upstream", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("sms_upstream")
        batch.drop_column("sms_sender")
    with op.batch_alter_table("messages") as batch:
        for column in ("prior_done_at", "prior_error_id", "prior_status_id", "next_validity_ms", "next_route"):
            batch.drop_column(column)
