"""Authentication of `Authorization: App <key>` and `Basic base64(account:key)`, and scope checks."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..domain.ids import hash_key
from ..store import accounts as store
from .context import Context
from .throttle import SignInThrottle
from .throttle import Throttled as Throttled

SEND_SCOPES = frozenset({"message:send", "kakao:message:send", "kakao:manage"})
LOGS_SCOPES = frozenset({"kakao:logs:read", "kakao:manage"})
MANAGE_SCOPES = frozenset({"kakao:manage"})
SANDBOX_SCOPES = frozenset({"sandbox:manage"})
CONSOLE_SCOPES = frozenset({"console", "kakao:manage"})  # sign in to the web console
# How long an answer about a key is reused. A key revoked by another process stops working within this bound (by
# this process: at once). Measured on a monotonic real-time clock, so a virtual or fake clock cannot stretch it.
CACHE_MS = 1_000


def _monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    account_name: str
    key_id: str
    scopes: frozenset[str]

    def allows(self, needed: frozenset[str]) -> bool:
        return bool(self.scopes & needed)


class Authenticator:
    """Looks keys up by hash, caching answers for less than CACHE_MS (revocation by this process is seen at once).

    Given the client's address, a sign-in is throttled (service/throttle.py): refused with Throttled after too many
    recent failures from that address or with that key's prefix. A failure is a key that is no live key at all (a
    live key used where it has no right, an operator key on the API or an API key on /admin, is no guess)."""

    def __init__(
        self, ctx: Context, monotonic_ms: Callable[[], int] = _monotonic_ms, throttle: SignInThrottle | None = None
    ) -> None:
        self.ctx = ctx
        self._now = monotonic_ms
        self._cache: dict[str, tuple[int, store.KeyRecord | None]] = {}
        self._admin_cache: dict[str, tuple[int, bool]] = {}
        self.throttle = throttle or SignInThrottle()

    def forget(self) -> None:
        self._cache.clear()
        self._admin_cache.clear()

    async def _key(self, key: str, now: int) -> store.KeyRecord | None:
        digest = hash_key(key)
        hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_MS:
            return hit[1]
        record = await self.ctx.db.read(store.find_key(digest))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, record)
        return record

    async def _admin(self, key: str, now: int) -> bool:
        digest = hash_key(key)
        hit = self._admin_cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_MS:
            return hit[1]
        ok = await self.ctx.db.read(store.admin_key_exists(digest))
        if len(self._admin_cache) > 10_000:
            self._admin_cache.clear()
        self._admin_cache[digest] = (now, ok)
        return ok

    async def _live_api_key(self, key: str, now: int) -> bool:
        record = await self._key(key, now)
        return record is not None and record.revoked_at is None

    async def principal(self, authorization: str | None, client: str | None = None) -> Principal | None:
        """Who `authorization` (App or Basic) stands for. `client`: the caller's address, to throttle failures by
        (Throttled); None: not throttled (the CLI)."""
        if not authorization:
            return None
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        user: str | None = None
        if scheme.lower() == "app":
            key = credential
        elif scheme.lower() == "basic":
            try:
                user, _, key = base64.b64decode(credential, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
        else:
            return None
        if not key:
            return None
        now = self._now()
        if client is not None:
            self.throttle.admit(client, key, now)
        record = await self._key(key, now)
        if record is None or record.revoked_at is not None:
            if client is not None and not await self._admin(key, now):
                self.throttle.failed(client, key, now)
            return None
        if user is not None and user != record.account_name:
            return None
        return Principal(record.account_id, record.account_name, record.id, record.scopes)

    async def is_admin(self, authorization: str | None, client: str | None = None) -> bool:
        """Whether `authorization` is `App <a live operator key>`; `client` as for `principal`."""
        if not authorization:
            return False
        scheme, _, key = authorization.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != "app" or not key:
            return False
        now = self._now()
        if client is not None:
            self.throttle.admit(client, key, now)
        ok = await self._admin(key, now)
        if not ok and client is not None and not await self._live_api_key(key, now):
            self.throttle.failed(client, key, now)
        return ok
