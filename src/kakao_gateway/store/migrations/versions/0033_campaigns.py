"""Campaigns: a recipient file (CSV or XLSX) uploaded in the console, kept until it is sent as one Alim bulk, and
listed after with what it became (its bulk, sender, template and campaignReferenceId).

Revision ID: 0033
Revises: 0032
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=True),  # dropped once sent
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("sent_at", sa.BigInteger, nullable=True),
        sa.Column("bulk_id", sa.Text, nullable=True),
        sa.Column("sender", sa.Text, nullable=True),
        sa.Column("template_code", sa.Text, nullable=True),
        sa.Column("campaign_ref", sa.Text, nullable=True),
        sa.Column("accepted", sa.Integer, nullable=True),
    )
    op.create_index("ix_campaigns_account", "campaigns", ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_campaigns_account", "campaigns")
    op.drop_table("campaigns")
