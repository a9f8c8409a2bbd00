"""The engine's duties run independently: a slow or dead webhook receiver never holds up delivery, webhook posts
are bounded per endpoint and overall, and a duty that crashes is restarted.

These tests run the engine as the server does (each duty its own task) on a fake clock, against real HTTP
receivers on 127.0.0.1 that answer slowly or never. They check order, not time: a fresh message must be delivered
while the slow receiver is still holding its request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.engine.supervisor import Duty, supervise
from kakao_gateway.engine.webhooks import PushLimits

from .conftest import API_KEY
from .helpers import alim_body, register_basics, send
from .spec import assert_matches

WAIT_S = 10.0


@dataclass
class HttpReceiver:
    """A real HTTP server that holds every request `delay` seconds (forever with None) before answering 200."""

    delay: float | None
    started: int = 0
    completed: int = 0
    inflight: int = 0
    most_inflight: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    server: asyncio.Server | None = None
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                self.started += 1
                self.inflight += 1
                self.most_inflight = max(self.most_inflight, self.inflight)
                self.paths.append(head.split(b" ")[1].decode())
                try:
                    if self.delay is None:
                        await self.release.wait()
                    else:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self.release.wait(), self.delay)
                finally:
                    self.inflight -= 1
                self.results.extend(orjson.loads(body).get("results", []))
                self.completed += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def receivers() -> AsyncIterator[list[HttpReceiver]]:
    made: list[HttpReceiver] = []
    yield made
    for r in made:
        await r.stop()


async def receiver(receivers: list[HttpReceiver], delay: float | None) -> tuple[HttpReceiver, str]:
    r = HttpReceiver(delay)
    receivers.append(r)
    return r, await r.start()


@pytest.fixture
async def running(database_url: str) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    """A gateway whose engine runs in the background, as `serve` runs it, with real HTTP webhooks."""
    settings = Settings(database_url=database_url, api_key=API_KEY, engine=True)
    gateway = Gateway(settings, clock=ManualClock(1_795_924_800_000))
    await gateway.start()
    app = create_app(gateway)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {API_KEY}"},
    ) as client:
        try:
            yield gateway, client
        finally:
            await gateway.stop()


async def status_of(client: httpx.AsyncClient, message_id: str) -> str | None:
    response = await client.get("/kakao-alim/1/logs", params={"messageId": message_id})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    return results[0]["status"]["groupName"] if results else None


async def send_one(client: httpx.AsyncClient, to: str, hook: str | None = None) -> str:
    message = {"webhooks": {"delivery": {"url": hook}}} if hook else None
    answer = await send(client, alim_body(to, message=message))
    return str(answer["messages"][0]["messageId"])


async def delivered(client: httpx.AsyncClient, message_id: str) -> None:
    async def check() -> bool:
        return await status_of(client, message_id) == "DELIVERED"

    await until(check, f"{message_id} delivered")


async def test_a_slow_receiver_does_not_delay_delivery_of_other_messages(
    running: tuple[Gateway, httpx.AsyncClient], receivers: list[HttpReceiver]
) -> None:
    """One report is being pushed to a receiver that takes 30 s to answer: a message accepted meanwhile is
    delivered (and its report pushed elsewhere) while that push still waits."""
    _, client = running
    await register_basics(client)
    slow, slow_url = await receiver(receivers, 30)
    fast, fast_url = await receiver(receivers, 0)
    await send_one(client, "821000000001", f"{slow_url}/dlr")

    async def slow_push_started() -> bool:
        return slow.started == 1

    await until(slow_push_started, "the push to the slow receiver")

    fresh = await send_one(client, "821000000001", f"{fast_url}/dlr")
    await delivered(client, fresh)

    async def fresh_report_pushed() -> bool:
        return any(r["messageId"] == fresh for r in fast.results)

    await until(fresh_report_pushed, "the fresh message's report at the fast receiver")
    assert slow.completed == 0, "the slow receiver was still holding its request"
    assert_matches({"results": fast.results}, "/kakao-alim/1/reports", "get", 200)


async def test_dead_receivers_of_one_tenant_do_not_stall_other_pushes(
    running: tuple[Gateway, httpx.AsyncClient], receivers: list[HttpReceiver]
) -> None:
    """Twenty webhook URLs on one receiver that accepts the connection and never answers (it gets as many posts as
    one host may hold), and a port where nothing listens: fresh messages are still delivered, and reports to a
    healthy receiver still arrive."""
    _, client = running
    await register_basics(client)
    dead, dead_url = await receiver(receivers, None)
    fast, fast_url = await receiver(receivers, 0)
    for n in range(20):
        await send_one(client, "821000000001", f"{dead_url}/hook/{n}")
    await send_one(client, "821000000001", "http://127.0.0.1:9/closed")

    async def all_dead_pushes_hang() -> bool:
        return dead.started == PushLimits().per_endpoint

    await until(all_dead_pushes_hang, "the dead receiver's host holding all its slots")
    fresh = await send_one(client, "821000000001", f"{fast_url}/dlr")
    await delivered(client, fresh)

    async def fresh_report_pushed() -> bool:
        return any(r["messageId"] == fresh for r in fast.results)

    await until(fresh_report_pushed, "the fresh report at the healthy receiver")
    assert dead.completed == 0 and dead.started == PushLimits().per_endpoint


async def test_pushes_are_bounded_per_endpoint_and_overall(
    running: tuple[Gateway, httpx.AsyncClient], receivers: list[HttpReceiver]
) -> None:
    """One report per request, at most 2 posts at a time to one URL and 3 in all: two busy receivers never see more,
    and every report still arrives exactly once."""
    gateway, client = running
    gateway.engine.pusher.limits = PushLimits(per_endpoint=2, max_inflight=3, batch_size=1)
    await register_basics(client)
    first, first_url = await receiver(receivers, 0.2)
    second, second_url = await receiver(receivers, 0.2)
    ids = []
    for _ in range(6):
        ids.append(await send_one(client, "821000000001", f"{first_url}/a"))
        ids.append(await send_one(client, "821000000001", f"{second_url}/b"))

    async def all_pushed() -> bool:
        return first.completed + second.completed == 12

    await until(all_pushed, "12 pushes")
    assert first.most_inflight <= 2 and second.most_inflight <= 2
    assert first.most_inflight + second.most_inflight >= 3, "both endpoints were served side by side"
    assert sorted(r["messageId"] for r in first.results + second.results) == sorted(ids)


async def test_a_crashed_duty_is_logged_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    """A step that raises is retried after a pause; a duty task that dies anyway is started again."""
    calls = {"flaky": 0, "dying": 0}
    stop = asyncio.Event()

    async def flaky() -> int:
        calls["flaky"] += 1
        if calls["flaky"] <= 2:
            raise RuntimeError("boom")
        return 0

    async def dying() -> int:
        calls["dying"] += 1
        if calls["dying"] == 1:
            raise asyncio.CancelledError  # ends the task itself, not just the step
        return 0

    async def idle() -> float:
        return 0.01

    caplog.set_level(logging.ERROR)
    task = asyncio.create_task(supervise([Duty("flaky", flaky, idle), Duty("dying", dying, idle)], stop))

    async def both_recovered() -> bool:
        return calls["flaky"] >= 4 and calls["dying"] >= 3

    await until(both_recovered, "both duties running again")
    stop.set()
    await asyncio.wait_for(task, WAIT_S)
    messages = [r.getMessage() for r in caplog.records]
    assert any("engine duty flaky failed" in m for m in messages)
    assert any("engine duty dying stopped unexpectedly" in m for m in messages)
