"""The console dashboard's reads: bounded walks of an index each (a dashboard of a busy gateway reads at most
`limit` rows per query, whatever the backlog; the page says when it was cut short)."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Fetch, Op


@dataclass(frozen=True, slots=True)
class Sample:
    at: int  # created_at (an account's recent messages) or done_at (recent final outcomes)
    channel: str
    state: str
    status_id: int
    hop: int


def account_recent(account_id: str, channel: str, limit: int) -> Op[list[Sample]]:
    """An account's newest messages of a channel (ix_messages_logs, newest first)."""
    rows = yield Fetch(
        "SELECT created_at, channel, state, status_id, hop FROM messages WHERE account_id = ? AND channel = ? "
        "ORDER BY seq DESC LIMIT ?",
        (account_id, channel, limit),
    )
    return [Sample(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def recent_finals(since: int, limit: int) -> Op[list[Sample]]:
    """Every account's messages that reached their final status since `since` (ix_messages_purge, newest first)."""
    rows = yield Fetch(
        "SELECT done_at, channel, state, status_id, hop FROM messages {index:ix_messages_purge} "
        "WHERE state = 'done' AND done_at >= ? ORDER BY done_at DESC LIMIT ?",
        (since, limit),
    )
    return [Sample(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def recent_pushes(since: int, limit: int) -> Op[list[tuple[str, int]]]:
    """(push state, failed attempts) of the reports made since `since` that have a webhook (ix_reports_created)."""
    rows = yield Fetch(
        "SELECT push_state, push_attempts FROM reports WHERE created_at >= ? AND push_url IS NOT NULL "
        "ORDER BY created_at DESC LIMIT ?",
        (since, limit),
    )
    return [(str(r[0]), int(r[1])) for r in rows]
