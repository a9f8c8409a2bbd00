"""One tenant's dead webhook receivers cannot starve another tenant's pushes (issue 16): pushes are limited per
destination host and per account, free slots go round the accounts, and a host that keeps failing is backed off
(its pushes rescheduled, never lost) until it answers again.

Real sockets on 127.0.0.1: "dead" receivers accept the connection and never answer; the engine runs as the server
runs it (each duty its own task) on a fake clock, which only the back-off and the retry ladder read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import orjson
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.engine.push_hosts import BackoffPolicy, HostBackoff, host_of
from kakao_gateway.engine.transport import GuardedTransport
from kakao_gateway.engine.webhooks import PushLimits
from kakao_gateway.store.sql import Fetch, Op

from .conftest import ADMIN_KEY, API_KEY, START_MS
from .helpers import alim_body, register_basics, send
from .test_auth import create_account, create_key
from .test_engine_isolation import until

DEAD_HOSTS = 8  # more than one account's slots can hold at 4 per host
A_PUSHES = 300
POST_TIMEOUT_S = 2.0  # how long a post to a dead receiver holds its slot here (10 s in the server)
# Tenant B's report must arrive well within one dead post's timeout: it must never wait for one of tenant A's posts
# to give up. Its path is a local dispatch and one local POST (milliseconds); the rest is slack for a loaded machine.
PROMPT_S = 1.0


@dataclass
class Shared:
    inflight: int = 0
    most_inflight: int = 0


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1: while `alive` is unset it reads each request and never answers; once set, it
    answers 200 and keeps the reports' message ids."""

    shared: Shared
    alive: asyncio.Event = field(default_factory=asyncio.Event)
    started: int = 0
    inflight: int = 0
    most_inflight: int = 0
    received: list[str] = field(default_factory=list)
    server: asyncio.Server | None = None
    url: str = ""

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-l"))
                body = await reader.readexactly(length)
                if not self.alive.is_set():
                    await self._hang(reader)
                    return
                self.received.extend(r["messageId"] for r in orjson.loads(body)["results"])
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _hang(self, reader: asyncio.StreamReader) -> None:
        """Hold the request unanswered until the client gives up (closes the connection)."""
        self.started += 1
        self.inflight += 1
        self.shared.inflight += 1
        self.most_inflight = max(self.most_inflight, self.inflight)
        self.shared.most_inflight = max(self.shared.most_inflight, self.shared.inflight)
        try:
            await reader.read()  # b"" when the client closes
        finally:
            self.inflight -= 1
            self.shared.inflight -= 1


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    shared = Shared()
    made = [Receiver(shared) for _ in range(DEAD_HOSTS + 1)]
    for r in made:
        await r.start()
    yield made
    for r in made:
        await r.stop()


@contextlib.asynccontextmanager
async def client_of(gateway: Gateway, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {key}"},
    ) as c:
        yield c


@pytest.fixture
async def running(database_url: str, clock: ManualClock) -> AsyncIterator[Gateway]:
    """A gateway whose engine runs in the background, pushing over real sockets with a short post timeout."""
    settings = Settings(database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, engine=True)
    gateway = Gateway(settings, clock=clock)
    await gateway.http.aclose()
    gateway.http = gateway.engine.pusher.http = httpx.AsyncClient(
        transport=GuardedTransport(True), timeout=POST_TIMEOUT_S, trust_env=False
    )
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


def one_per_url(urls: list[str]) -> dict[str, object]:
    message = alim_body("821000000001")["messages"][0]
    return {"messages": [{**message, "webhooks": {"delivery": {"url": url}}} for url in urls]}


def pending_pushes() -> Op[list[tuple[int, str | None]]]:
    """(attempts, last error) of every push not done yet."""
    rows = yield Fetch("SELECT push_attempts, push_error FROM reports WHERE push_state = 'pending'", ())
    return [(r["push_attempts"], r["push_error"]) for r in rows]


