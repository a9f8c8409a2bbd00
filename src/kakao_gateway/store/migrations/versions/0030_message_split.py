"""The message row split by how it is used (store/message_rows.py):

- `messages` keeps the body, written once at accept: what was asked and where to report it;
- `message_queue` holds what scheduling needs, one narrow row per unfinished message, with only the indexes that
  claims, rescues, expiry, late results and pacing need; a row leaves it when its message ends;
- `message_results` holds how each message ended, appended once (status, times, route and hop, its history);
- `message_view` joins the three for the readers.

The upgrade moves every row in place: unfinished rows (queued, paused, in flight, sent, being canceled) keep their
state, due time, lease and attempts in the queue, so each is still delivered once; finished rows keep their result.

Revision ID: 0030
Revises: 0029
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # on SQLite the rowid itself: one B-tree, not two
QUEUED = sa.text("state = 'queued'")
SENT = sa.text("state = 'sent'")

# The columns that moved out of `messages`, with their types; the queue holds all of them while a message is
# unfinished, the results those that say how it ended.
QUEUE: dict[str, Any] = {
    "priority": sa.Integer,
    "state": sa.Text,
    "due_at": BIGINT,
    "expires_at": BIGINT,
    "lease_owner": sa.Text,
    "attempts": sa.Integer,
    "first_attempt_at": BIGINT,
    "sent_at": BIGINT,
    "done_at": BIGINT,
    "status_id": sa.Integer,
    "error_id": sa.Integer,
    "held_reported": sa.Integer,
    "route": sa.Text,
    "hop": sa.Integer,
    "next_route": sa.Text,
    "prior_status_id": sa.Integer,
    "prior_error_id": sa.Integer,
    "prior_done_at": BIGINT,
    "departed_at": BIGINT,
    "upstream_ref": sa.Text,
    "history": sa.Text,
}
RESULT = (
    "expires_at",  # what its validity was, for the timeline
    "status_id",
    "error_id",
    "sent_at",
    "done_at",
    "route",
    "hop",
    "attempts",
    "prior_status_id",
    "prior_error_id",
    "prior_done_at",
    "departed_at",
    "history",
)
NOT_NULL = {"priority", "state", "due_at", "expires_at", "attempts", "sent_at", "status_id", "error_id", "route", "hop"}
NOT_NULL_RESULT = {"status_id", "error_id", "sent_at", "done_at", "route", "hop", "attempts"}
MOVED_INDEXES = (
    "ix_messages_claim",
    "ix_messages_expiry",
    "ix_messages_purge",
    "ix_messages_departures",
    "ix_messages_upstream_ref",
    "ix_messages_fair",
)

VIEW = f"""CREATE VIEW message_view AS SELECT m.seq, m.account_id, m.message_id, m.channel, m.bulk_id, m.sender,
m.destination, m.content, m.created_at, m.callback_data, m.entity_id, m.application_id, m.campaign_ref, m.webhook_url,
m.webhook_content_type, m.notify, m.intermediate, m.options, m.validity_ms, m.next_validity_ms, m.template_code,
CASE WHEN r.seq IS NOT NULL THEN 'done' ELSE q.state END AS state, q.priority, q.due_at, q.lease_owner,
q.first_attempt_at, q.held_reported, q.next_route, q.upstream_ref, r.done_at,
{", ".join(f"COALESCE(r.{c}, q.{c}) AS {c}" for c in RESULT if c != "done_at")}
FROM messages m LEFT JOIN message_queue q ON q.seq = m.seq LEFT JOIN message_results r ON r.seq = m.seq"""


def upgrade() -> None:
    op.create_table(
        "message_queue",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("bulk_id", sa.Text, nullable=False),
        *(sa.Column(name, kind, nullable=name not in NOT_NULL) for name, kind in QUEUE.items()),
    )
    op.create_table(
        "message_results",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("bulk_id", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),  # the dashboard counts by it without reading the bodies
        *(sa.Column(name, QUEUE[name], nullable=name not in NOT_NULL_RESULT) for name in RESULT),
    )
    queue_columns = ", ".join(QUEUE)
    op.execute(
        f"INSERT INTO message_queue (seq, account_id, bulk_id, {queue_columns}) "
        f"SELECT seq, account_id, bulk_id, {queue_columns} FROM messages WHERE state <> 'done'"
    )
    result_columns = ", ".join(RESULT)
    op.execute(
        f"INSERT INTO message_results (seq, account_id, bulk_id, channel, {result_columns}) "
        f"SELECT seq, account_id, bulk_id, channel, {result_columns} FROM messages WHERE state = 'done'"
    )
    for name in MOVED_INDEXES:
        op.drop_index(name, "messages")
    for name in QUEUE:  # in place on both (SQLite ≥ 3.35): no index names them any more
        op.execute(f"ALTER TABLE messages DROP COLUMN {name}")
    _queue_indexes()
    if op.get_context().dialect.name == "postgresql":
        # A queue's rows come and go: vacuum and re-analyze it after every 5,000 changes rather than after a fifth of
        # its size, so its dead rows and its statistics never lag a burst by much (store/intake.ANALYZE_QUEUE_AFTER).
        op.execute(
            "ALTER TABLE message_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
            "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000)"
        )
    op.create_index("ix_message_results_done", "message_results", ["done_at"])
    op.create_index("ix_message_results_departures", "message_results", ["account_id", "bulk_id", "departed_at"])
    op.create_index("ix_messages_bulk", "messages", ["account_id", "bulk_id", "seq"])
    op.execute(VIEW)


def _queue_indexes() -> None:
    """What the engine asks of the queue: due rows by priority (claims, the next due instant, rescues of in-flight
    and sent rows), queued rows by account and bulk (fair claims), by expiry, by the upstream's id (late results)
    and by bulk (pacing, bulk control)."""
    op.create_index("ix_message_queue_claim", "message_queue", ["state", "priority", "due_at", "seq"])
    op.create_index(
        "ix_message_queue_fair",
        "message_queue",
        ["priority", "account_id", "bulk_id", "due_at", "seq"],
        postgresql_where=QUEUED,
        sqlite_where=QUEUED,
    )
    op.create_index(
        "ix_message_queue_expiry", "message_queue", ["expires_at"], postgresql_where=QUEUED, sqlite_where=QUEUED
    )
    op.create_index(
        "ix_message_queue_upstream_ref",
        "message_queue",
        ["route", "upstream_ref"],
        postgresql_where=SENT,
        sqlite_where=SENT,
    )
    op.create_index("ix_message_queue_bulk", "message_queue", ["account_id", "bulk_id", "departed_at"])


def downgrade() -> None:
    op.execute("DROP VIEW message_view")
    op.drop_index("ix_messages_bulk", "messages")
    for name, kind in QUEUE.items():
        op.add_column("messages", sa.Column(name, kind))
    for name in QUEUE:
        found = f"(SELECT q.{name} FROM message_queue q WHERE q.seq = messages.seq)"
        if name in RESULT:
            found = f"COALESCE({found}, (SELECT r.{name} FROM message_results r WHERE r.seq = messages.seq))"
        op.execute(f"UPDATE messages SET {name} = {found}")
    op.execute(
        "UPDATE messages SET state = 'done', priority = COALESCE(priority, 1), due_at = COALESCE(due_at, done_at), "
        "expires_at = COALESCE(expires_at, done_at) WHERE seq IN (SELECT seq FROM message_results)"
    )
    op.drop_table("message_queue")
    op.drop_table("message_results")
    claim = ["state", "priority", "due_at", "seq"]
    op.create_index("ix_messages_claim", "messages", claim)
    op.create_index("ix_messages_expiry", "messages", ["expires_at"], postgresql_where=QUEUED, sqlite_where=QUEUED)
    done = sa.text("state = 'done'")
    op.create_index("ix_messages_purge", "messages", ["done_at"], postgresql_where=done, sqlite_where=done)
    op.create_index("ix_messages_departures", "messages", ["account_id", "bulk_id", "departed_at"])
    op.create_index(
        "ix_messages_upstream_ref", "messages", ["route", "upstream_ref"], postgresql_where=SENT, sqlite_where=SENT
    )
    op.create_index(
        "ix_messages_fair",
        "messages",
        ["priority", "account_id", "bulk_id", "due_at", "seq"],
        postgresql_where=QUEUED,
        sqlite_where=QUEUED,
    )
