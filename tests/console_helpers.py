"""Building blocks for console tests: a cookie-holding client of the console, signing in, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from kakao_gateway.app import Gateway, create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@asynccontextmanager
async def browser_client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no Authorization header: what a browser sends (cookies only)."""
    app = create_app(gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        yield c


async def sign_in(c: httpx.AsyncClient, key: str) -> str:
    """Sign in with `key`; returns the session's CSRF token."""
    token = csrf_of((await c.get("/console/sign-in")).text)
    r = await c.post("/console/sign-in", data={"key": key, "csrf": token})
    assert r.status_code == 303, r.text
    page = await c.get(r.headers["location"])
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
