"""Sangdam inbound forwarding throughput: sandbox users writing -> webhook received (issue 10 "Proof").

One gateway process on a fresh SQLite file, its engine running its duties as tasks (as `serve` does), the system
clock; the API is called in-process (ASGI, no sockets) and the inbound URL is an in-process receiver, so the
numbers are the gateway's own cost: the write path of a user message, the forwarding duty and the pusher.

  live     N messages written by U users (C concurrent writers) while the engine forwards: messages/s from the
           first write to the last result received. `--via api` writes through the HTTP API in-process (its
           ASGI client costs as much as the gateway), `--via service` calls the use case directly.
  backlog  N messages written with the engine stopped, then the engine started: forwarding alone, messages/s.

Usage: .venv/bin/python bench/sangdam_inbound.py [--messages N] [--users U] [--writers C] [--via api|service]
Prints one JSON line per mode.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import SystemClock
from kakao_gateway.config import Settings
from kakao_gateway.schemas.sangdam import UserWrites
from kakao_gateway.service.sangdam import sandbox as sangdam_sandbox
from kakao_gateway.store.migrate import upgrade

KEY = "bench-sangdam-0123456789abcdef0123456789"
SENDER = "BENCH-SENDER"


class Counter:
    def __init__(self) -> None:
        self.received = 0
        self.posts = 0
        self.done = asyncio.Event()
        self.target = 0

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = json.loads(await request.body())
            self.received += len(body["results"])
            self.posts += 1
            if self.received >= self.target:
                self.done.set()
            return Response(status_code=200)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])


async def _gateway(folder: Path, counter: Counter, engine: bool) -> tuple[Gateway, httpx.AsyncClient]:
    url = f"sqlite:///{folder / 'gateway.db'}"
    if not (folder / "gateway.db").exists():
        upgrade(url)
    settings = Settings(database_url=url, api_key=KEY, engine=engine)
    gw = Gateway(settings, clock=SystemClock(), webhook_transport=httpx.ASGITransport(app=counter.app()))
    await gw.start()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gw)),
        base_url="http://gateway.bench",
        headers={"Authorization": f"App {KEY}"},
        timeout=60,
    )
    return gw, client


async def _setup(client: httpx.AsyncClient) -> None:
    r = await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Bench"})
    r.raise_for_status()
    r = await client.put("/kakao/1/subscriptions", json={"SANGDAM": {"inboundUrl": "http://receiver.bench/in"}})
    r.raise_for_status()


VIA = "api"  # api: POST /sandbox/1/sangdam/messages in-process (ASGI); service: the use case called directly


async def _write_all(gw: Gateway, client: httpx.AsyncClient, messages: int, users: int, writers: int) -> None:
    async def writer(index: int) -> None:
        for i in range(index, messages, writers):
            body = {"userKey": f"user-{i % users}", "to": SENDER, "message": {"type": "TEXT", "text": f"msg {i}"}}
            if VIA == "service":
                await sangdam_sandbox.user_writes(gw.ctx, gw.default_account_id, UserWrites.model_validate(body))
                continue
            r = await client.post("/sandbox/1/sangdam/messages", json=body)
            if r.status_code != 200:
                raise RuntimeError(r.text)

    await asyncio.gather(*(writer(w) for w in range(writers)))


async def live(messages: int, users: int, writers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        counter = Counter()
        counter.target = messages
        gw, client = await _gateway(Path(tmp), counter, engine=True)
        try:
            await _setup(client)
            started = time.perf_counter()
            await _write_all(gw, client, messages, users, writers)
            written = time.perf_counter() - started
            await asyncio.wait_for(counter.done.wait(), 600)
            elapsed = time.perf_counter() - started
        finally:
            await client.aclose()
            await gw.stop()
    return {
        "mode": "live",
        "via": VIA,
        "messages": messages,
        "users": users,
        "writers": writers,
        "write_per_s": round(messages / written),
        "end_to_end_per_s": round(messages / elapsed),
        "seconds": round(elapsed, 2),
        "posts": counter.posts,
    }


async def backlog(messages: int, users: int, writers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        counter = Counter()
        counter.target = messages
        gw, client = await _gateway(Path(tmp), counter, engine=False)
        try:
            await _setup(client)
            await _write_all(gw, client, messages, users, writers)
        finally:
            await client.aclose()
            await gw.stop()
        gw, client = await _gateway(Path(tmp), counter, engine=True)
        try:
            started = time.perf_counter()
            await asyncio.wait_for(counter.done.wait(), 600)
            elapsed = time.perf_counter() - started
        finally:
            await client.aclose()
            await gw.stop()
    return {
        "mode": "backlog",
        "messages": messages,
        "users": users,
        "forward_per_s": round(messages / elapsed),
        "seconds": round(elapsed, 2),
        "posts": counter.posts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--mode", choices=("live", "backlog", "both"), default="both")
    parser.add_argument("--via", choices=("api", "service"), default="api")
    args = parser.parse_args()
    global VIA
    VIA = args.via
    modes = ("live", "backlog") if args.mode == "both" else (args.mode,)
    for mode in modes:
        run = live if mode == "live" else backlog
        print(json.dumps(asyncio.run(run(args.messages, args.users, args.writers))), flush=True)


if __name__ == "__main__":
    main()
