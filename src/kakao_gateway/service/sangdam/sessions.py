"""Kakao Sangdam for the business: send into sessions (`/kakao-sangdam/1/messages`), pull inbound messages that no
push delivered, list sessions, read a transcript, and the account's session timeout and keywords."""

from __future__ import annotations

from typing import Any

from ...domain.sangdam import DEFAULT_TIMEOUT_MINUTES, MINUTE_MS, timeout_ms
from ...domain.times import format_ms
from ...schemas.sangdam import SangdamMessage, SangdamRequest
from ...store import brand as settings_store
from ...store import sangdam_forwarding as forwarding
from ...store import sangdam_sessions as sessions
from ...store.account_view import AccountView
from ..context import Context
from ..errors import InvalidRequest, NotFound
from ..intake import Channel, accept_request
from ..reports import decode_cursor, encode_cursor
from ..sending import UNKNOWN_SENDER, MessageParts, Shared

CHANNEL = "SANGDAM"
SESSION_STATES = {"OPEN": "open", "CLOSED": "closed"}
TIMEOUT_KEY = "sangdamSessionTimeoutMinutes"


class _Sangdam(Channel[SangdamMessage]):
    name = CHANNEL

    def dealer_content(self, m: SangdamMessage) -> dict[str, Any]:
        return m.content.model_dump(exclude_none=True)

    def parts(self, m: SangdamMessage, view: AccountView, shared: Shared) -> MessageParts:
        problem = None if m.sender in view.senders else UNKNOWN_SENDER
        return MessageParts(problem, m.content.model_dump_json(exclude_none=True))


async def send(ctx: Context, account_id: str, request: SangdamRequest) -> dict[str, Any]:
    """Accept a send: each destination (a user key) is answered PENDING_ACCEPTED; whether its session is open is
    known only at delivery (an undelivered one ends UNDELIVERABLE_NOT_DELIVERED / EC_NO_SESSION)."""
    schedule = request.options.schedule if request.options else None
    return await accept_request(ctx, account_id, _Sangdam(), request.messages, schedule)


async def pull_inbound(ctx: Context, account_id: str, limit: int) -> dict[str, Any]:
    return await ctx.db.write(forwarding.pull_inbound(account_id, limit, ctx.clock.now_ms()))


def _session_wire(s: sessions.Session) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "sessionId": s.session_id,
        "sender": s.sender,
        "userKey": s.user_key,
        "state": s.state.upper(),
        "openedAt": format_ms(s.opened_at),
        "lastActivityAt": format_ms(s.last_activity_at),
    }
    if s.state == "open":
        wire["expiresAt"] = format_ms(s.expires_at)
    if s.closed_at is not None:
        wire["closedAt"] = format_ms(s.closed_at)
        wire["closeReason"] = s.close_reason
    return wire


async def list_sessions(
    ctx: Context, account_id: str, sender: str | None, state: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    if state is not None and state.upper() not in SESSION_STATES:
        raise InvalidRequest([("state", "must be OPEN or CLOSED")])
    stored_state = SESSION_STATES[state.upper()] if state is not None else None
    before = decode_cursor(cursor) if cursor else None
    found, next_seq = await ctx.db.read(sessions.list_sessions(account_id, sender, stored_state, limit, before))
    body: dict[str, Any] = {"results": [_session_wire(s) for s in found]}
    if next_seq is not None:
        body["nextCursor"] = encode_cursor(next_seq)
    return body


def entry_wire(e: sessions.Entry) -> dict[str, Any]:
    """A transcript entry: who wrote (INBOUND: the user, OUTBOUND: the business), when, and what."""
    wire: dict[str, Any] = {
        "direction": e.direction,
        "messageId": e.message_id,
        "sessionId": e.session_id,
        "at": format_ms(e.at),
        "content": e.content,
    }
    for key, value in (
        ("pairedMessageId", e.paired_message_id),
        ("callbackData", e.callback_data),
        ("keyword", e.keyword),
    ):
        if value is not None:
            wire[key] = value
    return wire


async def transcript(ctx: Context, account_id: str, session_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    session = await ctx.db.read(sessions.get_session(account_id, session_id))
    if session is None:
        raise NotFound("session not found", "sessionId")
    after = decode_cursor(cursor) if cursor else None
    entries, next_seq = await ctx.db.read(sessions.transcript(session_id, limit, after))
    body: dict[str, Any] = {"session": _session_wire(session), "results": [entry_wire(e) for e in entries]}
    if next_seq is not None:
        body["nextCursor"] = encode_cursor(next_seq)
    return body


async def get_settings(ctx: Context, account_id: str) -> dict[str, Any]:
    settings = await ctx.db.read(settings_store.get_settings(account_id))
    return {"sessionTimeoutMinutes": timeout_ms(settings) // MINUTE_MS}


async def put_settings(ctx: Context, account_id: str, minutes: int) -> dict[str, Any]:
    """The inactivity timeout applies to every open session from its next message on."""
    settings = await ctx.db.read(settings_store.get_settings(account_id))
    settings[TIMEOUT_KEY] = minutes if minutes != DEFAULT_TIMEOUT_MINUTES else None
    await ctx.db.write(settings_store.put_settings(account_id, settings))
    return await get_settings(ctx, account_id)


async def put_keywords(ctx: Context, account_id: str, keywords: list[str]) -> dict[str, Any]:
    return {"keywords": await ctx.db.write(sessions.put_keywords(account_id, keywords))}


async def get_keywords(ctx: Context, account_id: str) -> dict[str, Any]:
    return {"keywords": await ctx.db.read(sessions.get_keywords(account_id))}
