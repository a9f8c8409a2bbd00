"""Sangdam users' messages a Kakao upstream pushed to us (api.upstream_inbound; read by its provider into
PushedMessage: Infobip's today), written as a sandbox user's
are (service.sangdam.sandbox): each opens or continues its session, joins the transcript, and is forwarded to the
account's inbound URL in order (or pulled).

The account is found by the channel written to (`to`): the one account that registered that sender and whose Kakao
hops take the route the push came from (the server's upstream, or an account's own), read with one statement. A push
naming a channel no account, or several, has on that route is refused whole: nothing of it is written. The rest is
one write operation; a message Infobip pushes again (or twice at once) is stored and forwarded once, by the unique
index of its upstream id (migration 0028).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..connectors.provider import PushedMessage
from ..connectors.upstreams import kakao_route
from ..domain.sangdam import USER_TYPES, user_content
from ..store import sangdam_sessions as sessions
from ..store.account_view import SenderOwner, sender_owners
from ..store.sql import Op
from .context import Context
from .errors import NotFound
from .sangdam.sandbox import wake_forwarder

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Written:
    received: int
    written: int  # not counted: a message pushed again, and Infobip's EXPIRED_SESSION (our sessions expire by ours)


def _owners(route: str, server_upstream: str, found: list[SenderOwner]) -> dict[str, str]:
    """Each sender mapped to the one account that registered it and sends on `route`."""
    owners: dict[str, list[str]] = {}
    for o in found:
        if kakao_route(o.kakao_upstream or server_upstream) == route:
            owners.setdefault(o.sender, []).append(o.account_id)
    return {sender: ids[0] for sender, ids in owners.items() if len(ids) == 1}


async def record_inbound(ctx: Context, route: str, messages: Sequence[PushedMessage]) -> Written:
    """Write a push's users' messages in one operation: all of them, or (a channel without one owner) none. Each
    is stored once: a message pushed again is refused by the statement that would store it (its unique index)."""
    found = await ctx.db.read(sender_owners(sorted({m.channel for m in messages})))
    owners = _owners(route, ctx.kakao_upstream, found)
    for i, m in enumerate(messages):
        if m.channel not in owners:
            raise NotFound("no account (or more than one) has this sender on this upstream", f"results[{i}].to")
    now = ctx.clock.now_ms()
    users = [m for m in messages if m.type in USER_TYPES]
    for m in messages:
        if m.type not in USER_TYPES:
            log.info("route %s pushed a Sangdam %s for %s; not written", route, m.type, m.channel)
    ids = ctx.ids.message_ids(3 * len(users), now)
    written = await ctx.db.write(_write(users, owners, ids, now)) if users else 0
    if written:
        wake_forwarder(ctx)
    return Written(len(messages), written)


def _write(messages: list[PushedMessage], owners: dict[str, str], ids: list[str], now: int) -> Op[int]:
    """Each message into its user's session (three new ids each: a session's, an expiry's, and the one it is
    stored under when the account has a message of Infobip's id already); returns how many were written."""
    written = 0
    for i, m in enumerate(messages):
        account_id = owners[m.channel]
        callback_data = yield from _callback_data(account_id, m)
        message = sessions.UserMessage(
            account_id,
            m.channel,
            m.user,
            m.upstream_id,
            _content(m, now),
            m.paired_id,
            callback_data,
            upstream_id=m.upstream_id,
            fallback_id=ids[3 * i + 2],
        )
        stored = yield from sessions.write_inbound(message, ids[3 * i], ids[3 * i + 1], now)
        written += stored is not None and stored.message_id is not None
    return written


def _callback_data(account_id: str, m: PushedMessage) -> Op[str | None]:
    """The callbackData of the message a reply answers. An upstream echoes the one it was sent, which is ours (row
    and hop): the client's own is on our row instead."""
    if m.callback_data is None or not m.echoes_ours:
        return m.callback_data
    if m.paired_id is None:
        return None
    found = yield from sessions.received_message(account_id, m.paired_id)
    return found[1] if found is not None else None


def _content(m: PushedMessage, now: int) -> dict[str, Any]:
    """The inbound `message` as stored and forwarded: the upstream's, completed where it left out what the spec
    requires."""
    content = user_content(m.type, now, text=m.text, url=m.url)
    content.update(m.given)
    return content
