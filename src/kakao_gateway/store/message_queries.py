"""Queries on message rows: logs, one row's state, the next due instants, and the purge of finished rows."""

from __future__ import annotations

import json
from typing import Any

from ..domain.filters import LogFilter
from ..domain.reports import log_entry
from .message_rows import facts_of
from .sql import Execute, Fetch, Op


def query_logs(
    account_id: str, channel: str, f: LogFilter, limit: int, before_seq: int | None, since: int
) -> Op[tuple[list[dict[str, Any]], int | None]]:
    """Newest first; returns the entries and the seq to continue below (None at the end)."""
    where = ["account_id = ?", "channel = ?", "(done_at IS NULL OR done_at >= ?)"]
    params: list[Any] = [account_id, channel, since]
    for column, value in (
        ("entity_id", f.entity_id),
        ("application_id", f.application_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (
        ("sender", f.senders),
        ("destination", f.destinations),
        ("bulk_id", f.bulk_ids),
        ("message_id", f.message_ids),
        ("campaign_ref", f.campaign_refs),
        ("status_id", f.status_ids),
    ):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if f.sent_since is not None:
        where.append("sent_at >= ?")
        params.append(f.sent_since)
    if f.sent_until is not None:
        where.append("sent_at <= ?")
        params.append(f.sent_until)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    # A destination is a handful of rows among millions: SQLite is told so (PostgreSQL's statistics say it), unless
    # a message id or bulk id narrows the search further through its own index.
    by_destination = bool(f.destinations) and not f.message_ids and not f.bulk_ids
    index = "{index:ix_messages_destination}" if by_destination else ""
    rows = yield Fetch(
        "SELECT seq, message_id, bulk_id, sender, destination, sent_at, done_at, status_id, error_id, callback_data, "
        "entity_id, application_id, campaign_ref, content, channel, hop, prior_status_id, prior_error_id, "
        f"prior_done_at FROM messages {index} WHERE {' AND '.join(where)} "
        "ORDER BY seq DESC LIMIT ?",
        (*params, limit + 1),
    )
    entries = []
    for r in rows[:limit]:
        entries.append(log_entry(facts_of(r), json.loads(r["content"])))
    next_seq = rows[limit - 1]["seq"] if len(rows) > limit else None
    return entries, next_seq


def purge_messages(before: int, limit: int) -> Op[int]:
    deleted = yield Execute(
        "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages {index:ix_messages_purge} WHERE state = 'done' "
        "AND done_at < ? "
        "ORDER BY done_at LIMIT ?)",
        (before, limit),
    )
    return int(deleted)


def message_state(account_id: str, message_id: str) -> Op[dict[str, Any] | None]:
    rows = yield Fetch(
        f"SELECT {', '.join(_STATE_COLUMNS)} FROM messages WHERE account_id = ? AND message_id = ?",
        (account_id, message_id),
    )
    if not rows:
        return None
    return {key: rows[0][key] for key in _STATE_COLUMNS}


_STATE_COLUMNS = ("seq", "state", "due_at", "expires_at", "attempts", "status_id", "error_id", "hop", "route")


def next_event_at(after: int) -> Op[int | None]:
    """The earliest instant after `after` at which some message becomes due or expires (virtual clock)."""
    rows = yield Fetch(
        "SELECT MIN(due_at) FROM messages WHERE state IN ('queued', 'inflight', 'sent') AND due_at > ?", (after,)
    )
    expiry = yield Fetch("SELECT MIN(expires_at) FROM messages WHERE state = 'queued' AND expires_at > ?", (after,))
    found = [v for v in (rows[0][0], expiry[0][0]) if v is not None]
    return min(found) if found else None


def next_due_at() -> Op[int | None]:
    """The earliest due time of a queued row: one index seek per priority."""
    found = []
    for priority in (0, 1, 2):
        rows = yield Fetch("SELECT MIN(due_at) FROM messages WHERE state = 'queued' AND priority = ?", (priority,))
        if rows[0][0] is not None:
            found.append(rows[0][0])
    return min(found) if found else None
