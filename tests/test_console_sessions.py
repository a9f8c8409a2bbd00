"""Console sessions the server keeps (issue 16): a cookie captured before sign-out does not work after it, sessions
end after IDLE_MS unused or LIFETIME_MS in all (on the wall clock, not the sandbox's), and a session is the same on
every process of the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.console.sessions import COOKIE
from kakao_gateway.service.console.sessions import IDLE_MS, LIFETIME_MS

from .conftest import ADMIN_KEY, API_KEY
from .console_helpers import csrf_of, sign_in

WALL_START = 1_900_000_000_000


class WallClock:
    def __init__(self) -> None:
        self.ms = WALL_START

    def __call__(self) -> int:
        return self.ms


def console_of(app: Starlette) -> Starlette:
    pages = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/console")
    assert isinstance(pages, Starlette)
    return pages


@asynccontextmanager
async def browser_on(app: Starlette, cookie: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        if cookie is not None:
            c.cookies.set(COOKIE, cookie, domain="gateway.test", path="/console")
        yield c


def app_with(gateway: Gateway, wall: WallClock | None = None) -> Starlette:
    app = create_app(gateway)
    if wall is not None:
        console_of(app).state.wall_ms = wall
    return app


async def signed_in(c: httpx.AsyncClient) -> bool:
    r = await c.get("/console/inbox")
    assert r.status_code in (200, 303), r.text
    return r.status_code == 200


async def test_a_cookie_captured_before_sign_out_does_not_work_after_it(gateway: Gateway) -> None:
    app = app_with(gateway)
    async with browser_on(app) as c:
        token = await sign_in(c, API_KEY)
        captured = c.cookies[COOKIE]
        assert (await c.post("/console/sign-out", data={"csrf": token})).status_code == 303
    async with browser_on(app, captured) as thief:
        r = await thief.get("/console/inbox")
        assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"
        # a form posted with the old cookie and its CSRF token is not taken either
        r = await thief.post("/console/keys", data={"name": "stolen", "csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"
        r = await thief.get("/console/inbox/list", headers={"HX-Request": "true"})
        assert r.status_code == 401 and r.headers["hx-redirect"] == "/console/sign-in"


async def test_signing_out_ends_that_session_only(gateway: Gateway) -> None:
    app = app_with(gateway)
    async with browser_on(app) as first, browser_on(app) as second:
        token = await sign_in(first, ADMIN_KEY)
        await sign_in(second, ADMIN_KEY)
        assert (await first.post("/console/sign-out", data={"csrf": token})).status_code == 303
        assert (await first.get("/console/accounts")).status_code == 303
        assert (await second.get("/console/accounts")).status_code == 200


async def test_a_session_holds_on_every_process_and_ends_on_all(gateway: Gateway) -> None:
    one, other = app_with(gateway), app_with(gateway)  # two API processes: each its own console app
    async with browser_on(one) as c:
        token = await sign_in(c, API_KEY)
        cookie = c.cookies[COOKIE]
        async with browser_on(other, cookie) as elsewhere:
            assert await signed_in(elsewhere)
            assert (await c.post("/console/sign-out", data={"csrf": token})).status_code == 303
            assert not await signed_in(elsewhere)


async def test_a_session_unused_for_the_idle_time_is_over(gateway: Gateway) -> None:
    wall = WallClock()
    async with browser_on(app_with(gateway, wall)) as c:
        await sign_in(c, API_KEY)
        wall.ms += IDLE_MS - 1000
        assert await signed_in(c), "used in time: still signed in"
        wall.ms += IDLE_MS - 1000
        assert await signed_in(c), "each use counts from then on"
        wall.ms += IDLE_MS
        assert not await signed_in(c)
        wall.ms += 1000
        assert not await signed_in(c), "and stays over"


async def test_a_session_ends_at_its_lifetime_however_busy(gateway: Gateway) -> None:
    wall = WallClock()
    async with browser_on(app_with(gateway, wall)) as c:
        await sign_in(c, API_KEY)
        while wall.ms + IDLE_MS // 2 < WALL_START + LIFETIME_MS:
            wall.ms += IDLE_MS // 2
            assert await signed_in(c)
        wall.ms = WALL_START + LIFETIME_MS
        assert not await signed_in(c)
        await sign_in(c, API_KEY)  # signing in again gives a new session
        assert await signed_in(c)


async def test_the_gateway_clock_does_not_end_console_sessions(gateway: Gateway, clock: ManualClock) -> None:
    async with browser_on(app_with(gateway)) as c:
        await sign_in(c, API_KEY)
        clock.advance(30 * 24 * 3600)  # a sandbox's virtual clock moved a month ahead
        assert await signed_in(c)


async def test_a_forged_session_id_is_not_signed_in(gateway: Gateway) -> None:
    app = app_with(gateway)
    async with browser_on(app) as c:
        page = await c.get("/console/sign-in")
        assert page.status_code == 200 and csrf_of(page.text)
        # a cookie that is not signed by the gateway is ignored whole
        c.cookies.set(COOKIE, "eyJzaWQiOiAieCJ9.forged.sig", domain="gateway.test", path="/console")
        assert not await signed_in(c)
