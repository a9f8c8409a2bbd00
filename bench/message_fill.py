"""Filling the message tables for benchmarks and query-plan tests (tests import it as `bench.message_fill`): rows
written in the shape of one wide row per message (the columns a test cares about) into a staging table, then split
into bodies, queue rows and results as the gateway stores them (store/message_rows.py)."""

from __future__ import annotations

STAGE = "fill_messages"
_COLUMNS = (
    "account_id text, message_id text, channel text, route text, hop int, bulk_id text, sender text, "
    "destination text, content text, state text, due_at bigint, expires_at bigint, validity_ms bigint, priority int, "
    "attempts int, status_id int, error_id int, created_at bigint, sent_at bigint, done_at bigint, notify int, "
    "intermediate int, departed_at bigint, campaign_ref text, history text"
)


def staged(*inserts: str) -> list[str]:
    """Statements that store the rows `inserts` put into STAGE (each an `INSERT INTO fill_messages (...) ...`)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {STAGE} ({_COLUMNS})",
        *inserts,
        "INSERT INTO messages (account_id, message_id, channel, bulk_id, sender, destination, content, created_at, "
        "notify, intermediate, validity_ms, campaign_ref) SELECT account_id, message_id, channel, bulk_id, sender, "
        f"destination, content, created_at, notify, intermediate, validity_ms, campaign_ref FROM {STAGE}",
        "INSERT INTO message_queue (seq, account_id, bulk_id, priority, state, due_at, expires_at, attempts, sent_at, "
        "status_id, error_id, route, hop, departed_at, history) SELECT m.seq, f.account_id, f.bulk_id, f.priority, "
        "f.state, f.due_at, f.expires_at, f.attempts, f.sent_at, f.status_id, f.error_id, f.route, f.hop, "
        "f.departed_at, f.history "
        f"FROM {STAGE} f JOIN messages m ON m.account_id = f.account_id AND m.message_id = f.message_id "
        "WHERE f.state <> 'done'",
        "INSERT INTO message_results (seq, account_id, bulk_id, channel, expires_at, status_id, error_id, sent_at, "
        "done_at, route, hop, attempts, departed_at, history) SELECT m.seq, f.account_id, f.bulk_id, f.channel, "
        "f.expires_at, f.status_id, f.error_id, f.sent_at, f.done_at, f.route, f.hop, f.attempts, f.departed_at, "
        f"f.history FROM {STAGE} f JOIN messages m ON m.account_id = f.account_id AND m.message_id = f.message_id "
        "WHERE f.state = 'done'",
        f"DROP TABLE {STAGE}",
    ]
