"""messages.upstream_ref: the upstream's own id of a message it accepted (an SMSC message id).

A delivery receipt names only that id, and may reach another process's connection than the one that submitted (an
SMSC delivers receipts on any bind of the account) or come after a restart: the row is then found by (route,
upstream_ref), through a partial index of the rows waiting for their result.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SENT = sa.text("state = 'sent'")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("upstream_ref", sa.Text))
    op.create_index(
        "ix_messages_upstream_ref",
        "messages",
        ["route", "upstream_ref"],
        postgresql_where=SENT,
        sqlite_where=SENT,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_upstream_ref", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("upstream_ref")
