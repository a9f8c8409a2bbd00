"""Console sign-in and the sessions the server keeps: a session id (in the signed cookie) names a stored session,
checked on every console request, deleted at sign-out, over after IDLE_MS unused or LIFETIME_MS in all.

Times are wall-clock milliseconds the caller passes in (not the gateway's clock, which a sandbox may move ahead)."""

from __future__ import annotations

import secrets

from ...domain.ids import hash_key
from ...store import console as store
from ...store import console_sessions as sessions
from ...store.console import SignedKey
from ..auth import CONSOLE_SCOPES, Authenticator
from ..context import Context

IDLE_MS = 8 * 3600 * 1000  # as the session cookie's own lifetime (console/sessions.py)
LIFETIME_MS = 24 * 3600 * 1000  # a sign-in lasts a working day at most, however busy
TOUCH_MS = 60_000  # last use is written at most this often: a console request is a read, not a write


async def sign_in(ctx: Context, auth: Authenticator, key: str, client: str) -> SignedKey | None:
    """The key a console sign-in stands for: an account key with a console scope, or an operator key. Throttled
    (service/throttle.py) by `client`, the signing-in browser's address."""
    key = key.strip()
    if not key or any(c.isspace() for c in key):
        return None
    who = await auth.principal(f"App {key}", client)
    if who is not None:
        return (
            SignedKey(who.key_id, who.account_id, who.account_name, who.scopes) if who.allows(CONSOLE_SCOPES) else None
        )
    operator = await ctx.db.read(store.live_operator_key(key_hash=hash_key(key)))
    return SignedKey(operator, None, None, frozenset()) if operator else None


async def open_session(ctx: Context, signed: SignedKey, now: int) -> str:
    """A new session for `signed`; its id, for the cookie."""
    session_id = secrets.token_urlsafe(32)
    over_before = (now - IDLE_MS, now - LIFETIME_MS)
    await ctx.db.write(
        sessions.open_session(hash_key(session_id), signed.key_id, signed.account_id is None, now, over_before)
    )
    return session_id


async def session_key(ctx: Context, session_id: str, now: int) -> SignedKey | None:
    """The key a session stands for, if the session is open and the key still opens the console; a session over
    (expired, or its key revoked) is deleted."""
    id_hash = hash_key(session_id)
    found = await ctx.db.read(sessions.find_session(id_hash))
    if found is None:
        return None
    key = found.key
    usable = key is not None and (key.account_id is None or bool(key.scopes & CONSOLE_SCOPES))
    if not usable or now - found.seen_at >= IDLE_MS or now - found.created_at >= LIFETIME_MS:
        await ctx.db.write(sessions.close_session(id_hash))
        return None
    if now - found.seen_at >= TOUCH_MS:
        await ctx.db.write(sessions.touch_session(id_hash, now))
    return key


async def close_session(ctx: Context, session_id: str) -> None:
    await ctx.db.write(sessions.close_session(hash_key(session_id)))
