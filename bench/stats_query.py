"""`GET /kakao/1/stats` over 30 days holding 1,000,000 final messages (issue 17: < 50 ms).

Counts the messages in through the code path the engine uses (store.rollups.count_finals, in batches of 500 as the
engine records them), spread over 30 days with a realistic spread of keys (5 senders, 40 templates, 4 campaigns,
two routes, the common statuses, 5 % failovers), then times the stats request through the HTTP app in process.

Usage: .venv/bin/python bench/stats_query.py [--database-url URL] [--messages N] [--repeat R]
(default: a fresh SQLite file in a temporary directory). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from kakao_gateway.domain.rollups import DAY_MS, FinalFact
from kakao_gateway.domain.times import format_ms
from kakao_gateway.store.migrate import upgrade
from kakao_gateway.store.rollups import count_finals

NOW = 1_796_000_000_000  # 2026-11-30
STATUSES = [(5, 0)] * 17 + [(2, 7002), (2, 7003), (15, 4101)]  # mostly delivered


def facts(account_id: str, n: int, rng: random.Random, spread: str) -> list[FinalFact]:
    """`business`: what one business sends in a month (3 senders; 40 templates, a few of them most of the traffic;
    a campaign per week; mostly delivered). `uniform`: every key equally likely, the worst case for the rollups
    (each of 12,800 keys appears in most hours, so there are about as many rollup rows as messages)."""
    out = []
    for _ in range(n):
        done = NOW - rng.randrange(30 * DAY_MS)
        status_id, error_id = rng.choice(STATUSES)
        over = rng.random() < 0.05
        if spread == "uniform":
            sender, template = f"SENDER-{rng.randrange(5)}", f"TEMPLATE_{rng.randrange(40)}"
            campaign = rng.choice(["", "winter", "spring", "vip"])
        else:
            sender, template = (
                f"SENDER-{min(2, int(rng.expovariate(1.5)))}",
                f"TEMPLATE_{min(39, int(rng.paretovariate(1.2)) - 1)}",
            )
            campaign = f"week-{(NOW - done) // (7 * DAY_MS)}" if rng.random() < 0.3 else ""
        out.append(
            FinalFact(
                account_id,
                "ALIM" if rng.random() < 0.8 else "BRAND",
                sender,
                template,
                campaign,
                "SMS_SANDBOX" if over else "KAKAO_SANDBOX",
                status_id,
                error_id,
                over,
                done - int(rng.lognormvariate(7, 1.5)),
                done,
            )
        )
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    tmp = args.keep_dir or tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{Path(tmp) / 'stats.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url, engine=False, api_key="bench-stats-0123456789abcdef0123456789")
    gateway = Gateway(settings, clock=ManualClock(NOW))
    await gateway.start()
    try:
        account = gateway.default_account_id
        rng = random.Random(7)
        started = time.perf_counter()
        # As the engine counts them: in batches of 500 that became final together (in time order).
        everything = sorted(facts(account, args.messages, rng, args.spread), key=lambda f: f.done_at)
        for start in range(0, len(everything), 500):
            await gateway.db.write(count_finals(everything[start : start + 500]))
        fill_s = time.perf_counter() - started
        await gateway.db.optimize()
        month = {"from": format_ms(NOW - 30 * DAY_MS), "to": format_ms(NOW)}
        cases = {
            "30 days by day": {**month, "granularity": "DAY"},
            "30 days by hour": {**month, "granularity": "HOUR"},
            "30 days by day and status group": {**month, "granularity": "DAY", "groupBy": "statusGroup"},
            "30 days by template and status group": {
                **month,
                "granularity": "DAY",
                "groupBy": "templateCode,statusGroup",
            },
            "a day by minute": {"from": format_ms(NOW - DAY_MS), "to": format_ms(NOW), "granularity": "MINUTE"},
        }
        timings: dict[str, Any] = {}
        transport = httpx.ASGITransport(app=create_app(gateway))
        headers = {"Authorization": f"App {settings.api_key}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            for name, params in cases.items():
                samples = []
                total = 0
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    response = await client.get("/kakao/1/stats", params=params)
                    samples.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, response.text
                    results = response.json()["results"]
                    total = sum(r["messages"] for r in results)
                timings[name] = {
                    "results": len(results),
                    "messages": total,
                    "p50_ms": round(statistics.median(samples), 1),
                    "max_ms": round(max(samples), 1),
                }
        rows = {}
        for table in ("stats_minute", "stats_hour", "stats_day", "stats_hour_total", "stats_day_total"):
            found = await gateway.db.read(_count(table))
            rows[table] = found
        return {
            "database": url.split(":", 1)[0],
            "spread": args.spread,
            "messages": args.messages,
            "fill_s": round(fill_s, 1),
            "rollup_rows": rows,
            "queries": timings,
        }
    finally:
        await gateway.stop()


def _count(table: str) -> Any:
    from kakao_gateway.store.sql import Fetch

    rows = yield Fetch(f"SELECT COUNT(*) AS n FROM {table}")
    return rows[0]["n"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--spread", choices=["business", "uniform"], default="business")
    parser.add_argument("--keep-dir", help="put the SQLite file here (and keep it)")
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
