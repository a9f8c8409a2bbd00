"""Operational queries: queue depth for metrics, and what readiness checks ask of the database.

Every query here runs at each scrape or probe, so each is bounded by an index, whatever the backlog:

- state counts walk the (state, priority, due_at) index of one state, at most `COUNT_CAP` entries of it (a
  larger count is reported as the cap), so a scrape costs at most a few index pages per state;
- the oldest due row is one index seek per priority (the first entry of each range);
- the late-result channel lookup probes primary keys only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .sql import Fetch, Op

QUEUE_STATES = ("queued", "inflight", "sent", "paused", "canceling")  # every state but `done`
COUNT_CAP = 100_000  # rows counted per state at most (the count walks the state's index entries)
_PRIORITIES = (0, 1, 2)


@dataclass(frozen=True, slots=True)
class QueueStats:
    by_state: dict[str, int]  # rows in each state, at most COUNT_CAP each
    due: int  # queued rows whose due time has come, at most COUNT_CAP
    oldest_due_at: int | None  # due time of the longest-waiting due queued row (ms), None if none is due


def queue_stats(now: int) -> Op[QueueStats]:
    by_state: dict[str, int] = {}
    for state in QUEUE_STATES:
        rows = yield Fetch(
            "SELECT COUNT(*) FROM (SELECT 1 FROM message_queue WHERE state = ? LIMIT ?) AS t", (state, COUNT_CAP)
        )
        by_state[state] = int(rows[0][0])
    due = 0
    oldest: list[int] = []
    for priority in _PRIORITIES:
        rows = yield Fetch(
            "SELECT COUNT(*) FROM (SELECT 1 FROM message_queue WHERE state = 'queued' AND priority = ? "
            "AND due_at <= ? "
            "LIMIT ?) AS t",
            (priority, now, COUNT_CAP),
        )
        due += int(rows[0][0])
        first = yield Fetch(
            "SELECT MIN(due_at) FROM message_queue WHERE state = 'queued' AND priority = ? AND due_at <= ?",
            (priority, now),
        )
        if first[0][0] is not None:
            oldest.append(int(first[0][0]))
    return QueueStats(by_state, min(due, COUNT_CAP), min(oldest) if oldest else None)


def ping() -> Op[bool]:
    rows = yield Fetch("SELECT 1")
    return bool(rows) and rows[0][0] == 1


def schema_revision() -> Op[str | None]:
    """The migration the database is at (Alembic's version table), None if it was never migrated."""
    try:
        rows = yield Fetch("SELECT version_num FROM alembic_version")
    except Exception:  # no version table: an empty database
        return None
    return str(rows[0][0]) if rows else None


@cache
def head_revision() -> str:
    """The newest migration this code ships (read from the migration scripts once)."""
    from alembic.script import ScriptDirectory

    from .migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return ",".join(sorted(heads))


def channels_of(seqs: Sequence[int]) -> Op[dict[int, str]]:
    """The channel of each message row (by primary key)."""
    if not seqs:
        return {}
    marks = ", ".join("?" * len(seqs))
    rows = yield Fetch(f"SELECT seq, channel FROM messages WHERE seq IN ({marks})", list(seqs))
    return {int(r[0]): str(r[1]) for r in rows}
