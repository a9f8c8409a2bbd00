"""Claim cost and fairness across accounts (issue 17, "Fair across accounts"), on SQLite and PostgreSQL.

Run it with the Python of the tree to measure and that tree's sources first on the path, so one copy of this file
measures the commit before the fair claims and the one after, back to back:

    PYTHONPATH=/path/to/old/src .venv/bin/python bench/fair_claims.py --db sqlite
    PYTHONPATH=src .venv/bin/python bench/fair_claims.py --db postgres

Scenarios (each on a fresh database at the tree's head revision, rows inserted by SQL, all due now):
  lone       one account, one bulk of 100,000 due rows: ms per claim of 500 (throughput must not drop)
  accounts   1,000 accounts with a bulk of 100 due rows each (accepted one after the other): ms per claim of 500
  behind     account A's 100,000-row bulk, then one row of account B: claim batches of 500 until B's row is claimed
  idle       nothing due, 100,000 rows scheduled for tomorrow in 1,000 bulks of 100 accounts: ms per claim
Wall time and this process's CPU time (on SQLite, the database's work too; on PostgreSQL, the server's is not in it).
Claimed rows are not recorded (they stay in flight); each claim takes the next due rows. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from message_fill import staged

PG_BASE = "postgresql://postgres@127.0.0.1:5432"
NOW = 1_795_924_800_000
BATCH = 500


def _rows_sql(count: int, account: str, bulk: str, due: str, prefix: str) -> str:
    """`count` queued rows; `account`, `bulk` and `due` are SQL expressions of i (1..count)."""
    return (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
        "INSERT INTO fill_messages (account_id, message_id, channel, route, hop, bulk_id, sender, destination, "
        "content, "
        "state, due_at, expires_at, validity_ms, priority, attempts, status_id, error_id, created_at, sent_at, "
        "notify, intermediate) "
        f"SELECT {account}, '{prefix}' || i, 'ALIM', 'KAKAO_SANDBOX', 0, {bulk}, 'S', '821000000001', '{{}}', "
        f"'queued', {due}, {NOW} + 172800000, 172800000, 1, 0, 5, 0, {NOW}, {NOW}, 1, 0 FROM n"
    )


ACCOUNT_OF_100 = "'acct-' || ((i - 1) / 100)"  # 100 consecutive rows each (PostgreSQL's integer division)
SCENARIOS: dict[str, list[str]] = {
    "lone": [_rows_sql(100_000, "'a'", "'bulk-a'", f"{NOW} - 60000", "a-")],
    "accounts": [_rows_sql(100_000, ACCOUNT_OF_100, "'bulk-' || ((i - 1) / 100)", f"{NOW} - 100000 + i", "x-")],
    "behind": [
        _rows_sql(100_000, "'a'", "'bulk-a'", f"{NOW} - 60000", "a-"),
        _rows_sql(1, "'b'", "'bulk-b'", f"{NOW} - 1", "b-"),
    ],
    "idle": [
        _rows_sql(100_000, "'acct-' || (i % 100)", "'bulk-' || (i % 1000)", f"{NOW} + 86400000 + i", "s-"),
    ],
}


def _execute(sql: str) -> Any:
    from kakao_gateway.store.sql import Execute

    yield Execute(sql, ())


async def _prepare(url: str, statements: list[str]) -> Any:
    from kakao_gateway.store.database import open_database
    from kakao_gateway.store.migrate import upgrade

    if url.startswith("postgresql"):
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
    await asyncio.to_thread(upgrade, url)
    db = open_database(url)
    await db.start()
    for sql in statements:
        await db.write(_execute(sql))
    if url.startswith("postgresql"):
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    else:
        await db.optimize()
    return db


async def _claim(db: Any, turn: Any) -> tuple[float, list[Any]]:
    from kakao_gateway.store.outcomes import claim_due

    op = claim_due(NOW, BATCH, "bench", 30_000) if turn is None else claim_due(NOW, BATCH, "bench", 30_000, turn)
    started, cpu = time.perf_counter(), time.process_time()
    claimed = await db.write(op)
    return 1000 * (time.perf_counter() - started), 1000 * (time.process_time() - cpu), claimed


def _turn() -> Any:
    try:
        from kakao_gateway.store.outcomes import ClaimTurn  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # before the fair claims
        return None
    return ClaimTurn()


async def run(url: str, scenario: str, claims: int) -> dict[str, Any]:
    db = await _prepare(url, staged(*SCENARIOS[scenario]))
    turn = _turn()
    try:
        if scenario == "behind":
            batches = 0
            while True:
                _, _, claimed = await _claim(db, turn)
                batches += 1
                if any(c.account_id == "b" for c in claimed) or not claimed:
                    return {"batches_until_b": batches}
        timings, cpus, counts, accounts = [], [], [], []
        for _ in range(claims):
            ms, cpu, claimed = await _claim(db, turn)
            timings.append(ms)
            cpus.append(cpu)
            counts.append(len(claimed))
            accounts.append(len({c.account_id for c in claimed}))
        return {
            "ms_per_claim_median": round(statistics.median(timings), 2),
            "ms_per_claim_p90": round(sorted(timings)[int(0.9 * len(timings))], 2),
            "cpu_ms_per_claim_median": round(statistics.median(cpus), 2),  # this process (SQLite's writer too)
            "rows_per_claim": round(statistics.mean(counts), 1),
            "accounts_per_claim": round(statistics.mean(accounts), 1),
        }
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-name", default="bench_fair_claims", help="PostgreSQL database (wiped; never `test`)")
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--scenario", action="append", choices=tuple(SCENARIOS))
    args = parser.parse_args()
    import kakao_gateway

    result: dict[str, Any] = {"bench": "fair_claims", "db": args.db, "tree": str(Path(kakao_gateway.__file__).parent)}
    for scenario in args.scenario or SCENARIOS:
        if args.db == "postgres":
            if args.pg_name == "test":
                raise SystemExit("never the test database")
            conn = await asyncpg.connect(f"{PG_BASE}/postgres")
            try:
                if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", args.pg_name):
                    await conn.execute(f'CREATE DATABASE "{args.pg_name}"')
            finally:
                await conn.close()
            url = f"{PG_BASE}/{args.pg_name}"
            result[scenario] = await run(url, scenario, args.claims)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                result[scenario] = await run(f"sqlite:///{tmp}/bench.db", scenario, args.claims)
        print(scenario, result[scenario], file=sys.stderr, flush=True)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
