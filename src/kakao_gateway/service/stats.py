"""Delivery statistics of an account over a range (`GET /kakao/1/stats`), read from the rollups (store/rollups.py):
exact counts of final messages by the period they became final in, with p50 and p95 of their time from accept to
final. Never a scan of messages: the cost grows with the number of periods and keys, not of messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.rollups import DAY_MS, HOUR_MS, MINUTE_MS, quantile_s
from ..domain.times import format_ms
from ..store import rollups
from .context import Context
from .errors import InvalidRequest

# granularity -> (its length, the rollup table it is read from)
GRANULARITIES = {"MINUTE": (MINUTE_MS, "minute"), "HOUR": (HOUR_MS, "hour"), "DAY": (DAY_MS, "day")}
DEFAULT_RANGE_MS = DAY_MS
MAX_PERIODS = 50_000  # periods in one answer: 34 days of minutes, 5 years of hours
GROUPS = tuple(rollups.GROUPABLE)


@dataclass(frozen=True, slots=True)
class StatsRequest:
    start: int | None
    end: int | None
    granularity: str | None
    group_by: Sequence[str]
    channel: str | None
    sender: str | None


def query_of(account_id: str, r: StatsRequest, now: int) -> rollups.StatsQuery:
    """The rollup read `GET /kakao/1/stats` makes of a request (checked; periods aligned to the granularity)."""
    granularity = (r.granularity or "HOUR").upper()
    if granularity not in GRANULARITIES:
        raise InvalidRequest([("granularity", f"must be one of {', '.join(GRANULARITIES)}")])
    unknown = [g for g in r.group_by if g not in rollups.GROUPABLE]
    if unknown:
        raise InvalidRequest([("groupBy", f"unknown field {unknown[0]!r}: use {', '.join(GROUPS)}")])
    step, table = GRANULARITIES[granularity]
    end = r.end if r.end is not None else now
    start = r.start if r.start is not None else end - DEFAULT_RANGE_MS
    if start >= end:
        raise InvalidRequest([("from", "must be before to")])
    start -= start % step  # periods start at whole minutes, hours and days (UTC)
    if (end - start) // step > MAX_PERIODS:
        raise InvalidRequest([("granularity", f"the range holds more than {MAX_PERIODS} periods of {granularity}")])
    group_by = tuple(dict.fromkeys(r.group_by))
    channel = r.channel.upper() if r.channel else None
    if granularity != "MINUTE" and r.sender is None and set(group_by) <= rollups.TOTAL_GROUPS:
        table += "_total"
    return rollups.StatsQuery(account_id, start, end, step, table, group_by, channel, r.sender)


async def stats(ctx: Context, account_id: str, request: StatsRequest) -> dict[str, Any]:
    query = query_of(account_id, request, ctx.clock.now_ms())
    rows = await ctx.db.read(rollups.read_stats(query))
    return {"results": [_result(row) for row in rows]}


def _result(row: rollups.StatsRow) -> dict[str, Any]:
    return {
        "time": format_ms(row.time),
        **row.groups,
        "messages": row.messages,
        "failovers": row.failovers,
        "secondsToFinal": {"p50": quantile_s(row.histogram, 0.5), "p95": quantile_s(row.histogram, 0.95)},
    }
