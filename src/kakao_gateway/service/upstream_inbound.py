"""Sangdam users' messages an Infobip Kakao upstream pushed to us (api.upstream_inbound), written as a sandbox user's
are (service.sangdam_sandbox): each opens or continues its session, joins the transcript, and is forwarded to the
account's inbound URL in order (or pulled).

The account is found by the channel written to (`to`): the one account that registered that sender and whose Kakao
hops take the route the push came from (the server's upstream, or an account's own). A push naming a channel no
account, or several, has on that route is refused whole: nothing of it is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..connectors.infobip_kakao_wire import InboundMessage
from ..connectors.infobip_wire import parse_callback_data
from ..connectors.upstreams import kakao_route
from ..domain.sangdam import USER_TYPES, user_content
from ..store import catalog
from ..store import sangdam_sessions as sessions
from ..store.accounts import list_accounts
from ..store.sql import Op
from ..store.upstream_settings import get_kakao_upstream
from .context import Context
from .errors import NotFound
from .sangdam_sandbox import CONVERSATION_LIMIT, write_user_message

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Written:
    received: int
    written: int  # not counted: a message pushed again, and Infobip's EXPIRED_SESSION (our sessions expire by ours)


def _owners(route: str, server_upstream: str, senders: list[str]) -> Op[dict[str, str]]:
    """Each of these senders mapped to the one account that registered it and sends on `route`."""
    found: dict[str, list[str]] = {s: [] for s in senders}
    for account in (yield from list_accounts()):
        names = yield from catalog.sender_names(account.id, senders)
        if not names:
            continue
        _, own = yield from get_kakao_upstream(account.id)
        if kakao_route(own or server_upstream) == route:
            for sender in names:
                found[sender].append(account.id)
    return {sender: ids[0] for sender, ids in found.items() if len(ids) == 1}


async def record_inbound(ctx: Context, route: str, messages: Sequence[InboundMessage]) -> Written:
    owners = await ctx.db.read(_owners(route, ctx.kakao_upstream, sorted({m.to for m in messages})))
    for i, m in enumerate(messages):
        if m.to not in owners:
            raise NotFound("no account (or more than one) has this sender on this upstream", f"results[{i}].to")
    written = 0
    for m in messages:
        if m.message.type not in USER_TYPES:
            log.info("route %s pushed a Sangdam %s for %s; not written", route, m.message.type, m.to)
            continue
        account_id = owners[m.to]
        now = ctx.clock.now_ms()
        message_id = await _our_id(ctx, account_id, m, now)
        if message_id is None:
            continue
        callback_data = await _callback_data(ctx, account_id, m)
        message = sessions.UserMessage(
            account_id, m.to, m.sender, message_id, _content(m, now), m.pairedMessageId, callback_data
        )
        await write_user_message(ctx, message, now)
        written += 1
    return Written(len(messages), written)


async def _our_id(ctx: Context, account_id: str, m: InboundMessage, now: int) -> str | None:
    """Infobip's messageId, unless that user's conversation has it already (Infobip pushed it again: None, not
    written twice) or the account's outbound message has it (then one of ours)."""
    recent = await ctx.db.read(sessions.conversation(account_id, m.to, m.sender, CONVERSATION_LIMIT))
    if any(e.message_id == m.messageId and e.direction == "INBOUND" for e in recent):
        return None
    if await ctx.db.read(sessions.received_message(account_id, m.messageId)) is not None:
        return ctx.ids.message_id(now)
    return m.messageId


async def _callback_data(ctx: Context, account_id: str, m: InboundMessage) -> str | None:
    """The callbackData of the message a reply answers. Infobip echoes the one it was sent, which is ours (row and
    hop): the client's own is on our row instead."""
    if m.callbackData is None or parse_callback_data(m.callbackData) is None:
        return m.callbackData
    if m.pairedMessageId is None:
        return None
    found = await ctx.db.read(sessions.received_message(account_id, m.pairedMessageId))
    return found[1] if found is not None else None


def _content(m: InboundMessage, now: int) -> dict[str, Any]:
    """The inbound `message` as stored and forwarded: Infobip's, completed where it left out what the spec
    requires."""
    c = m.message
    content = user_content(c.type, now, text=c.text, url=c.url)
    given = c.model_dump(include={"sentAt", "urlsDetails", "attachmentUrl", "extra"}, exclude_none=True)
    content.update(given)
    return content
