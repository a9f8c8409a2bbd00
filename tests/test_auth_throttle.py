"""Throttled sign-ins (issue 16: 318 wrong console keys a second, then the right one worked). After LIMIT failures
within a minute from one client address, or with one key prefix, every attempt is refused with 429 and Retry-After,
the right key too, until the window passes; each decision is logged once, without the key. Time is the
Authenticator's injected monotonic clock: no sleeps."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.domain.throttle import FailureCounter
from kakao_gateway.service.auth import Authenticator
from kakao_gateway.service.throttle import LIMIT, WINDOW_MS, key_prefix

from .conftest import ADMIN_KEY, API_KEY
from .console_helpers import csrf_of
from .spec import assert_api_error

LOGS = "/kakao-alim/1/logs"
ADMIN = "/admin/1/accounts"


class Monotonic:
    def __init__(self) -> None:
        self.ms = 5_000_000

    def __call__(self) -> int:
        return self.ms


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def app(gateway: Gateway, monotonic: Monotonic) -> Starlette:
    gateway.auth = Authenticator(gateway.ctx, monotonic_ms=monotonic)
    return create_app(gateway)


@asynccontextmanager
async def from_address(app: Starlette, address: str, key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    headers = {"Authorization": f"App {key}"} if key else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers) as c:
        yield c


def wrong_key(i: int, prefix: str = "") -> str:
    return f"{prefix}{i:08x}" + "0" * 24 + "-00000000-0000-4000-8000-000000000000"


def throttled(response: httpx.Response) -> int:
    """The Retry-After of a 429 ApiError answer."""
    assert response.status_code == 429, response.text
    assert_api_error(response.json())
    assert response.json()["errorCode"] == "E429"
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= WINDOW_MS // 1000
    return retry_after


async def fail_times(c: httpx.AsyncClient, n: int, path: str = LOGS, prefix: str = "", start: int = 0) -> None:
    for i in range(start, start + n):
        r = await c.get(path, headers={"Authorization": f"App {wrong_key(i, prefix)}"})
        assert r.status_code == 401, (i, r.text)


async def test_wrong_api_keys_from_one_address_are_throttled_then_let_through(
    app: Starlette, monotonic: Monotonic
) -> None:
    async with from_address(app, "203.0.113.7") as c, from_address(app, "203.0.113.8") as neighbour:
        await fail_times(c, LIMIT)
        right = {"Authorization": f"App {API_KEY}"}
        assert throttled(await c.get(LOGS, headers=right)) == WINDOW_MS // 1000, "even the right key"
        assert throttled(await c.get(LOGS, headers={"Authorization": f"App {wrong_key(99)}"}))
        assert (await neighbour.get(LOGS, headers=right)).status_code == 200, "another address is not throttled"
        monotonic.ms += WINDOW_MS - 1000
        assert throttled(await c.get(LOGS, headers=right)) == 1
        monotonic.ms += 1000
        assert (await c.get(LOGS, headers=right)).status_code == 200


async def test_the_count_slides_with_the_window(app: Starlette, monotonic: Monotonic) -> None:
    async with from_address(app, "203.0.113.9") as c:
        await fail_times(c, LIMIT - 1)
        monotonic.ms += WINDOW_MS  # those failures leave the window
        await fail_times(c, LIMIT - 1, start=100)
        assert (await c.get(LOGS, headers={"Authorization": f"App {API_KEY}"})).status_code == 200


async def test_wrong_keys_with_one_prefix_from_many_addresses_are_throttled(app: Starlette) -> None:
    prefix = key_prefix(API_KEY)
    for i in range(LIMIT):
        async with from_address(app, f"198.51.100.{i}") as c:
            r = await c.get(LOGS, headers={"Authorization": f"App {prefix}{wrong_key(i)[len(prefix) :]}"})
            assert r.status_code == 401
    async with from_address(app, "198.51.100.200", API_KEY) as c:
        throttled(await c.get(LOGS))
    async with from_address(app, "198.51.100.200", ADMIN_KEY) as c:
        assert (await c.get(ADMIN)).status_code == 200, "another prefix from that address is let through"


async def test_basic_authentication_is_throttled_too(app: Starlette) -> None:
    async with from_address(app, "203.0.113.20") as c:
        for i in range(LIMIT):
            assert (await c.get(LOGS, auth=("default", wrong_key(i)))).status_code == 401
        throttled(await c.get(LOGS, auth=("default", API_KEY)))


async def test_wrong_operator_keys_are_throttled(app: Starlette, monotonic: Monotonic) -> None:
    async with from_address(app, "203.0.113.30") as c:
        await fail_times(c, LIMIT, ADMIN)
        throttled(await c.get(ADMIN, headers={"Authorization": f"App {ADMIN_KEY}"}))
        monotonic.ms += WINDOW_MS
        assert (await c.get(ADMIN, headers={"Authorization": f"App {ADMIN_KEY}"})).status_code == 200


async def test_a_live_key_without_the_right_is_no_guess(app: Starlette) -> None:
    """An API key on /admin, the operator key on the API, a key without the scope: refused, never throttled."""
    async with from_address(app, "203.0.113.40") as c:
        for _ in range(LIMIT + 5):
            assert (await c.get(ADMIN, headers={"Authorization": f"App {API_KEY}"})).status_code == 401
            assert (await c.get(LOGS, headers={"Authorization": f"App {ADMIN_KEY}"})).status_code == 401
            assert (await c.get(LOGS, auth=("someone-else", API_KEY))).status_code == 401
        assert (await c.get(LOGS, headers={"Authorization": f"App {API_KEY}"})).status_code == 200
        assert (await c.get(ADMIN, headers={"Authorization": f"App {ADMIN_KEY}"})).status_code == 200


async def test_the_sandbox_clock_guard_is_throttled(app: Starlette) -> None:
    async with from_address(app, "203.0.113.50") as c:
        await fail_times(c, LIMIT)
        r = await c.post("/sandbox/1/clock/advance", json={"seconds": 1}, headers={"Authorization": f"App {ADMIN_KEY}"})
        throttled(r)


async def test_each_throttling_is_logged_once_without_the_key(app: Starlette, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kakao_gateway")
    prefix = "ab12cd34"
    async with from_address(app, "203.0.113.60") as c:
        await fail_times(c, LIMIT, prefix=prefix)
        for _ in range(5):
            throttled(await c.get(LOGS, headers={"Authorization": f"App {API_KEY}"}))
    lines = [r for r in caplog.records if "throttled" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    [line] = lines
    text = line.getMessage()
    assert line.levelno == logging.WARNING and "203.0.113.60" in text and prefix in text
    assert all(wrong_key(i, prefix) not in text for i in range(LIMIT)) and API_KEY not in text


async def test_console_sign_in_is_throttled(app: Starlette, monotonic: Monotonic) -> None:
    async with from_address(app, "203.0.113.70") as c:
        token = csrf_of((await c.get("/console/sign-in")).text)
        for i in range(LIMIT):
            r = await c.post("/console/sign-in", data={"key": wrong_key(i), "csrf": token})
            assert r.status_code == 401
        r = await c.post("/console/sign-in", data={"key": API_KEY, "csrf": token})
        assert r.status_code == 429 and "Too many failed sign-ins" in r.text
        assert int(r.headers["retry-after"]) == WINDOW_MS // 1000
        assert csrf_of(r.text) == token, "the sign-in form is shown again"
        monotonic.ms += WINDOW_MS
        r = await c.post("/console/sign-in", data={"key": API_KEY, "csrf": token})
        assert r.status_code == 303


async def test_failures_elsewhere_do_not_refuse_a_key(gateway: Gateway) -> None:
    """Other addresses and prefixes counted (even many) leave a key from another address alone."""
    auth = Authenticator(gateway.ctx)
    for i in range(1000):
        auth.throttle.failed(f"192.0.2.{i % 250}", wrong_key(i), 0)
    assert await auth.principal(f"App {API_KEY}", "192.0.2.251") is not None


def test_the_failure_counter_forgets_old_names_when_full() -> None:
    counter = FailureCounter(limit=2, window_ms=1000, max_names=3)
    for name in ("a", "b", "c"):
        counter.fail(name, 0)
    assert counter.fail("a", 10) is True and counter.wait_ms("a", 10) == 990
    counter.fail("d", 2000)  # full: a, b and c left the window and are forgotten
    assert counter.wait_ms("a", 2000) == 0
    assert counter.fail("d", 2001) is True
