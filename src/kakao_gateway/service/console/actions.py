"""The web console's service functions (sign-in and sessions: console_sessions.py): the cookie secret, the agent
inbox, transcripts read live, read markers, and replies and terminations sent through the Sangdam send path."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from pydantic import ValidationError

from ...schemas.alim import AlimRequest
from ...schemas.brand import BrandRequest
from ...schemas.bulks import BulkSchedule
from ...schemas.common import SendingSpeedLimit, instant_ms
from ...schemas.sangdam import SangdamRequest
from ...store import console as store
from ...store import sangdam_sessions as sessions
from ...store.console import BulkRow as BulkRow
from ...store.console import InboxRow as InboxRow
from ...store.console import SignedKey as SignedKey
from ...store.console import TranscriptRow as TranscriptRow
from ...store.sangdam_sessions import Session as Session
from .. import accounts, bulks
from ..accounts import CONSOLE_SCOPE, KeyRecord, NewKey
from ..auth import CONSOLE_SCOPES, MANAGE_SCOPES
from ..context import Context
from ..errors import InvalidRequest, NotFound
from ..reports import decode_cursor, encode_cursor
from ..sangdam import sessions as sangdam

COOKIE_SECRET = "session_cookie"
AGENT_SCOPES = [CONSOLE_SCOPE]


async def cookie_secret(ctx: Context) -> str:
    """The key that signs console cookies, made once and shared by every process of the gateway."""
    return await ctx.db.write(store.secret(COOKIE_SECRET, secrets.token_urlsafe(48)))


def _inbox_cursor(after: tuple[int, int]) -> str:
    return f"{encode_cursor(after[0])}.{encode_cursor(after[1])}"


def _decode_inbox_cursor(cursor: str) -> tuple[int, int]:
    first, _, second = cursor.partition(".")
    return decode_cursor(first), decode_cursor(second)


MAX_SEARCH_CHARS = 200


def _search(text: str | None) -> str | None:
    """A search of sessions (user key or transcript text), trimmed; None for none."""
    text = (text or "").strip()
    if len(text) > MAX_SEARCH_CHARS:
        raise InvalidRequest([("q", f"must be at most {MAX_SEARCH_CHARS} characters")])
    return text or None


async def inbox(
    ctx: Context,
    account_id: str,
    sender: str | None,
    limit: int,
    cursor: str | None,
    assigned: str | None = None,
    search: str | None = None,
) -> tuple[list[InboxRow], str | None]:
    before = _decode_inbox_cursor(cursor) if cursor else None
    rows, after = await ctx.db.read(store.inbox(account_id, sender, limit, before, assigned, _search(search)))
    return rows, _inbox_cursor(after) if after else None


async def closed_sessions(
    ctx: Context, account_id: str, limit: int, cursor: str | None, search: str | None = None
) -> tuple[list[Session], str | None]:
    before = decode_cursor(cursor) if cursor else None
    op = sessions.list_sessions(account_id, None, "closed", limit, before, _search(search))
    found, next_seq = await ctx.db.read(op)
    return found, encode_cursor(next_seq) if next_seq is not None else None


async def session(ctx: Context, account_id: str, session_id: str) -> Session:
    found = await ctx.db.read(sessions.get_session(account_id, session_id))
    if found is None:
        raise NotFound("session not found", "sessionId")
    return found


async def transcript_after(
    ctx: Context, account_id: str, session_id: str, after_seq: int, limit: int = 500
) -> list[TranscriptRow]:
    return await ctx.db.read(store.transcript_after(account_id, session_id, after_seq, limit))


async def mark_read(ctx: Context, account_id: str, session_id: str, rows: list[TranscriptRow]) -> None:
    if rows:
        await ctx.db.write(store.mark_read(account_id, session_id, rows[-1].seq))


def reply_content(kind: str, text: str, image_url: str, buttons: str) -> dict[str, Any]:
    """The `content` of a reply typed in the console. Buttons are one per line: `name` (a REPLY button) or
    `name | https://link` (an OPEN_URL button)."""
    if kind == "TEXT":
        if not text.strip():
            raise InvalidRequest([("text", "write something to send")])
        return {"type": "TEXT", "text": text}
    if kind == "IMAGE":
        if not image_url.strip().startswith(("https://", "http://")):
            raise InvalidRequest([("imageUrl", "must be an http(s) URL of the image")])
        return {"type": "IMAGE", "url": image_url.strip()}
    if kind == "BUTTON_LIST":
        listed: list[dict[str, Any]] = []
        for line in buttons.splitlines():
            name, _, url = (part.strip() for part in line.partition("|"))
            if not name:
                continue
            if url:
                listed.append({"type": "OPEN_URL", "name": name, "urlMobile": url, "urlPc": url})
            else:
                listed.append({"type": "REPLY", "name": name})
        return {"type": "BUTTON_LIST", "text": text, "buttons": listed}
    raise InvalidRequest([("type", "must be TEXT, IMAGE or BUTTON_LIST")])


async def send_into(ctx: Context, account_id: str, found: Session, content: dict[str, Any]) -> dict[str, Any]:
    """Send `content` to the session's user exactly as `POST /kakao-sangdam/1/messages` would."""
    body = {"messages": [{"sender": found.sender, "destinations": [{"to": found.user_key}], "content": content}]}
    try:
        request = SangdamRequest.model_validate(body, context={"now_ms": ctx.clock.now_ms()})
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in e["loc"][3:]) or "content", e["msg"]) for e in exc.errors()]
        raise InvalidRequest(problems) from None
    return await sangdam.send(ctx, account_id, request)


