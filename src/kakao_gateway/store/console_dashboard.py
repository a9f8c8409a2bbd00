"""The operator's console dashboard's reads (an account's dashboard reads the statistics rollups): bounded walks of an
index each, counted per minute by the database (a dashboard of
a busy gateway reads at most `limit` rows per query, whatever the backlog; the page says when it was cut short)."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Fetch, Op, Row

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Bucket:
    """How many messages of a channel, state and status fell in one minute (`minute`: 0 is `since`'s minute)."""

    minute: int
    channel: str
    state: str
    status_id: int
    failover: bool
    count: int


def _buckets(rows: list[Row]) -> list[Bucket]:
    return [Bucket(int(r[0]), r[1], r[2], int(r[3]), bool(r[4]), int(r[5])) for r in rows]


def recent_finals(since: int, limit: int) -> Op[list[Bucket]]:
    """Every account's messages that reached their final status since `since` (the newest `limit` of them, walking
    ix_message_results_done), counted by the minute they did."""
    rows = yield Fetch(
        "SELECT (done_at - ?) / ? AS minute, channel, state, status_id, CASE WHEN hop > 0 THEN 1 ELSE 0 END, "
        "COUNT(*) FROM (SELECT done_at, channel, 'done' AS state, status_id, hop FROM message_results "
        "{index:ix_message_results_done} WHERE done_at >= ? ORDER BY done_at DESC LIMIT ?) AS t "
        "GROUP BY 1, channel, state, status_id, 5",
        (since, MINUTE_MS, since, limit),
    )
    return _buckets(rows)


def recent_pushes(since: int, limit: int) -> Op[list[tuple[str, bool, int]]]:
    """(push state, whether an attempt failed, how many) of the newest `limit` reports made since `since` that have a
    webhook (ix_reports_created)."""
    rows = yield Fetch(
        "SELECT push_state, CASE WHEN push_attempts > 0 THEN 1 ELSE 0 END, COUNT(*) FROM (SELECT push_state, "
        "push_attempts FROM reports WHERE created_at >= ? AND push_url IS NOT NULL ORDER BY created_at DESC LIMIT ?) "
        "AS t GROUP BY push_state, 2",
        (since, limit),
    )
    return [(str(r[0]), bool(r[1]), int(r[2])) for r in rows]
