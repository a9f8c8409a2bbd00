"""Sandbox rules and API faults per account.

- sandbox_rules: one row per account holding its ordered rules (JSON text), which the sandbox upstreams read per
  batch (README, "Sandbox rules").
- sandbox_faults: API faults an account asked for (`POST /sandbox/1/faults`): the next `remaining` requests of
  that account to `path` (and `method`, when set) answer `status`; found by account and path while some remain.
- request_windows: fixed one-minute request windows per key (the logs operations' 120 requests a minute per
  account): when the window began and how many requests it counted.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_rules",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "sandbox_faults",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=True),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("remaining", sa.Integer, nullable=False),
        sa.Column("retry_after_s", sa.Integer, nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_sandbox_faults_pending",
        "sandbox_faults",
        ["account_id", "path", "id"],
        sqlite_where=sa.text("remaining > 0"),
        postgresql_where=sa.text("remaining > 0"),
    )
    op.create_table(
        "request_windows",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("request_windows")
    op.drop_index("ix_sandbox_faults_pending", table_name="sandbox_faults")
    op.drop_table("sandbox_faults")
    op.drop_table("sandbox_rules")
