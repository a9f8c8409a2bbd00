"""Queries on message rows: logs, one row's state, the next due instants, and the purge of finished rows.

Finished rows are kept for the history search (store/history.py, --history-retention-days), far longer than the logs
show them (48 hours). So that a logs query still reads only the last 48 hours of rows, each account's channel has a
floor (`log_floors`): a seq below which every row finished more than 48 hours ago. The maintenance duty moves it up
(`moved_log_floors`, `raise_log_floors`) and the logs start their index walk there."""

from __future__ import annotations

import json
from typing import Any

from ..domain.filters import LogFilter
from ..domain.reports import log_entry
from .message_rows import LIVE_FROM, facts_of, live, live_columns
from .sql import Execute, Fetch, Op

# The floor is one primary-key probe, evaluated once: both planners take it as the lower bound of the index range.
_FLOOR = "COALESCE((SELECT floor_seq FROM log_floors WHERE account_id = ? AND channel = ?), 0)"


def query_logs(
    account_id: str, channel: str, f: LogFilter, limit: int, before_seq: int | None, since: int
) -> Op[tuple[list[dict[str, Any]], int | None]]:
    """Newest first; returns the entries and the seq to continue below (None at the end)."""
    where = ["m.account_id = ?", "m.channel = ?", f"m.seq >= {_FLOOR}", _VISIBLE]
    params: list[Any] = [account_id, channel, account_id, channel, since, since]
    for column, value in (
        ("m.entity_id", f.entity_id),
        ("m.application_id", f.application_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (
        ("m.sender", f.senders),
        ("m.destination", f.destinations),
        ("m.bulk_id", f.bulk_ids),
        ("m.message_id", f.message_ids),
        ("m.campaign_ref", f.campaign_refs),
        (live("status_id"), f.status_ids),
    ):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if f.sent_since is not None:
        where.append(f"{live('sent_at')} >= ?")
        params.append(f.sent_since)
    if f.sent_until is not None:
        where.append(f"{live('sent_at')} <= ?")
        params.append(f.sent_until)
    if before_seq is not None:
        where.append("m.seq < ?")
        params.append(before_seq)
    # A destination is a handful of rows among millions: SQLite is told so (PostgreSQL's statistics say it), unless
    # a message id or bulk id narrows the search further through its own index.
    by_destination = bool(f.destinations) and not f.message_ids and not f.bulk_ids
    index = "{index:ix_messages_destination}" if by_destination else ""
    rows = yield Fetch(
        f"SELECT {live_columns(_LOG_COLUMNS)} FROM {LIVE_FROM.format(index=index)} WHERE {' AND '.join(where)} "
        "ORDER BY m.seq DESC LIMIT ?",
        (*params, limit + 1),
    )
    entries = []
    for r in rows[:limit]:
        entries.append(log_entry(facts_of(r), json.loads(r["content"])))
    next_seq = rows[limit - 1]["seq"] if len(rows) > limit else None
    return entries, next_seq


# Unfinished, or finished at or after the parameter (given twice). A scalar subquery, one primary-key probe per row
# walked: as a join, PostgreSQL guessed that few rows pass and hashed every result instead of walking the index.
_VISIBLE = "COALESCE((SELECT r.done_at FROM message_results r WHERE r.seq = m.seq), ?) >= ?"
_LOG_COLUMNS = (
    "seq, message_id, bulk_id, sender, destination, sent_at, done_at, status_id, error_id, callback_data, entity_id, "
    "application_id, campaign_ref, content, channel, hop, prior_status_id, prior_error_id, prior_done_at"
)


def moved_log_floors(since: int) -> Op[list[tuple[str, str, int]]]:
    """The floors that can move up now, as (account, channel, new floor): for each account's channel, one walk of
    ix_messages_logs from its floor past the rows that finished before `since` (each row is walked past once)."""
    rows = yield Fetch("SELECT id FROM accounts ORDER BY id")
    floors = yield Fetch("SELECT account_id, channel, floor_seq FROM log_floors")
    old = {(r["account_id"], r["channel"]): int(r["floor_seq"]) for r in floors}
    moved = []
    for account_id in (r["id"] for r in rows):
        for channel in LOG_CHANNELS:
            floor = old.get((account_id, channel), 0)
            new_floor = yield from next_log_floor(account_id, channel, floor, since)
            if new_floor is not None and new_floor > floor:
                moved.append((account_id, channel, new_floor))
    return moved


LOG_CHANNELS = ("ALIM", "BRAND", "SANGDAM")


def next_log_floor(account_id: str, channel: str, floor: int, since: int) -> Op[int | None]:
    """Where the logs of an account's channel may start: one above the last row from `floor` on that finished before
    `since`, below the first row that did not. None: no such row.

    One above the last row walked past, not the first visible row: a row whose insert commits late with a lower seq
    than a visible one (PostgreSQL hands out seqs before commit) stays above the floor."""
    visible = yield Fetch(
        f"SELECT m.seq FROM messages m WHERE m.account_id = ? AND m.channel = ? AND m.seq >= ? AND {_VISIBLE} "
        "ORDER BY m.seq LIMIT 1",
        (account_id, channel, floor, since, since),
    )
    upper, params = ("AND seq < ?", (visible[0]["seq"],)) if visible else ("", ())
    passed = yield Fetch(
        f"SELECT MAX(seq) AS seq FROM messages WHERE account_id = ? AND channel = ? AND seq >= ? {upper}",
        (account_id, channel, floor, *params),
    )
    last = passed[0]["seq"]
    return None if last is None else int(last) + 1


def raise_log_floors(moved: list[tuple[str, str, int]]) -> Op[int]:
    """Write moved floors; a floor is never lowered (two maintenance duties may race)."""
    for account_id, channel, floor in moved:
        yield Execute(
            "INSERT INTO log_floors (account_id, channel, floor_seq) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id, channel) DO UPDATE SET floor_seq = CASE WHEN excluded.floor_seq > "
            "log_floors.floor_seq THEN excluded.floor_seq ELSE log_floors.floor_seq END",
            (account_id, channel, floor),
        )
    return len(moved)


def purge_messages(before: int, limit: int) -> Op[int]:
    """Delete messages that ended before `before` (their results and bodies), oldest first, at most `limit`."""
    picked = yield Fetch(
        "SELECT seq FROM message_results {index:ix_message_results_done} WHERE done_at < ? ORDER BY done_at LIMIT ?",
        (before, limit),
    )
    seqs = [r["seq"] for r in picked]
    if not seqs:
        return 0
    marks = ",".join("?" * len(seqs))
    yield Execute(f"DELETE FROM message_results WHERE seq IN ({marks})", seqs)
    deleted = yield Execute(f"DELETE FROM messages WHERE seq IN ({marks})", seqs)
    return int(deleted)


def message_state(account_id: str, message_id: str) -> Op[dict[str, Any] | None]:
    rows = yield Fetch(
        f"SELECT {', '.join(_STATE_COLUMNS)} FROM message_view WHERE account_id = ? AND message_id = ?",
        (account_id, message_id),
    )
    if not rows:
        return None
    return {key: rows[0][key] for key in _STATE_COLUMNS}


_STATE_COLUMNS = ("seq", "state", "due_at", "expires_at", "attempts", "status_id", "error_id", "hop", "route")


def next_event_at(after: int) -> Op[int | None]:
    """The earliest instant after `after` at which some message becomes due or expires (virtual clock)."""
    rows = yield Fetch(
        "SELECT MIN(due_at) FROM message_queue WHERE state IN ('queued', 'inflight', 'sent') AND due_at > ?", (after,)
    )
    expiry = yield Fetch(
        "SELECT MIN(expires_at) FROM message_queue WHERE state = 'queued' AND expires_at > ?", (after,)
    )
    found = [v for v in (rows[0][0], expiry[0][0]) if v is not None]
    return min(found) if found else None


def next_due_at() -> Op[int | None]:
    """The earliest due time of a queued row: one index seek per priority."""
    found = []
    for priority in (0, 1, 2):
        rows = yield Fetch("SELECT MIN(due_at) FROM message_queue WHERE state = 'queued' AND priority = ?", (priority,))
        if rows[0][0] is not None:
            found.append(rows[0][0])
    return min(found) if found else None
