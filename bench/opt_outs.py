"""Opt-out lookups at accept (issue 19): a 100,000-destination Brand request, accepted with and without a
1,000,000-number opt-out list on the account.

One gateway on a fresh database (SQLite file, or the PostgreSQL URL given), its engine off so that each run measures
the accept path alone, the API called in-process (ASGI, no sockets, as bench/profile_accept.py does). Two accounts
take turns, run after run, so that both meet the same messages table: `plain` has no list, `listed` has 1,000,000
numbers on it (added through the service's `add`, 100,000 a call, as the API and `opt-outs import` do). The
request's destinations are the same numbers for both; `--listed-share` of them are on the list (rejected
REJECTED_DND, each with its final report), the others are not.

Usage: .venv/bin/python bench/opt_outs.py [--database-url URL] [--destinations 100000] [--list 1000000]
       [--runs 5] [--listed-share 0.1]
Prints one line per run and a summary: median destinations/s per account and their ratio (listed / plain).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.config import Settings
from kakao_gateway.service import accounts, catalog, opt_outs
from kakao_gateway.store.migrate import upgrade

SENDER = "BENCH-BRAND"
PLAIN_KEY = "bench-optouts-plain-0123456789abcdef0123"
LISTED_KEY = "bench-optouts-listed-0123456789abcdef012"
BATCH = 100_000


def number(i: int) -> str:
    return f"8210{10_000_000 + i:08d}"


def brand_body(destinations: int, listed_share: float, list_size: int) -> bytes:
    """`destinations` numbers; every 1/listed_share-th of them within the list's range, the others above it."""
    step = round(1 / listed_share) if listed_share > 0 else 0
    tos = [number(i) if step and i % step == 0 else number(list_size + i) for i in range(destinations)]
    message = {
        "sender": SENDER,
        "destinations": [{"to": to, "messageId": f"b-{uuid.uuid4().hex}"} for to in tos],
        "content": {"type": "TEXT_FREE_FORM", "text": "(광고)벤치몰 Winter sale, up to 50% off."},
    }
    return orjson.dumps({"messages": [message]})


async def call(app: Any, key: str, body: bytes) -> tuple[int, bytes]:
    """One POST /kakao-chingu/1/messages straight into the ASGI app."""
    path = "/kakao-chingu/1/messages"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"App {key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8123),
        "state": {},
    }
    answer: dict[str, Any] = {"status": 0, "body": b""}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["body"]


async def post(app: Any, key: str, body: bytes) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    status, raw = await call(app, key, body)
    elapsed = time.perf_counter() - started
    assert status == 200, raw[:300]
    counts: dict[str, int] = {}
    for m in orjson.loads(raw)["messages"]:
        counts[m["status"]["name"]] = counts.get(m["status"]["name"], 0) + 1
    return elapsed, counts


async def lookup_alone(gateway: Gateway, account_id: str, args: argparse.Namespace) -> None:
    """The accept's lookup by itself: the request's destinations against the list, `runs` times."""
    step = round(1 / args.listed_share) if args.listed_share > 0 else 0
    tos = [number(i) if step and i % step == 0 else number(args.list + i) for i in range(args.destinations)]
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        found = await opt_outs.refused_senders(gateway.ctx, account_id, tos)
        times.append(time.perf_counter() - started)
    print(
        f"lookup alone: {args.destinations:,} destinations against the list, {len(found):,} found: "
        f"median {statistics.median(times) * 1000:.0f} ms (best {min(times) * 1000:.0f}, worst {max(times) * 1000:.0f})"
    )


async def setup(gateway: Gateway, list_size: int) -> tuple[str, str, str]:
    ctx = gateway.ctx
    plain = await accounts.create_account(ctx, "plain")
    listed = await accounts.create_account(ctx, "listed")
    for account, key in ((plain.id, PLAIN_KEY), (listed.id, LISTED_KEY)):
        await accounts.create_key(ctx, account, "bench", key=key)
        await catalog.add_sender(ctx, account, SENDER, "Bench brand", True)
    started = time.perf_counter()
    for start in range(0, list_size, BATCH):
        await opt_outs.add(ctx, listed.id, [number(i) for i in range(start, min(start + BATCH, list_size))], None)
    seconds = time.perf_counter() - started
    print(f"listed {list_size:,} numbers in {seconds:.1f} s ({list_size / seconds:,.0f} numbers/s, {BATCH:,} a call)")
    return PLAIN_KEY, LISTED_KEY, listed.id


async def run(args: argparse.Namespace, url: str) -> None:
    gateway = Gateway(Settings(database_url=url, engine=False, log_level="warning"))
    app = create_app(gateway)
    await gateway.start()
    try:
        *keys, listed_id = await setup(gateway, args.list)
        await lookup_alone(gateway, listed_id, args)
        rates: dict[str, list[float]] = {"plain": [], "listed": []}
        for i in range(args.warmup + args.runs):
            for name, key in zip(("plain", "listed"), keys, strict=True):
                body = brand_body(args.destinations, args.listed_share, args.list)  # fresh messageIds
                seconds, counts = await post(app, key, body)
                rate = args.destinations / seconds
                label = f"run {i - args.warmup + 1}" if i >= args.warmup else "warmup"
                print(f"{label} {name}: {seconds * 1000:.0f} ms = {rate:,.0f} destinations/s {counts}", flush=True)
                if i >= args.warmup:
                    rates[name].append(rate)
    finally:
        await gateway.stop()
    plain, listed = statistics.median(rates["plain"]), statistics.median(rates["listed"])
    print(
        f"{args.destinations:,} destinations, list of {args.list:,} ({args.listed_share:.0%} of them on it): "
        f"median {plain:,.0f}/s without a list, {listed:,.0f}/s with it; ratio {listed / plain:.2f}"
    )


async def wipe(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: a fresh SQLite file; a PostgreSQL database is wiped first")
    parser.add_argument("--destinations", type=int, default=100_000)
    parser.add_argument("--list", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--listed-share", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'opt-outs.db'}"
        if url.startswith("postgresql"):
            asyncio.run(wipe(url))
        upgrade(url)  # outside the event loop: Alembic runs its own
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
