"""The statistics statements find their rows by an index, at any size: reading an account's range (the primary key
from (account, at)), counting final messages in (an upsert on the primary key) and purging by age (ix_*_at)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kakao_gateway.app import Gateway
from kakao_gateway.domain.rollups import DAY_MS, HOUR_MS, FinalFact
from kakao_gateway.store import rollups
from kakao_gateway.store.sql import Query

from .conftest import PG_URL, START_MS
from .test_query_plans import _execute, plans_of

TABLES = ("stats_minute", "stats_hour", "stats_day", "stats_hour_total", "stats_day_total")
SCAN = re.compile(r"^SCAN stats_\w+\b(?! USING)|Seq Scan on stats_")
INDEX = re.compile(r"PRIMARY KEY|pk_stats_\w+|ix_stats_\w+_at")
ROWS = 200_000  # per table: 100 accounts, 2,000 periods each


def _fill(table: str, period: int) -> str:
    counts = ", ".join(rollups.COUNT_COLUMNS)
    zeros = ", ".join("1" if c == "messages" else "0" for c in rollups.COUNT_COLUMNS)
    return (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) "
        f"INSERT INTO {table} (account_id, at, channel, sender, template_code, campaign_ref, route, status_id, "
        f"error_id, group_id, {counts}) SELECT 'acct-' || (i % 100), {START_MS} - CAST(i / 100 AS BIGINT) * {period}, "
        f"'ALIM', 'S', 'T', '', 'KAKAO_SANDBOX', 5, 0, 3, {zeros} FROM n"
    )


def _queries() -> Iterator[tuple[str, Query]]:
    month = rollups.StatsQuery("acct-7", START_MS - 30 * DAY_MS, START_MS, DAY_MS, "day", ("statusGroup",))
    yield "30 days by day", next(rollups.read_stats(month))
    totals = rollups.StatsQuery("acct-7", START_MS - 30 * DAY_MS, START_MS, HOUR_MS, "hour_total", ("statusGroup",))
    yield "30 days of totals by hour", next(rollups.read_stats(totals))
    day = rollups.StatsQuery("acct-7", START_MS - DAY_MS, START_MS, 60_000, "minute", (), "ALIM", "S")
    yield "a day by minute", next(rollups.read_stats(day))
    fact = FinalFact("acct-7", "ALIM", "S", "T", "", "KAKAO_SANDBOX", 5, 0, False, START_MS - 500, START_MS)
    yield "count a final message", next(rollups.count_finals([fact]))
    yield "purge", next(rollups.purge_stats(START_MS - 1500 * HOUR_MS, 1000))


async def test_stats_statements_use_their_indexes(gateway: Gateway) -> None:
    await gateway.db.write(_execute(_fill("stats_minute", 60_000)))
    await gateway.db.write(_execute(_fill("stats_hour", HOUR_MS)))
    await gateway.db.write(_execute(_fill("stats_day", DAY_MS)))
    await gateway.db.write(_execute(_fill("stats_hour_total", HOUR_MS)))
    await gateway.db.write(_execute(_fill("stats_day_total", DAY_MS)))
    plans = await plans_of(gateway, _queries(), *TABLES)
    shown = "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in plans.items())
    assert len(plans) == 5
    assert not any(SCAN.search(line) for p in plans.values() for line in p), shown
    # SQLite's plan of an INSERT ... ON CONFLICT shows only the VALUES: its conflict is found by the primary key by
    # definition (PostgreSQL names it: Conflict Arbiter Indexes)
    checked = {n: p for n, p in plans.items() if PG_URL or n != "count a final message"}
    assert all(any(INDEX.search(line) for line in p) for p in checked.values()), shown
