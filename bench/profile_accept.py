"""Profile the accept path in-process: the ASGI app called directly (no sockets, no uvicorn), engine off.

Builds the same gateway `serve --demo` builds, on a temporary SQLite file, then POSTs through the Starlette app
and prints, per batch of requests, the wall time and the time spent awaiting `db.read`/`db.write` (SQLite reader
pool / writer thread; for concurrent requests these waits overlap), then a cProfile of the event-loop thread
(the SQLite threads do not appear in it: their share is the db wait). Two shapes:

    python bench/profile_accept.py --destinations 10000 --runs 5                 # bulk: one request at a time
    python bench/profile_accept.py --destinations 1 --concurrency 64 --runs 5 --requests 5000   # single sends
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bulk_accept import build_body
from kakao_gateway.app import Gateway, create_app
from kakao_gateway.cli import DEMO_SENDER, DEMO_TEMPLATE
from kakao_gateway.config import Settings
from kakao_gateway.store.migrate import upgrade

KEY = "bench-0123456789abcdef0123456789abcdef"
Message = dict[str, Any]


class Timed:
    """Accumulates the wall time spent awaiting a coroutine function."""

    def __init__(self, fn: Callable[..., Awaitable[Any]]) -> None:
        self.fn = fn
        self.seconds = 0.0

    async def __call__(self, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.fn(*args)
        finally:
            self.seconds += time.perf_counter() - started


async def call(app: Any, body: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/kakao-alim/1/messages",
        "raw_path": b"/kakao-alim/1/messages",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"App {KEY}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8123),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def batch(app: Any, body: bytes, requests: int, concurrency: int) -> None:
    """`requests` POSTs of the same body, `concurrency` at a time."""
    remaining = requests

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, raw = await call(app, body)
            assert status == 200, raw[:300]

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'profile.db'}"
        upgrade(url)
        settings = Settings(
            database_url=url,
            api_key=KEY,
            demo=True,
            engine=args.engine,
            log_level="warning",
            senders=[{"sender": DEMO_SENDER, "name": "Demo channel"}],
            alim_templates=[DEMO_TEMPLATE],
        )
        gateway = Gateway(settings)
        app = create_app(gateway)
        await gateway.start()
        reads = Timed(gateway.db.read)
        writes = Timed(gateway.db.write)
        gateway.db.read = reads  # type: ignore[method-assign]
        gateway.db.write = writes  # type: ignore[method-assign]
        profiler = cProfile.Profile()
        walls: list[float] = []
        try:
            for i in range(args.warmup + args.runs):
                # Client messageIds only for one request per batch (repeating them would make duplicates).
                with_ids = not args.no_client_ids and args.requests == 1
                body, _ = build_body(args.destinations, uuid.uuid4().hex[:12], with_ids)
                reads.seconds = writes.seconds = 0.0
                measured = i >= args.warmup
                if measured and not args.no_profile:
                    profiler.enable()
                started = time.perf_counter()
                await batch(app, body, args.requests, args.concurrency)
                wall = time.perf_counter() - started
                if measured:
                    profiler.disable()
                    walls.append(wall)
                n = args.requests
                print(
                    f"{'run' if measured else 'warmup'}: {n} x {args.destinations} destinations at concurrency "
                    f"{args.concurrency} in {wall * 1000:.1f} ms = {n * args.destinations / wall:,.0f} destinations/s, "
                    f"{n / wall:,.0f} requests/s; per request: wall {wall / n * 1e6:.0f} us of loop time, awaiting "
                    f"db.read {reads.seconds / n * 1e6:.0f} us, db.write {writes.seconds / n * 1e6:.0f} us"
                )
        finally:
            await gateway.stop()
        median = statistics.median(walls)
        print(
            f"median {args.requests * args.destinations / median:,.0f} destinations/s, "
            f"{args.requests / median:,.0f} requests/s in-process"
        )
        if not args.no_profile:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--destinations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="measured batches")
    parser.add_argument("--requests", type=int, default=1, help="requests per batch")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--switch-interval", type=float, help="sys.setswitchinterval (GIL hand-off), seconds")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--no-profile", action="store_true", help="time only, without cProfile's overhead")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--engine", action="store_true", help="run the delivery engine too (off by default)")
    parser.add_argument("--no-client-ids", action="store_true")
    args = parser.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
