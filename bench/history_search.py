"""History search by destination (issue 17, item 4): `GET /kakao/1/messages?destination=` over 1,000,000 messages
kept for 30 days.

One gateway on a fresh database (SQLite file, or the PostgreSQL URL given), its engine off. The messages table is
filled with `--rows` finished messages (one recursive INSERT, the same SQL on both databases): three channels,
`--destinations` distinct numbers (so each has rows / destinations messages), accepted evenly over the last 30 days,
each with a history line; then the planner gets its statistics (ANALYZE). Searches for random numbers that have
messages, and for numbers that have none, are then timed: the store operation alone, and the HTTP call in-process
(ASGI, auth and JSON included).

Usage: .venv/bin/python bench/history_search.py [--database-url URL] [--rows 1000000] [--destinations 100000]
       [--searches 300]
Prints the median and p95 milliseconds of each kind of search.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.store import history
from kakao_gateway.store.migrate import upgrade
from kakao_gateway.store.sql import Execute
from message_fill import staged

KEY = "bench-history-0123456789abcdef0123456789ab"
NOW = 1_795_924_800_000
DAY = 86_400_000


def number(i: int) -> str:
    return f"8210{10_000_000 + i:08d}"


def fill_sql(account_id: str, rows: int, destinations: int) -> str:
    step = 30 * DAY // rows
    return (
        f"WITH RECURSIVE n(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
        "INSERT INTO fill_messages (account_id, message_id, channel, route, hop, bulk_id, sender, destination, "
        "content, "
        "state, due_at, expires_at, validity_ms, priority, attempts, status_id, error_id, created_at, sent_at, "
        "done_at, notify, intermediate, departed_at, history) "
        f"SELECT '{account_id}', 'm-' || i, CASE i % 3 WHEN 0 THEN 'ALIM' WHEN 1 THEN 'BRAND' ELSE 'SANGDAM' END, "
        "'KAKAO_SANDBOX', 0, 'bulk-' || (i / 1000), 'S', "
        f'\'8210\' || CAST(10000000 + (i % {destinations}) AS TEXT), \'{{"type":"TEXT","text":"hi"}}\', \'done\', '
        f"{NOW - 30 * DAY} + i * {step}, {NOW - 28 * DAY} + i * {step}, 172800000, 1, 1, 5, 0, "
        f"{NOW - 30 * DAY} + i * {step}, {NOW - 30 * DAY} + i * {step}, {NOW - 30 * DAY} + i * {step} + 900, 1, 0, "
        f"{NOW - 30 * DAY} + i * {step}, "
        f'\'{{"at":\' || ({NOW - 30 * DAY} + i * {step} + 900) || \',"event":"final","status":5,"error":0}}\' '
        "|| CHAR(10) FROM n"
    )


def _execute(sql: str) -> Any:
    yield Execute(sql, ())


async def fill(gateway: Gateway, rows: int, destinations: int) -> None:
    sql = fill_sql(gateway.default_account_id, rows, destinations)
    if gateway.settings.database_url.startswith("postgresql"):
        sql = sql.replace("CHAR(10)", "chr(10)")
    for statement in staged(sql):
        await gateway.db.write(_execute(statement))
    await gateway.db.optimize()
    if gateway.settings.database_url.startswith("postgresql"):
        import asyncpg

        conn = await asyncpg.connect(gateway.settings.database_url)
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()


def summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name:<36} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   ({len(ms)} searches)"


async def timed_store(gateway: Gateway, destinations: list[str]) -> list[float]:
    out = []
    for d in destinations:
        start = time.perf_counter()
        await gateway.db.read(history.search(gateway.default_account_id, history.HistoryQuery(destination=d), 50, None))
        out.append((time.perf_counter() - start) * 1000)
    return out


async def timed_http(client: httpx.AsyncClient, destinations: list[str]) -> list[float]:
    out = []
    for d in destinations:
        start = time.perf_counter()
        response = await client.get("/kakao/1/messages", params={"destination": d})
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return out


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if url.startswith("postgresql"):  # wiped and migrated afresh
            import asyncpg

            conn = await asyncpg.connect(url)
            try:
                await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            finally:
                await conn.close()
        await asyncio.to_thread(upgrade, url)
        gateway = Gateway(Settings(database_url=url, api_key=KEY, engine=False), clock=ManualClock(NOW))
        await gateway.start()
        try:
            started = time.perf_counter()
            await fill(gateway, args.rows, args.destinations)
            print(f"filled {args.rows:,} messages in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
            rng = random.Random(17)
            some = [number(rng.randrange(args.destinations)) for _ in range(args.searches)]
            none = [number(args.destinations + rng.randrange(10**6)) for _ in range(args.searches)]
            per = args.rows // args.destinations
            print(summary(f"store: a number with ~{per} messages", await timed_store(gateway, some)))
            print(summary("store: a number with none", await timed_store(gateway, none)))
            transport = httpx.ASGITransport(app=create_app(gateway))
            headers = {"Authorization": f"App {KEY}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
                await timed_http(client, some[:10])  # warm up
                print(summary(f"HTTP: a number with ~{per} messages", await timed_http(client, some)))
                print(summary("HTTP: a number with none", await timed_http(client, none)))
        finally:
            await gateway.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--destinations", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
