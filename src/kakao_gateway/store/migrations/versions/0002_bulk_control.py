"""Bulk control and pacing: bulk state and speed slots, held-report flag on messages, rate buckets.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulks") as batch:
        batch.add_column(sa.Column("state", sa.Text, nullable=False, server_default="active"))
        batch.add_column(sa.Column("speed_amount", sa.Integer))
        batch.add_column(sa.Column("speed_unit", sa.Text))
        batch.add_column(sa.Column("slot_base", sa.BigInteger))
        batch.add_column(sa.Column("next_slot", sa.BigInteger, nullable=False, server_default="0"))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("held_reported", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("held_reported")
    with op.batch_alter_table("bulks") as batch:
        for column in ("next_slot", "slot_base", "speed_unit", "speed_amount", "state"):
            batch.drop_column(column)
