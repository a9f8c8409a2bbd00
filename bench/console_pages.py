"""The console's pages with 1,000,000 messages in the store (issue 11: "pages stay fast"): fills a database with
1,000,000 finished messages over three channels, 500,000 reports, 50,000 Sangdam sessions with 300,000 messages and
100,000 bulks, then times each page (median of 5 requests, in process, no network) for an account and the operator.

Usage: python bench/console_pages.py [--database-url sqlite:///./console-bench.db | postgresql://.../bench_console]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.store.migrate import upgrade
from kakao_gateway.store.sql import Execute
from message_fill import staged

START = 1_795_924_800_000
KEY = "0123456789abcdef0123456789abcdef-00000000-0000-4000-8000-000000000001"
ADMIN = "fedcba9876543210fedcba9876543210-00000000-0000-4000-8000-000000000002"


def ex(sql: str, *params: Any) -> Iterator[Any]:
    """An INSERT: integers inlined (PostgreSQL would type a bare integer parameter int4), text as parameters."""
    parts = sql.split("?")
    out, kept = [], []
    for part, value in zip(parts[:-1], params, strict=True):
        if isinstance(value, int):
            out.append(part + str(value))
        else:
            out.append(part + "?")
            kept.append(value)
    out.append(parts[-1])
    yield Execute("".join(out), tuple(kept))


def numbers(count: int) -> str:
    return f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "


MESSAGES = (
    "INSERT INTO fill_messages (account_id, message_id, channel, route, hop, bulk_id, sender, destination, content, "
    "state, due_at, expires_at, validity_ms, priority, attempts, status_id, error_id, created_at, sent_at, "
    "done_at, notify, intermediate, departed_at) "
    "SELECT ?, 'm{k}-' || i, CASE i % 3 WHEN 0 THEN 'ALIM' WHEN 1 THEN 'BRAND' ELSE 'SANGDAM' END, "
    "'KAKAO_SANDBOX', 0, 'bulk-{k}-' || (i % 100), 'S', '8210' || (i % 100000), "
    '\'{{"type":"TEXT","text":"hello"}}\', \'done\', ?, ? + 172800000, 172800000, 1, 1, 5, 0, '
    "? - i * 30, ? - i * 30, ? - i * 30 + 500, 1, 0, ? - i * 30 FROM n"
)
REPORTS = (
    "INSERT INTO reports (account_id, channel, message_id, bulk_id, final, body, created_at, push_url, "
    "push_content_type, push_state, push_due_at, push_attempts, kind) "
    "SELECT ?, 'ALIM', 'm0-' || i, 'bulk-0-1', 1, '{}', ? - i * 6, 'http://hooks.test/dlr', 'application/json', "
    "CASE WHEN i % 50 = 0 THEN 'exhausted' ELSE 'pushed' END, ?, 1, 'report' FROM n"
)
SESSIONS = (
    "INSERT INTO sangdam_sessions (session_id, account_id, sender, user_key, state, opened_at, last_activity_at, "
    "expires_at, inflight) SELECT 's-' || i, ?, 'S', 'u-' || i, "
    "CASE WHEN i <= 2000 THEN 'open' ELSE 'closed' END, ? - i * 1000, ? - i * 1000, ? + 3600000, 0 FROM n"
)
TRANSCRIPTS = (
    "INSERT INTO sangdam_messages (account_id, session_id, message_id, direction, sender, user_key, content, "
    "created_at, forward_state) SELECT ?, 's-' || (i % 50000), 'sm-' || i, "
    "CASE WHEN i % 2 = 0 THEN 'OUTBOUND' ELSE 'INBOUND' END, 'S', 'u-' || (i % 50000), "
    '\'{"type":"TEXT","text":"안녕하세요"}\', ? - i, \'none\' FROM n'
)
BULKS = (
    "INSERT INTO bulks (account_id, bulk_id, channel, created_at, send_at, state, next_slot) "
    "SELECT ?, 'b-' || i, 'ALIM', ? - i * 300, ?, 'active', 0 FROM n"
)
PAGES = [
    "/console/inbox",
    "/console/inbox/list",
    "/console/inbox/closed",
    "/console/inbox/s-5",
    "/console/messages?channel=ALIM",
    "/console/messages?channel=SANGDAM&destination=821099999",
    "/console/messages/m0-7",
    "/console/bulks",
    "/console/bulks/bulk-0-1",
    "/console/dashboard/panel",
    "/console/phone?number=82105",
]


async def fill(gw: Gateway, url: str) -> None:
    acc, t = gw.default_account_id, START
    create, *split = staged()  # the rows go into a staging table first, then into the message tables
    await gw.db.write(ex(create))
    for k in range(10):
        await gw.db.write(ex(numbers(100_000) + MESSAGES.format(k=k), acc, t, t, t, t, t, t))
    for sql in split:
        await gw.db.write(ex(sql))
    await gw.db.write(ex(numbers(500_000) + REPORTS, acc, t, t))
    await gw.db.write(ex(numbers(50_000) + SESSIONS, acc, t, t, t))
    await gw.db.write(ex(numbers(300_000) + TRANSCRIPTS, acc, t))
    await gw.db.write(ex(numbers(100_000) + BULKS, acc, t, t))
    await gw.db.write(ex(numbers(1) + BULKS.replace("'b-' || i", "'bulk-0-1'"), acc, t, t))  # the reports' bulk
    if url.startswith("sqlite"):
        await gw.db.optimize()
    else:
        import asyncpg

        conn = await asyncpg.connect(url)
        await conn.execute("ANALYZE")
        await conn.close()


async def median_ms(client: httpx.AsyncClient, path: str) -> float:
    times = []
    for _ in range(5):
        began = time.perf_counter()
        response = await client.get(path)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return statistics.median(times) * 1000


async def sign_in(client: httpx.AsyncClient, key: str) -> None:
    page = (await client.get("/console/sign-in")).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    response = await client.post("/console/sign-in", data={"key": key, "csrf": token.group(1)})
    assert response.status_code == 303


async def main(url: str) -> None:
    if url.startswith("sqlite") and os.path.exists(url.removeprefix("sqlite:///")):
        os.remove(url.removeprefix("sqlite:///"))
    await asyncio.to_thread(upgrade, url)
    settings = Settings(database_url=url, api_key=KEY, admin_key=ADMIN, engine=False)
    gw = Gateway(settings, clock=ManualClock(START))
    await gw.start()
    began = time.perf_counter()
    await fill(gw, url)
    print(f"filled in {time.perf_counter() - began:.0f} s")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gw)), base_url="http://gw.test") as c:
        await sign_in(c, KEY)
        for path in PAGES:
            print(f"{await median_ms(c, path):8.1f} ms  {path}")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gw)), base_url="http://gw.test") as c:
        await sign_in(c, ADMIN)
        print(f"{await median_ms(c, '/console/dashboard/panel'):8.1f} ms  /console/dashboard/panel (operator)")
    await gw.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default="sqlite:///./console-bench.db",
        help="SQLite path (replaced) or an empty PostgreSQL database (never the test suite's `test`)",
    )
    asyncio.run(main(parser.parse_args().database_url))
