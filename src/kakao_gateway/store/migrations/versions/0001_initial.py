"""Initial schema: accounts, keys, senders, Alim templates, subscriptions, bulks, messages, reports.

Times are epoch milliseconds (BIGINT) on both databases; JSON is stored as text.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", BIGINT, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key_hash", sa.Text, nullable=False, unique=True),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("revoked_at", BIGINT),
    )
    op.create_table(
        "admin_keys",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key_hash", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", BIGINT, nullable=False),
    )
    op.create_table(
        "senders",
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("sender", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
    )
    op.create_table(
        "alim_templates",
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("sender", sa.Text, primary_key=True),
        sa.Column("template_code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("buttons", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("approve_at", BIGINT),
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("updated_at", BIGINT, nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("channel", sa.Text, primary_key=True),
        sa.Column("report_url", sa.Text),
        sa.Column("inbound_url", sa.Text),
        sa.Column("content_type", sa.Text, nullable=False),
    )
    op.create_table(
        "bulks",
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("bulk_id", sa.Text, primary_key=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("send_at", BIGINT, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("bulk_id", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("destination", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("due_at", BIGINT, nullable=False),
        sa.Column("expires_at", BIGINT, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_attempt_at", BIGINT),
        sa.Column("lease_owner", sa.Text),
        sa.Column("status_id", sa.Integer, nullable=False),
        sa.Column("error_id", sa.Integer, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("sent_at", BIGINT, nullable=False),
        sa.Column("done_at", BIGINT),
        sa.Column("callback_data", sa.Text),
        sa.Column("entity_id", sa.Text),
        sa.Column("application_id", sa.Text),
        sa.Column("campaign_ref", sa.Text),
        sa.Column("webhook_url", sa.Text),
        sa.Column("webhook_content_type", sa.Text),
        sa.Column("notify", sa.Integer, nullable=False),
        sa.Column("intermediate", sa.Integer, nullable=False),
        sa.Column("options", sa.Text),
        sa.UniqueConstraint("account_id", "message_id", name="uq_messages_account_message"),
    )
    op.create_index("ix_messages_claim", "messages", ["state", "priority", "due_at"])
    op.create_index("ix_messages_logs", "messages", ["account_id", "channel", "seq"])
    op.create_index("ix_messages_bulk", "messages", ["account_id", "bulk_id"])
    op.create_table(
        "reports",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("bulk_id", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Text),
        sa.Column("application_id", sa.Text),
        sa.Column("campaign_ref", sa.Text),
        sa.Column("final", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("push_url", sa.Text),
        sa.Column("push_content_type", sa.Text),
        sa.Column("push_state", sa.Text, nullable=False),
        sa.Column("push_due_at", BIGINT, nullable=False),
        sa.Column("push_attempts", sa.Integer, nullable=False),
        sa.Column("push_error", sa.Text),
        sa.Column("pulled_at", BIGINT),
    )
    op.create_index("ix_reports_push", "reports", ["push_state", "push_due_at"])
    op.create_index("ix_reports_pull", "reports", ["account_id", "channel", "pulled_at", "seq"])


def downgrade() -> None:
    for table in (
        "reports",
        "messages",
        "bulks",
        "subscriptions",
        "alim_templates",
        "senders",
        "admin_keys",
        "api_keys",
        "accounts",
    ):
        op.drop_table(table)
