"""One accept path for Alim, Brand and Sangdam sends.

1. One read of what the account says about the request (store/account_view.py: its own upstreams and SMS sender,
   settings, the request's senders and templates, link domains, opt-outs): one store operation.
2. The checks every channel shares, each a 400 naming its paths: webhook targets, SMS failover senders, what the
   account's Kakao upstream cannot carry (as its provider declares: connectors.registry.carry_problems).
3. The channel's own checks and, per message, its hook: the problem that rejects its destinations and its content
   JSON (Brand adds its advertising hold, short links and opt-outs).
4. One set-based write of the rows and the reports of those refused (store/intake.accept, via store_and_answer).

A send therefore makes two store operations: the read and the write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ..connectors.registry import carry_problems
from ..connectors.upstreams import kakao_route
from ..schemas.common import RequestSchedulingSettings
from ..store.account_view import AccountView, Wants, read_view
from ..store.intake import PRIORITIES
from ..store.message_rows import NewMessage
from ..store.sql import Op
from .context import Context
from .errors import InvalidRequest
from .sending import MessageParts, OutboundMessage, Shared, bulk_plan, message_rows, store_and_answer
from .sms import check_failovers, sms_setup
from .webhook_targets import Target, check_targets, delivery_targets

M = TypeVar("M", bound=OutboundMessage)
AfterAccept = Callable[[set[int]], Op[None]]  # writes more in the accept's transaction, knowing the duplicates


class Channel(Generic[M]):
    """A channel's part of the accept. The defaults suit a channel whose messages name only a sender; a channel
    overrides what it needs. An instance serves one request (it may collect what that request's rows need)."""

    name = ""

    def wants(self, messages: Sequence[M]) -> Wants:
        """What the account view must hold for these messages."""
        return Wants(senders=sorted({m.sender for m in messages}))

    def prepare(self, messages: Sequence[M], view: AccountView) -> Sequence[M]:
        """The messages as the account's settings complete them (InvalidRequest when they cannot)."""
        return messages

    def dealer_content(self, m: M) -> dict[str, Any]:
        """The message's wire content as the routing layer reads it (connectors.registry.carry_problems)."""
        raise NotImplementedError

    def check(self, messages: Sequence[M], view: AccountView, now: int) -> None:
        """The channel's request-wide checks (InvalidRequest)."""

    def parts(self, m: M, view: AccountView, shared: Shared) -> MessageParts:
        """The message's problem and content JSON (and Brand's extras)."""
        raise NotImplementedError

    def after_accept(self, rows: list[NewMessage]) -> AfterAccept | None:
        """What else the accept's transaction writes (Brand: the short links of the stored rows)."""
        return None


async def accept_request(
    ctx: Context,
    account_id: str,
    channel: Channel[M],
    messages: Sequence[M],
    schedule: RequestSchedulingSettings | None,
    priority: int = PRIORITIES["STANDARD"],
    targets: Sequence[Target] = (),
) -> dict[str, Any]:
    """Accept a request's messages for `channel`: store every row durably and answer per destination."""
    now = ctx.clock.now_ms()
    plan = bulk_plan(channel.name, schedule, now, ctx.ids)
    view = await ctx.db.read(read_view(account_id, channel.wants(messages), ctx.db.dialect))
    own = (view.kakao_upstream, view.sms_upstream) if view.exists else None
    await check_targets(ctx, account_id, [*delivery_targets(messages), *targets], own)
    messages = channel.prepare(messages, view)
    sms = sms_setup(ctx, view.sms_upstream, view.sms_sender)
    check_failovers(messages, sms)
    route = kakao_route(view.kakao_upstream or ctx.kakao_upstream)
    if unmappable := carry_problems(route, channel.name, [channel.dealer_content(m) for m in messages]):
        raise InvalidRequest(unmappable)
    channel.check(messages, view, now)
    shared = Shared(account_id, plan, now, ctx.ids, priority, sms, route)
    rows = [row for m in messages for row in message_rows(shared, m, channel.parts(m, view, shared))]
    return await store_and_answer(ctx, account_id, plan, rows, now, channel.after_accept(rows))