async def terminate(ctx: Context, account_id: str, found: Session) -> dict[str, Any]:
    if found.state != "open":
        raise InvalidRequest([("sessionId", "the session is closed")])
    return await send_into(ctx, account_id, found, {"type": "TERMINATE_SESSION"})


async def recent_bulks(
    ctx: Context, account_id: str, limit: int, cursor: str | None
) -> tuple[list[tuple[BulkRow, str]], str | None]:
    """A page of the account's bulks, newest first, each with its status (FINISHED, CANCELED, ...)."""
    before = None
    if cursor:
        at, _, bulk_id = cursor.partition(".")
        before = (decode_cursor(at), bulk_id)
    rows, after = await ctx.db.read(store.recent_bulks(account_id, limit, before))
    now = ctx.clock.now_ms()
    listed = [(r, bulks.listed_status(r.state, r.unfinished, r.send_at, now)) for r in rows]
    return listed, f"{encode_cursor(after[0])}.{after[1]}" if after else None


# --- agents: the named keys of an account that open its console, and who a session is assigned to ---------------


async def agents(ctx: Context, account_id: str) -> list[KeyRecord]:
    """The account's keys that open the console (agents' own, and managers'), working ones first."""
    found = [k for k in await accounts.list_keys(ctx, account_id) if k.scopes & CONSOLE_SCOPES]
    return sorted(found, key=lambda k: k.revoked_at is not None)


async def add_agent(ctx: Context, account_id: str, name: str) -> NewKey:
    """A named agent with a sign-in of their own: a key holding only the console scope (shown once)."""
    name = name.strip()
    if not name:
        raise InvalidRequest([("name", "give the agent a name")])
    if len(name) > 200:
        raise InvalidRequest([("name", "must be at most 200 characters")])
    return await accounts.create_key(ctx, account_id, name, AGENT_SCOPES)


async def remove_agent(ctx: Context, account_id: str, key_id: str) -> None:
    """Revoke an agent's key (only agents' keys: a manager's key is revoked by the operator)."""
    key = next((k for k in await accounts.list_keys(ctx, account_id) if k.id == key_id), None)
    if key is None or key.revoked_at is not None:
        raise NotFound("agent not found", "keyId")
    if key.scopes & MANAGE_SCOPES:
        raise InvalidRequest([("keyId", "this key manages the account: the operator revokes it")])
    await accounts.revoke_key(ctx, account_id, key_id)


async def assignee(ctx: Context, account_id: str, session_id: str) -> tuple[str, str] | None:
    return await ctx.db.read(store.assignee(account_id, session_id))


async def assign(ctx: Context, account_id: str, found: Session, key_id: str | None) -> tuple[str, str] | None:
    """Assign an open session to an agent of the account (a working key that opens the console), or to nobody."""
    if found.state != "open":
        raise InvalidRequest([("sessionId", "the session is closed")])
    if key_id is not None:
        key = await ctx.db.read(store.live_key(key_id))
        if key is None or key.account_id != account_id or not key.scopes & CONSOLE_SCOPES:
            raise NotFound("agent not found", "keyId")
    await ctx.db.write(store.assign(account_id, found.session_id, key_id, ctx.clock.now_ms()))
    return await assignee(ctx, account_id, found.session_id)


# --- bulks: re-pace, reschedule and the dry-run plan, validated by the API's own models -----------------------------


def _model(model: Any, body: Any, ctx: Context, prefix: int = 0) -> Any:
    try:
        return model.model_validate(body, context={"now_ms": ctx.clock.now_ms()})
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in e["loc"][prefix:]) or "body", e["msg"]) for e in exc.errors()]
        raise InvalidRequest(problems) from None


async def repace(ctx: Context, account_id: str, bulk_id: str, amount: str, unit: str) -> dict[str, Any]:
    if not amount.strip().isdigit():
        raise InvalidRequest([("amount", "must be a whole number of messages")])
    speed: SendingSpeedLimit = _model(SendingSpeedLimit, {"amount": int(amount), "timeUnit": unit}, ctx)
    return await bulks.change_speed(ctx, account_id, bulk_id, speed.amount, speed.timeUnit)


async def reschedule(ctx: Context, account_id: str, bulk_id: str, send_at: str) -> dict[str, Any]:
    body: BulkSchedule = _model(BulkSchedule, {"sendAt": send_at.strip()}, ctx)
    return await bulks.reschedule(ctx, account_id, bulk_id, instant_ms(body.sendAt))


async def plan(ctx: Context, account_id: str, channel: str, raw: str) -> dict[str, Any]:
    """A dry run of a send body (Alim, or Brand with its advertising hours), as `POST /kakao/1/bulks/plan`."""
    if channel not in ("ALIM", "BRAND"):
        raise InvalidRequest([("channel", "must be ALIM or BRAND")])
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest([("body", f"is not JSON: {exc}")]) from None
    request = _model(BrandRequest if channel == "BRAND" else AlimRequest, body, ctx)
    return await bulks.plan(ctx, account_id, request)
