"""Engine v2: hops and routes on message rows, stored validity, departures for pacing, outbox kinds, and the
indexes that keep an idle engine's cost independent of the backlog.

- messages.route: the connector the current hop uses (KAKAO_SANDBOX today); `channel` stays the report family.
- messages.hop: 0 for the Kakao hop; a failover hop increments it.
- messages.validity_ms: the validity length, so every re-plan can apply the accept rule.
- messages.departed_at: the last time the row went upstream (every submit counts against its bulk's pace).
- reports.kind: report | click | inbound, each with its renderer and target rule.
- Partial indexes for expiry (queued rows by expires_at) and purge (done rows by done_at); reports by created_at.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

# The same text as store/reports.py PULLABLE: SQLite uses a partial index only for a query that repeats its terms.
PULLABLE = "pulled_at IS NULL AND final = 1 AND kind = 'report' AND push_state IN ('none', 'exhausted')"

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("route", sa.Text, nullable=False, server_default="KAKAO_SANDBOX"))
        batch.add_column(sa.Column("hop", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("validity_ms", sa.BigInteger))
        batch.add_column(sa.Column("departed_at", sa.BigInteger))
    op.execute("UPDATE messages SET validity_ms = expires_at - due_at")
    op.execute("UPDATE messages SET departed_at = sent_at WHERE attempts > 0")
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("kind", sa.Text, nullable=False, server_default="report"))
    op.execute("UPDATE reports SET kind = 'click', channel = 'BRAND' WHERE channel = 'CLICK'")
    queued = sa.text("state = 'queued'")
    done = sa.text("state = 'done'")
    op.create_index("ix_messages_expiry", "messages", ["expires_at"], postgresql_where=queued, sqlite_where=queued)
    op.create_index("ix_messages_purge", "messages", ["done_at"], postgresql_where=done, sqlite_where=done)
    op.create_index("ix_messages_departures", "messages", ["account_id", "bulk_id", "departed_at"])
    op.drop_index("ix_messages_bulk", "messages")  # the departures index serves its lookups too
    # Claims pick by (state, priority) in (due_at, seq) order, pushes by state in (push_due_at, seq) order: with seq
    # in the index a claim reads the first rows in order instead of sorting every row that shares a due time (all
    # rows of an unpaced bulk do, and all reports written together).
    op.drop_index("ix_messages_claim", "messages")
    op.create_index("ix_messages_claim", "messages", ["state", "priority", "due_at", "seq"])
    op.drop_index("ix_reports_push", "reports")
    op.create_index("ix_reports_push", "reports", ["push_state", "push_due_at", "seq"])
    op.create_index("ix_reports_created", "reports", ["created_at"])
    # Pulls look only at reports that can still be pulled: walking all of an account's reports to find them cost
    # more the more were pushed.
    pullable = sa.text(PULLABLE)
    op.drop_index("ix_reports_pull", "reports")
    op.create_index(
        "ix_reports_pullable",
        "reports",
        ["account_id", "channel", "seq"],
        postgresql_where=pullable,
        sqlite_where=pullable,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_claim", "messages")
    op.create_index("ix_messages_claim", "messages", ["state", "priority", "due_at"])
    op.drop_index("ix_reports_push", "reports")
    op.create_index("ix_reports_push", "reports", ["push_state", "push_due_at"])
    op.drop_index("ix_reports_pullable", "reports")
    op.create_index("ix_reports_pull", "reports", ["account_id", "channel", "pulled_at", "seq"])
    op.drop_index("ix_reports_created", "reports")
    op.create_index("ix_messages_bulk", "messages", ["account_id", "bulk_id"])
    op.drop_index("ix_messages_departures", "messages")
    op.drop_index("ix_messages_purge", "messages")
    op.drop_index("ix_messages_expiry", "messages")
    op.execute("UPDATE reports SET channel = 'CLICK' WHERE kind = 'click'")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("messages") as batch:
        for column in ("departed_at", "validity_ms", "hop", "route"):
            batch.drop_column(column)
