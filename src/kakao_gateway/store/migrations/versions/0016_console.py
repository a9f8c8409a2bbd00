"""The web console: its inbox order, what agents have read, and its signing secret.

- ix_sangdam_sessions_activity: an account's open sessions, newest activity first (the agent inbox).
- ix_reports_message: the reports (and webhook pushes) of one message (the message timeline).
- ix_bulks_created: an account's bulks, newest first (the console's bulk list).
- console_reads: per session, the seq of the last transcript row an agent has seen (unread counts).
- console_assignments: the agent (an API key of the account) a session is assigned to; by agent for "mine".
- console_secrets: named secrets the console keeps (the session cookie's signing key), shared by every process.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    op.create_index(
        "ix_sangdam_sessions_activity",
        "sangdam_sessions",
        ["account_id", "last_activity_at", "seq"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.create_index("ix_bulks_created", "bulks", ["account_id", "created_at", "bulk_id"])
    op.create_index("ix_reports_message", "reports", ["account_id", "message_id", "seq"])
    op.create_table(
        "console_reads",
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("read_seq", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "console_assignments",
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("assigned_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_console_assignments_key", "console_assignments", ["key_id"])
    op.create_table(
        "console_secrets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("console_secrets")
    op.drop_table("console_assignments")
    op.drop_table("console_reads")
    op.drop_index("ix_reports_message", "reports")
    op.drop_index("ix_bulks_created", "bulks")
    op.drop_index("ix_sangdam_sessions_activity", "sangdam_sessions")
