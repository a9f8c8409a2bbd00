"""Per-attempt history for the console's message timeline.

- messages.history: one compact JSON line per event of a message (submitted, retry with its error, held with why
  and until when, failover, final, expired), appended by the statements that already update the row; bounded.
- reports.push_history: one JSON line per webhook push attempt (instant, HTTP status or none, latency, error, next
  try), appended by the statements that record the attempt.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("history", sa.Text))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("push_history", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("push_history")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("history")
