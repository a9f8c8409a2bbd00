"""Opt-out (do-not-send) lists per account.

- opt_outs: one row per (account, phone number, sender) that must receive no advertising; `sender` is '' for an
  entry that applies to all the account's senders (a primary key column cannot be NULL). The primary key serves
  both the accept-time lookup of a request's destinations and the listing in number order. `source` says how it
  came (API, CONSOLE, SANDBOX) and `created_at` when: what a business shows when asked why it stopped.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opt_outs",
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "destination", "sender", name="pk_opt_outs"),
    )


def downgrade() -> None:
    op.drop_table("opt_outs")