async def test_dead_receivers_of_one_tenant_do_not_starve_another(
    running: Gateway, receivers: list[Receiver], clock: ManualClock
) -> None:
    gateway = running
    *dead, healthy = receivers
    healthy.alive.set()
    limits = PushLimits()
    async with (
        client_of(gateway, API_KEY) as tenant_a,
        client_of(gateway, ADMIN_KEY) as admin,
    ):
        account_b = await create_account(admin, "tenant-b")
        key_b = (await create_key(admin, account_b))["key"]
        async with client_of(gateway, key_b) as tenant_b:
            await register_basics(tenant_a)
            await register_basics(tenant_b)
            # tenant A: 300 reports, each to its own URL, on 8 receivers that never answer
            urls = [f"{dead[i % DEAD_HOSTS].url}/hook/{i}" for i in range(A_PUSHES)]
            answer = await send(tenant_a, one_per_url(urls))
            a_ids = {m["messageId"] for m in answer["messages"]}

            async def a_holds_its_slots() -> bool:
                return sum(r.started for r in dead) >= limits.per_account

            await until(a_holds_its_slots, "tenant A's posts hanging")
            # tenant B: one report to a healthy receiver
            loop = asyncio.get_running_loop()
            sent_at = loop.time()
            b_answer = await send(
                tenant_b, alim_body("821000000001", message={"webhooks": {"delivery": {"url": f"{healthy.url}/b"}}})
            )
            b_id = b_answer["messages"][0]["messageId"]

            async def b_arrived() -> bool:
                return b_id in healthy.received

            await until(b_arrived, "tenant B's report", timeout=10 * POST_TIMEOUT_S)
            took = loop.time() - sent_at
            assert took < PROMPT_S, f"tenant B's report took {took:.2f} s"

            # each of A's reports is tried once or, its host backed off, rescheduled without a post
            async def a_settled() -> bool:
                pending = await gateway.db.read(pending_pushes())
                return len(pending) == A_PUSHES and all(attempts == 1 for attempts, _ in pending)

            await until(a_settled, "tenant A's pushes rescheduled", timeout=20 * POST_TIMEOUT_S)
            assert max(r.most_inflight for r in dead) <= limits.per_endpoint  # per host, not per URL
            assert dead[0].shared.most_inflight <= limits.per_account
            # then backed off: a slot freed by each of the first failures may take one more post before the
            # threshold is reached (failures arrive one by one), none after it
            most_posts = limits.per_endpoint + BackoffPolicy().threshold - 1
            assert all(r.started <= most_posts for r in dead), [r.started for r in dead]
            errors = [e for _, e in await gateway.db.read(pending_pushes())]
            assert any(e and "backed off" in e for e in errors)

            # the receivers come back: after the back-off and the retry ladder, every report arrives
            for r in dead:
                r.alive.set()
            await gateway.advance_clock(clock.now_ms() + 10 * 60_000)

            async def all_pushed() -> bool:
                return await gateway.db.read(pending_pushes()) == []

            await until(all_pushed, "tenant A's pushes after recovery", timeout=10 * POST_TIMEOUT_S)
            assert {i for r in dead for i in r.received} == a_ids  # nothing lost


# --- the back-off itself, on the fake clock ----------------------------------------------------------------------


def test_a_host_backs_off_after_failures_in_a_row_and_longer_each_time() -> None:
    hosts = HostBackoff(BackoffPolicy(threshold=3, first_ms=30_000, max_ms=100_000))
    host = host_of("http://Hooks.Example/a/b?c")
    assert host == "hooks.example:80" == host_of("http://hooks.example:80/other")
    assert host_of("https://hooks.example/") == "hooks.example:443"
    now = START_MS
    for _ in range(2):
        hosts.failed(host, now)
    assert hosts.backed_off_until(host, now) is None
    hosts.failed(host, now)
    assert hosts.backed_off_until(host, now) == now + 30_000
    assert hosts.backed_off_until(host, now + 30_000) is None  # tried again when it ends
    for _ in range(3):
        hosts.failed(host, now + 30_000)
    assert hosts.backed_off_until(host, now + 30_000) == now + 90_000  # doubled
    for step in (2, 3):
        at = now + step * 100_000
        for _ in range(3):
            hosts.failed(host, at)
        assert hosts.backed_off_until(host, at) == at + 100_000  # at most max_ms
    hosts.succeeded(host)  # an answer resets it
    assert hosts.backed_off_until(host, now + 300_000) is None
    hosts.failed(host, now + 300_000)
    assert hosts.backed_off_until(host, now + 300_000) is None
