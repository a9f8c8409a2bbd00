"""The console's cookie sessions: Starlette's SessionMiddleware (signed with itsdangerous, HttpOnly, SameSite=Strict,
expiring), built at the first request with the signing key the database keeps for every process. The cookie holds
the id of a session the server keeps (service/console/sessions.py), so that signing out ends it for good."""

from __future__ import annotations

import asyncio
import time

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from ..service.console import actions as console
from ..service.context import Context

COOKIE = "kakao_console"
IDLE_S = 8 * 3600  # a session unused this long is over; each answer re-signs the cookie


def wall_ms() -> int:
    """The time console sessions are counted in: the wall clock, shared by processes, never the sandbox's clock."""
    return time.time_ns() // 1_000_000


class ConsoleSessions:
    def __init__(self, app: ASGIApp, ctx: Context, path: str) -> None:
        self.app = app
        self.ctx = ctx
        self.path = path
        self._inner: SessionMiddleware | None = None
        self._lock = asyncio.Lock()

    async def _middleware(self) -> SessionMiddleware:
        async with self._lock:
            if self._inner is None:
                secret = await console.cookie_secret(self.ctx)
                self._inner = SessionMiddleware(
                    self.app,
                    secret_key=secret,
                    session_cookie=COOKIE,
                    max_age=IDLE_S,
                    path=self.path,
                    same_site="strict",
                    https_only=self.ctx.public_url.startswith("https://"),
                )
            return self._inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        inner = self._inner or await self._middleware()
        await inner(scope, receive, send)
