"""Authentication of `Authorization: App <key>`, `Basic base64(account:key)`, `IBSSO <session token>` and
`Bearer <access token>` (service/sign_in.py hands the tokens out), and scope checks."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..domain.ids import hash_key
from ..store import accounts as store
from ..store import sign_in as tokens
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
# Token schemes, as the Authorization header names them (any case) and as tokens are stored.
TOKEN_SCHEMES = {"ibsso": "IBSSO", "bearer": "Bearer"}
IBSSO, BEARER = "IBSSO", "Bearer"
SESSION_IDLE_MS = 60 * 60_000  # Infobip: an IBSSO session token expires after an hour unused
TOUCH_MS = 60_000  # a session's last use is written at most this often (by each process)


def _monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def parse_authorization(authorization: str | None) -> tuple[str, str | None, str] | None:
    """(scheme in lower case, Basic's user or None, the secret) of an Authorization header; None when it is none
    of App, Basic, IBSSO and Bearer, or holds no secret."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    scheme, credential = scheme.lower(), credential.strip()
    user: str | None = None
    if scheme == "basic":
        try:
            user, _, credential = base64.b64decode(credential, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
    elif scheme != "app" and scheme not in TOKEN_SCHEMES:
        return None
    return (scheme, user, credential) if credential else None


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
        self,
        ctx: Context,
        monotonic_ms: Callable[[], int] = _monotonic_ms,
        throttle: SignInThrottle | None = None,
        wall_ms: Callable[[], int] = _wall_ms,
    ) -> None:
        self.ctx = ctx
        self._now = monotonic_ms
        # Tokens are stored with wall-clock times (every process reads them), not the gateway's clock, which a
        # sandbox may move hours ahead.
        self.wall_ms = wall_ms
        self._cache: dict[str, tuple[int, store.KeyRecord | None]] = {}
        self._admin_cache: dict[str, tuple[int, bool]] = {}
        self._token_cache: dict[str, tuple[int, tokens.TokenRecord | None]] = {}
        self.throttle = throttle or SignInThrottle()

    def forget(self) -> None:
        self._cache.clear()
        self._admin_cache.clear()
        self._token_cache.clear()

    def admit(self, client: str | None, name: str) -> None:
        """Raise Throttled if `client` or `name` (a username, a client id) failed too often."""
        if client is not None:
            self.throttle.admit(client, name, self._now(), secret=False)

    def failed(self, client: str | None, name: str) -> None:
        """Count a failed sign-in (a wrong password or client secret) of `client` with `name`."""
        if client is not None:
            self.throttle.failed(client, name, self._now(), secret=False)

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

    async def _token(self, token: str, now: int) -> tokens.TokenRecord | None:
        digest = hash_key(token)
        hit = self._token_cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_MS:
            return hit[1]
        record = await self.ctx.db.read(tokens.find_token(digest))
        if len(self._token_cache) > 10_000:
            self._token_cache.clear()
        self._token_cache[digest] = (now, record)
        return record

    async def _live_token(self, scheme: str, token: str, now: int) -> tokens.TokenRecord | None:
        """The token's record if it is a live token of `scheme` (IBSSO or Bearer); a session's use is recorded,
        at most once every TOUCH_MS, which pushes its expiry on."""
        record = await self._token(token, now)
        wall = self.wall_ms()
        if record is None or record.scheme != scheme or wall >= record.expires_at:
            return None
        if scheme == IBSSO and wall - record.seen_at >= TOUCH_MS:
            await self.ctx.db.write(tokens.touch_token(hash_key(token), wall, wall + SESSION_IDLE_MS))
            touched = dataclasses.replace(record, seen_at=wall, expires_at=wall + SESSION_IDLE_MS)
            self._token_cache[hash_key(token)] = (now, touched)
        return record

    async def _token_principal(self, scheme: str, token: str, client: str | None, now: int) -> Principal | None:
        record = await self._live_token(scheme, token, now)
        if record is None:
            if client is not None:
                self.throttle.failed(client, token, now)
            return None
        return Principal(record.account_id, record.account_name, record.owner_id, record.scopes)

    async def principal(self, authorization: str | None, client: str | None = None) -> Principal | None:
        """Who `authorization` (App, Basic, IBSSO or Bearer) stands for. `client`: the caller's address, to throttle
        failures by (Throttled); None: not throttled (the CLI)."""
        parsed = parse_authorization(authorization)
        if parsed is None:
            return None
        scheme, user, key = parsed
        now = self._now()
        if client is not None:
            self.throttle.admit(client, key, now)
        if scheme in TOKEN_SCHEMES:
            return await self._token_principal(TOKEN_SCHEMES[scheme], key, client, now)
        record = await self._key(key, now)
        if record is None or record.revoked_at is not None:
            if client is not None and not await self._admin(key, now):
                self.throttle.failed(client, key, now)
            return None
        if user is not None and user != record.account_name:
            return None
        return Principal(record.account_id, record.account_name, record.id, record.scopes)

    async def end_session(self, authorization: str | None, client: str | None = None) -> bool:
        """End the IBSSO session `authorization` names; False when it names no live session (with `client`: a
        failure the throttle counts, as for `principal`)."""
        parsed = parse_authorization(authorization)
        if parsed is None or parsed[0] != "ibsso":
            return False
        token = parsed[2]
        now = self._now()
        if client is not None:
            self.throttle.admit(client, token, now)
        if await self._token_principal(IBSSO, token, client, now) is None:
            return False
        ended = await self.ctx.db.write(tokens.delete_token(hash_key(token)))
        self._token_cache.pop(hash_key(token), None)
        return ended

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
