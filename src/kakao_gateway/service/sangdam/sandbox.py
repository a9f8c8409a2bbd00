"""Sandbox Sangdam users: a simulated user writes to a sender, presses a reply button of a message they received,
and sees their conversation as their phone shows it."""

from __future__ import annotations

from typing import Any

from ...domain.sangdam import REPLY_TYPES, reply_button, reply_text, user_content
from ...schemas.sangdam import UserReplies, UserText, UserWrites
from ...store import catalog
from ...store import sangdam_sessions as sessions
from ..context import Context
from ..errors import InvalidRequest, NotFound
from .sessions import entry_wire

CONVERSATION_LIMIT = 1000


async def _known_sender(ctx: Context, account_id: str, sender: str, prop: str) -> None:
    if sender not in await ctx.db.read(catalog.sender_names(account_id, [sender])):
        raise NotFound("no such sender on this account", prop)


def wake_forwarder(ctx: Context) -> None:
    """Forward what was written now, not at the next poll (where an engine runs: the Context's hooks)."""
    ctx.hooks.wake_sangdam()


async def write_user_message(ctx: Context, message: sessions.UserMessage, now: int) -> dict[str, Any]:
    """Write what a sandbox user wrote: opens or continues their session, and queues it for the account's inbound
    URL. (A real user's, pushed by an upstream: service/upstream_inbound.py, many in one operation.)"""
    new_session, expiry_id = ctx.ids.message_ids(2, now)
    stored = await ctx.db.write(sessions.write_inbound(message, new_session, expiry_id, now))
    if stored is None:
        raise NotFound("no such sender on this account", "to")
    wake_forwarder(ctx)
    return {"messageId": stored.message_id, "sessionId": stored.session_id}


async def user_writes(ctx: Context, account_id: str, body: UserWrites) -> dict[str, Any]:
    now = ctx.clock.now_ms()
    m = body.message
    if isinstance(m, UserText):
        content = user_content(m.type, now, text=m.text)
    else:
        content = user_content(m.type, now, url=m.url)
    message = sessions.UserMessage(account_id, body.to, body.userKey, ctx.ids.message_id(now), content)
    return await write_user_message(ctx, message, now)


async def user_replies(ctx: Context, account_id: str, body: UserReplies) -> dict[str, Any]:
    """Press a REPLY / REPLY_WITH_TEXT button: the user writes the button's text (or their own, with text), and
    the inbound message names the message it answers, carries the button's `extra` and the message's callbackData."""
    found = await ctx.db.read(sessions.received_message(account_id, body.messageId))
    if found is None or found[0].user_key != body.userKey:
        raise NotFound("this user received no such message", "messageId")
    received, callback_data = found
    button = reply_button(received.content, body.button)
    if button is None:
        raise NotFound(f"the message has no {' or '.join(REPLY_TYPES)} button of that name", "button")
    if body.text is not None and button["type"] != "REPLY_WITH_TEXT":
        raise InvalidRequest([("text", "only a REPLY_WITH_TEXT button takes a text")])
    now = ctx.clock.now_ms()
    content = user_content("TEXT", now, text=reply_text(button, body.text))
    if button.get("extra") is not None:
        content["extra"] = button["extra"]
    message = sessions.UserMessage(
        account_id,
        received.sender,
        body.userKey,
        ctx.ids.message_id(now),
        content,
        paired_message_id=body.messageId,
        callback_data=callback_data,
    )
    return await write_user_message(ctx, message, now)


async def conversation(ctx: Context, account_id: str, user_key: str, sender: str) -> dict[str, Any]:
    await _known_sender(ctx, account_id, sender, "sender")
    entries = await ctx.db.read(sessions.conversation(account_id, sender, user_key, CONVERSATION_LIMIT))
    return {"userKey": user_key, "sender": sender, "results": [entry_wire(e) for e in entries]}
