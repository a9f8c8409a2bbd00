"""reports.push_last_at: when the last push of a report was attempted.

A report whose pushes were exhausted is kept for pulling (and spared by the purge) until 48 hours after its last
push attempt, not 48 hours after it was made (its pushes alone run for 41.5 hours).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("push_last_at", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("push_last_at")
