"""Brand Message: brand templates, sender groups, targeting eligibility, sandbox friend lists, URL domains, short
links and their clicks.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("senders") as batch:
        batch.add_column(sa.Column("targeting_eligible", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "sender_groups",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("group_key", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
    )
    op.create_table(
        "sender_group_members",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("group_key", sa.Text, primary_key=True),
        sa.Column("sender", sa.Text, primary_key=True),
    )
    op.create_table(
        "brand_templates",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("template_code", sa.Text, primary_key=True),
        sa.Column("sender", sa.Text),
        sa.Column("sender_group", sa.Text),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("is_adult", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("updated_at", BIGINT, nullable=False),
    )
    op.create_index("ix_brand_templates_updated", "brand_templates", ["account_id", "updated_at"])
    op.create_table(
        "sandbox_friends",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("sender", sa.Text, primary_key=True),
        sa.Column("destination", sa.Text, primary_key=True),
    )
    op.create_table(
        "url_domains",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("domain", sa.Text, primary_key=True),
        sa.Column("created_at", BIGINT, nullable=False),
    )
    op.create_table(
        "short_links",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("domain", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("bulk_id", sa.Text, nullable=False),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("track", sa.Integer, nullable=False),
        sa.Column("tracking_url", sa.Text),
        sa.Column("callback_data", sa.Text),
        sa.Column("entity_id", sa.Text),
        sa.Column("application_id", sa.Text),
        sa.Column("campaign_ref", sa.Text),
        sa.Column("sent_at", BIGINT, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
    )
    op.create_index("ix_short_links_message", "short_links", ["account_id", "message_id"])
    op.create_table(
        "clicks",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("clicked_at", BIGINT, nullable=False),
        sa.Column("user_agent", sa.Text),
        sa.Column("device", sa.Text, nullable=False),
        sa.Column("client", sa.Text),
    )
    op.create_index("ix_clicks_code", "clicks", ["code"])


def downgrade() -> None:
    for table in (
        "clicks",
        "short_links",
        "url_domains",
        "sandbox_friends",
        "brand_templates",
        "sender_group_members",
        "sender_groups",
    ):
        op.drop_table(table)
    with op.batch_alter_table("senders") as batch:
        batch.drop_column("targeting_eligible")
