"""Webhook signing secrets, the sandbox clock, and key retirement.

- webhook_secrets: an account's Standard Webhooks secrets; the current one has no `expires_at`, a rotated-out one
  signs alongside it until `expires_at`.
- sandbox_state: small persistent values of the sandbox (the virtual clock's instant survives a restart).
- reports.push_id: the stable `webhook-id` of a push, kept across its retries.
- api_keys.source / admin_keys.source / admin_keys.revoked_at: keys given by environment variable are marked, so a
  restart with a new one can retire its predecessor; operator keys can be revoked.
- bulks.options goes: it kept the request's schedule as JSON and nothing read it (the pace and start have columns).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_secrets",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger),
    )
    op.create_index("ix_webhook_secrets_account", "webhook_secrets", ["account_id"])
    op.create_table(
        "sandbox_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("push_id", sa.Text))
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("source", sa.Text))
    with op.batch_alter_table("admin_keys") as batch:
        batch.add_column(sa.Column("source", sa.Text))
        batch.add_column(sa.Column("revoked_at", sa.BigInteger))
    with op.batch_alter_table("bulks") as batch:
        batch.drop_column("options")


def downgrade() -> None:
    with op.batch_alter_table("bulks") as batch:
        batch.add_column(sa.Column("options", sa.Text, nullable=False, server_default="{}"))
    with op.batch_alter_table("admin_keys") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("source")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("push_id")
    op.drop_table("sandbox_state")
    op.drop_index("ix_webhook_secrets_account", "webhook_secrets")
    op.drop_table("webhook_secrets")
