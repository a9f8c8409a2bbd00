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
    """Looks keys up by hash, caching answers for less than CACHE_MS (revocation by this process is seen at once)."""

    def __init__(self, ctx: Context, monotonic_ms: Callable[[], int] = _monotonic_ms) -> None:
        self.ctx = ctx
        self._now = monotonic_ms
        self._cache: dict[str, tuple[int, store.KeyRecord | None]] = {}
        self._admin_cache: dict[str, tuple[int, bool]] = {}

    def forget(self) -> None:
        self._cache.clear()
        self._admin_cache.clear()

    async def _key(self, key: str) -> store.KeyRecord | None:
        digest = hash_key(key)
        now = self._now()
        hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_MS:
            return hit[1]
        record = await self.ctx.db.read(store.find_key(digest))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, record)
        return record

    async def principal(self, authorization: str | None) -> Principal | None:
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
        record = await self._key(key)
        if record is None or record.revoked_at is not None:
            return None
        if user is not None and user != record.account_name:
            return None
        return Principal(record.account_id, record.account_name, record.id, record.scopes)

    async def is_admin(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "app" or not key.strip():
            return False
        digest = hash_key(key.strip())
        now = self._now()
        hit = self._admin_cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_MS:
            return hit[1]
        ok = await self.ctx.db.read(store.admin_key_exists(digest))
        if len(self._admin_cache) > 10_000:
            self._admin_cache.clear()
        self._admin_cache[digest] = (now, ok)
        return ok
