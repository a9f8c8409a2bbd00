"""Statistics rollups (`stats_minute`, `stats_hour`, `stats_day`): counted as messages finish, read by range,
purged by age.

The tables have the same columns; a row is one (account, period start, key) with its counts and its histogram of
times to final (domain/rollups.py). Written set-based: one upsert per table per batch, adding to what is there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.rollups import BUCKETS, DAY_MS, HOUR_MS, MINUTE_MS, FinalFact, Tally, coarser, tallies
from ..domain.status import STATUS_BY_ID, STATUS_GROUPS
from .sql import Fetch, Op, UpdateMany


@dataclass(frozen=True, slots=True)
class Rollup:
    table: str
    period: int
    detailed: bool  # keyed by every field; else by account, channel, status and error only (domain.rollups.tallies)


ROLLUPS = {
    "minute": Rollup("stats_minute", MINUTE_MS, True),
    "hour": Rollup("stats_hour", HOUR_MS, True),
    "day": Rollup("stats_day", DAY_MS, True),
    "hour_total": Rollup("stats_hour_total", HOUR_MS, False),
    "day_total": Rollup("stats_day_total", DAY_MS, False),
}
# What the totals can answer: these groups, with no sender filter.
TOTAL_GROUPS = frozenset({"channel", "statusGroup", "status", "errorId"})
HISTOGRAM = tuple(f"h{i:02d}" for i in range(BUCKETS))
KEY_COLUMNS = (
    "account_id",
    "at",
    "channel",
    "sender",
    "template_code",
    "campaign_ref",
    "route",
    "status_id",
    "error_id",
    "shard",
)
# This process's rows: two processes finishing messages of the same key in the same minute (two workers) each add
# to their own row instead of waiting for the other's transaction to release it. Reads sum the shards.
SHARD = os.getpid() % 1024
COUNT_COLUMNS = ("messages", "failovers", *HISTOGRAM)
# The column types, as PostgreSQL names them (the rows go over as typed arrays).
TYPES = {
    "account_id": "text",
    "at": "bigint",
    "channel": "text",
    "sender": "text",
    "template_code": "text",
    "campaign_ref": "text",
    "route": "text",
    "status_id": "int",
    "error_id": "int",
    "shard": "int",
    "group_id": "int",
    **{c: "bigint" for c in COUNT_COLUMNS},
}
_COLUMNS = (*KEY_COLUMNS, "group_id", *COUNT_COLUMNS)
# Rows per statement: 60 columns stay under SQLite's 32,766 bound variables.
_CHUNK = 400
# Fields a query may group by -> their column (statusGroup is read off status_id's group_id column).
GROUPABLE = {
    "channel": "channel",
    "sender": "sender",
    "templateCode": "template_code",
    "campaignReferenceId": "campaign_ref",
    "route": "route",
    "statusGroup": "group_id",
    "status": "status_id",
    "errorId": "error_id",
}


def _upsert_sql(table: str) -> str:
    columns = ", ".join(_COLUMNS)
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNT_COLUMNS)
    # `WHERE true`: SQLite reads `ON` after `FROM v` as a join constraint without it.
    return (
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM v WHERE true "
        f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {added}"
    )


_UPSERTS = {name: _upsert_sql(r.table) for name, r in ROLLUPS.items()}


def count_finals(facts: Sequence[FinalFact]) -> Op[None]:
    """Add final messages to every rollup."""
    by_minute = tallies(facts, MINUTE_MS)
    for name, r in ROLLUPS.items():
        summed = by_minute if name == "minute" else coarser(by_minute, r.period, r.detailed)
        rows = [_row(at, key, tally) for (at, key), tally in summed.items()]
        for start in range(0, len(rows), _CHUNK):
            yield UpdateMany(_UPSERTS[name], _COLUMNS, tuple(TYPES[c] for c in _COLUMNS), rows[start : start + _CHUNK])


def _row(at: int, key: tuple[Any, ...], tally: Tally) -> tuple[Any, ...]:
    account_id, *rest = key
    status_id = key[6]
    group_id = STATUS_BY_ID[status_id].group_id
    return (account_id, at, *rest, SHARD, group_id, tally.messages, tally.failovers, *tally.histogram)


@dataclass(frozen=True, slots=True)
class StatsQuery:
    account_id: str
    start: int  # inclusive, a multiple of `step`
    end: int  # exclusive
    step: int  # the result granularity in ms (a multiple of the table's period)
    rollup: str  # a key of ROLLUPS
    group_by: tuple[str, ...]  # keys of GROUPABLE
    channel: str | None = None
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class StatsRow:
    time: int
    groups: dict[str, Any]
    messages: int
    failovers: int
    histogram: list[int]


# The summed histogram as one text ("3,0,12,..."): one value per result row to hand to Python instead of 48.
_HISTOGRAM_TEXT = " || ',' || ".join(f"SUM({h})" for h in HISTOGRAM)


def read_stats(q: StatsQuery) -> Op[list[StatsRow]]:
    """Sums per period of `step` and group, oldest first. One range scan of the primary key (account, at)."""
    table = ROLLUPS[q.rollup].table
    columns = [GROUPABLE[g] for g in q.group_by]
    where = "account_id = ? AND at >= ? AND at < ?"
    params: list[Any] = [q.account_id, q.start, q.end]
    if q.channel is not None:
        where += " AND channel = ?"
        params.append(q.channel)
    if q.sender is not None:
        where += " AND sender = ?"
        params.append(q.sender)
    period = "at - ((at - ?) % ?)"  # each period starts `start` plus a multiple of `step`
    grouped = ", ".join(["period", *columns])
    sums = f"SUM(messages) AS messages, SUM(failovers) AS failovers, {_HISTOGRAM_TEXT} AS histogram"
    selected = ", ".join(columns)
    rows = yield Fetch(
        f"SELECT {period} AS period{', ' if columns else ''}{selected}, {sums} FROM {table} WHERE {where} "
        f"GROUP BY {grouped} ORDER BY {grouped}",
        (q.start, q.step, *params),
    )
    return [
        StatsRow(
            r["period"],
            {g: _group_value(g, r[GROUPABLE[g]]) for g in q.group_by},
            int(r["messages"]),
            int(r["failovers"]),
            [int(n) for n in r["histogram"].split(",")],
        )
        for r in rows
    ]


def _group_value(name: str, value: Any) -> Any:
    if name == "statusGroup":
        return STATUS_GROUPS[value]
    if name == "status":
        return STATUS_BY_ID[value].name
    if value == "" and name in ("templateCode", "campaignReferenceId"):
        return None
    return value


def purge_stats(before: int, limit: int) -> Op[int]:
    """Delete rollups of periods that started before `before`, at most `limit` of each table."""
    deleted = 0
    for table in (r.table for r in ROLLUPS.values()):
        rows = yield Fetch(
            f"DELETE FROM {table} WHERE ({', '.join(KEY_COLUMNS)}) "
            f"IN (SELECT {', '.join(KEY_COLUMNS)} FROM {table} {{index:ix_{table}_at}} "
            f"WHERE at < ? ORDER BY at LIMIT ?) RETURNING at",
            (before, limit),
        )
        deleted += len(rows)
    return deleted
