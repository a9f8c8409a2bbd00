"""The sandbox's virtual clock through its API: `GET /sandbox/1/clock` and `POST /sandbox/1/clock/advance`.

A gateway built like `serve --virtual-clock` (its own ManualClock, the background engine running): advancing the
clock plays out every scheduled send, retry, expiry and webhook retry that falls due on the way before the call
answers, each at its exact instant.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import SystemClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.times import format_ms, parse_instant

from .conftest import ADMIN_KEY, API_KEY
from .helpers import register_basics
from .spec import assert_api_error
from .test_scheduling import (
    DAY,
    DELIVERED,
    HOOK_URL,
    HOUR,
    LAPSED,
    MINUTE,
    SECOND,
    Ledger,
    accept,
    assert_outcome,
    assert_paced,
    bulk_body,
    iso,
    logs,
    numbers,
    outcome,
)


@dataclass
class TimedReceiver:
    """A webhook endpoint that notes the gateway's (virtual) time of each push and fails while `failing(now)`."""

    now: Callable[[], int] = lambda: 0
    failing: Callable[[int], bool] = lambda now: False
    pushes: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            now = self.now()
            self.pushes.append((now, json.loads(await request.body())["results"]))
            return Response(status_code=503 if self.failing(now) else 200)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])


@dataclass
class Virtual:
    gateway: Gateway
    client: httpx.AsyncClient
    receiver: TimedReceiver
    t0: int  # the virtual clock when the test began

    async def clock(self) -> dict[str, Any]:
        response = await self.client.get("/sandbox/1/clock")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert set(body) == {"now", "virtual"}
        return body

    async def advance(self, **body: Any) -> dict[str, Any]:
        response = await self.client.post("/sandbox/1/clock/advance", json=body)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        assert answer == {"now": format_ms(self.gateway.clock.now_ms()), "virtual": True}
        return answer

    def since_t0(self, instant: str) -> int:
        return parse_instant(instant) - self.t0


@pytest.fixture
async def virtual(database_url: str) -> AsyncIterator[Virtual]:
    settings = Settings(database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, virtual_clock=True)
    receiver = TimedReceiver()
    gateway = Gateway(settings, webhook_transport=httpx.ASGITransport(app=receiver.app()))
    receiver.now = gateway.clock.now_ms
    await gateway.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gateway)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {API_KEY}"},
        ) as client:
            await register_basics(client)
            yield Virtual(gateway, client, receiver, gateway.clock.now_ms())
    finally:
        await gateway.stop()


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


# --- reading and moving the clock ------------------------------------------------------------------------------------


async def test_virtual_clock_starts_at_the_real_time_and_only_moves_when_told(virtual: Virtual) -> None:
    real = SystemClock().now_ms()
    body = await virtual.clock()
    assert body["virtual"] is True
    assert abs(parse_instant(body["now"]) - real) < 60 * SECOND
    assert (await virtual.clock())["now"] == body["now"]  # no real time passes on it

    moved = await virtual.advance(seconds=90)
    assert virtual.since_t0(moved["now"]) == 90 * SECOND
    fractional = await virtual.advance(seconds=0.25)
    assert virtual.since_t0(fractional["now"]) == 90 * SECOND + 250
    target = virtual.t0 + 3 * DAY
    moved = await virtual.advance(to=iso(target, "+09:00"))
    assert parse_instant(moved["now"]) == target
    assert await virtual.clock() == moved
    assert (await virtual.advance(seconds=0))["now"] == moved["now"]
    assert (await virtual.advance(to=iso(target, "+0900")))["now"] == moved["now"]


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": -5},
        {"to": "PAST"},
        {},
        {"seconds": 5, "to": "FUTURE"},
        {"to": "yesterday"},
        {"to": "2030-01-01T00:00:00"},
        {"seconds": 401 * 24 * 3600},
        {"to": "FAR"},
    ],
    ids=["negative", "backwards", "empty", "both", "garbage", "no-offset", "too-far-s", "too-far-to"],
)
async def test_advance_refuses_what_it_cannot_do(virtual: Virtual, body: dict[str, Any]) -> None:
    now = virtual.gateway.clock.now_ms()
    instants = {"PAST": iso(now - SECOND), "FUTURE": iso(now + HOUR), "FAR": iso(now + 401 * DAY, "+09:00")}
    body = {k: instants.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    assert_error(await virtual.client.post("/sandbox/1/clock/advance", json=body), 400)
    assert virtual.gateway.clock.now_ms() == now


async def test_advance_needs_credentials(virtual: Virtual) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(virtual.gateway)), base_url="http://gateway.test"
    ) as anonymous:
        assert_error(await anonymous.get("/sandbox/1/clock"), 401)
        assert_error(await anonymous.post("/sandbox/1/clock/advance", json={"seconds": 5}), 401)
    assert virtual.gateway.clock.now_ms() == virtual.t0


async def test_a_real_clock_cannot_be_advanced(database_url: str) -> None:
    settings = Settings(database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, engine=False)
    gateway = Gateway(settings)
    assert isinstance(gateway.clock, SystemClock)
    await gateway.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gateway)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {API_KEY}"},
        ) as client:
            response = await client.get("/sandbox/1/clock")
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["virtual"] is False
            assert abs(parse_instant(body["now"]) - SystemClock().now_ms()) < 60 * SECOND
            before = SystemClock().now_ms()
            error = assert_error(await client.post("/sandbox/1/clock/advance", json={"seconds": 3600}), 409)
            assert error["violations"]
            assert_error(await client.post("/sandbox/1/clock/advance", json={"to": iso(before + DAY)}), 409)
            assert gateway.clock.now_ms() - before < 60 * SECOND
    finally:
        await gateway.stop()


# --- everything due on the way happens before the call answers --------------------------------------------------------


async def test_scheduled_sends_leave_during_the_advance(virtual: Virtual) -> None:
    send_at = virtual.t0 + 2 * HOUR
    bulk_id, ids = await accept(virtual.client, bulk_body(numbers(3), send_at=iso(send_at, "+09:00")))
    ledger = Ledger()
    await virtual.advance(seconds=2 * 3600 - 1)
    await ledger.pull(virtual.client)
    assert ledger.reports == {}
    await virtual.advance(seconds=1)
    await ledger.pull(virtual.client)  # no engine run in between: the advance did it all
    assert sorted(ledger.reports) == sorted(ids)
    assert ledger.sent_at(ids) == [send_at] * 3
    status = (await virtual.client.get("/kakao/1/bulks/status", params={"bulkId": bulk_id})).json()
    assert status["status"] == "FINISHED"


async def test_a_day_of_paced_sending_in_one_call(virtual: Virtual) -> None:
    """24/DAY over 20 messages under a window open 00:00-12:00 UTC: one an hour of open time, so 12 a day; three
    days in three calls (pulled reports reach back 48 h)."""
    window = {"days": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]}
    window |= {"from": {"hour": 0, "minute": 0}, "to": {"hour": 12, "minute": 0}}
    _, ids = await accept(virtual.client, bulk_body(numbers(20), speed=(24, "DAY"), window=window))
    ledger = Ledger()
    for _ in range(3):
        await virtual.advance(seconds=24 * 3600)
        await ledger.pull(virtual.client)
    assert sorted(ledger.reports) == sorted(ids)
    times = ledger.sent_at(ids)
    assert times == sorted(times)
    assert all(t % DAY < 12 * HOUR for t in times)
    assert_paced(times, 24, "DAY")
    gaps = Counter(b - a for a, b in pairwise(times))
    assert set(gaps) <= {HOUR, 13 * HOUR}  # an hour apart, or an hour of open time across the closed night
    assert gaps[HOUR] >= 17


async def test_retries_play_out_during_the_advance(virtual: Virtual) -> None:
    """Unreachable for 10 minutes: tried at 0, 30, 90, 210 and 450 s (failing), then at 930 s (delivered)."""
    _, (message_id,) = await accept(virtual.client, bulk_body(["821000000004"]))
    ledger = Ledger()
    await virtual.advance(seconds=929)
    await ledger.pull(virtual.client)
    assert ledger.reports == {}
    (entry,) = await logs(virtual.client)
    assert entry["status"]["groupName"] == "PENDING"
    await virtual.advance(seconds=3600)
    await ledger.pull(virtual.client)
    report = ledger.reports[message_id]
    assert_outcome(report, DELIVERED)
    assert virtual.since_t0(report["sentAt"]) == 0
    assert virtual.since_t0(report["doneAt"]) == 930 * SECOND


async def test_expiry_happens_at_its_instant_during_the_advance(virtual: Virtual) -> None:
    _, (message_id,) = await accept(virtual.client, bulk_body(["821000000005"], validity=(5, "MINUTES")))
    ledger = Ledger()
    await virtual.advance(seconds=24 * 3600)
    await ledger.pull(virtual.client)
    report = ledger.reports[message_id]
    assert_outcome(report, LAPSED)
    assert report["error"]["id"] == 4101
    assert virtual.since_t0(report["doneAt"]) == 5 * MINUTE


async def test_webhook_retry_ladder_plays_out_during_the_advance(virtual: Virtual) -> None:
    """The receiver fails for its first 10 minutes: pushes at 0, 2, 7 min fail (retry n after 1 + n² min), the one
    at 17 min succeeds; nothing is left to pull."""
    virtual.receiver.failing = lambda now: now < virtual.t0 + 10 * MINUTE
    _, (message_id,) = await accept(virtual.client, bulk_body(numbers(1), hook=HOOK_URL))
    await virtual.advance(seconds=3600)
    times = [now - virtual.t0 for now, _ in virtual.receiver.pushes]
    assert times == [0, 2 * MINUTE, 7 * MINUTE, 17 * MINUTE]
    for _, results in virtual.receiver.pushes:
        (report,) = results
        assert report["messageId"] == message_id
        assert_outcome(report, DELIVERED)
    ledger = Ledger()
    await ledger.pull(virtual.client)
    assert ledger.reports == {}


async def test_a_report_never_accepted_by_its_webhook_becomes_pullable(virtual: Virtual) -> None:
    """Retries 1..19 at 1 + n² minutes apart fit in 48 h (the 20th would not): 20 pushes, then the report is pulled."""
    virtual.receiver.failing = lambda now: True
    _, (message_id,) = await accept(virtual.client, bulk_body(numbers(1), hook=HOOK_URL))
    await virtual.advance(seconds=42 * 3600)
    times = [now - virtual.t0 for now, _ in virtual.receiver.pushes]
    expected, at = [0], 0
    for n in range(1, 20):
        at += (1 + n * n) * MINUTE
        expected.append(at)
    assert times == expected
    ledger = Ledger()
    await ledger.pull(virtual.client)
    assert_outcome(ledger.reports[message_id], DELIVERED)
    await virtual.advance(seconds=6 * 3600)
    assert len(virtual.receiver.pushes) == 20


async def test_latency_results_arrive_during_the_advance(database_url: str) -> None:
    """With upstream latency the outcome arrives later: the advance stops there too."""
    settings = Settings(
        database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, virtual_clock=True, sandbox_latency_ms=7000
    )
    gateway = Gateway(settings)
    await gateway.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gateway)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {API_KEY}"},
        ) as client:
            await register_basics(client)
            t0 = gateway.clock.now_ms()
            _, ids = await accept(client, bulk_body([*numbers(1), "821000000002"]))
            response = await client.post("/sandbox/1/clock/advance", json={"seconds": 60})
            assert response.status_code == 200, response.text
            ledger = Ledger()
            await ledger.pull(client)
            assert [outcome(ledger.reports[i]) for i in ids] == [
                DELIVERED,
                ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER"),
            ]
            assert [parse_instant(ledger.reports[i]["doneAt"]) - t0 for i in ids] == [7 * SECOND] * 2
    finally:
        await gateway.stop()
