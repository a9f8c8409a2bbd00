"""The SMS failover hop at accept: which route and sender a message's SMS would take, and what makes a request's
`smsFailover` unusable (a 400 with the path of each problem)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..connectors.upstreams import sms_route
from ..store.upstream_settings import SmsSettings, get_sms_settings, put_sms_sender
from . import upstreams
from .context import Context
from .errors import InvalidRequest, NotFound

MAX_SENDER = 20


@dataclass(frozen=True, slots=True)
class SmsSetup:
    """Where an account's SMS hops go and from which sender when a message names none."""

    route: str
    default_sender: str | None


def sms_setup(ctx: Context, own_upstream: str | None, default_sender: str | None) -> SmsSetup:
    """An account's SMS setup from its own upstream (None: the server's) and default sender."""
    return SmsSetup(sms_route(own_upstream or ctx.sms_upstream), default_sender)


class _Message(Protocol):
    @property
    def options(self) -> Any: ...


def check_failovers(messages: Sequence[_Message], setup: SmsSetup) -> None:
    """Every smsFailover needs a sender: its own or the account's default."""
    violations = []
    for i, m in enumerate(messages):
        failover = getattr(m.options, "smsFailover", None) if m.options else None
        if failover is not None and not failover.sender and not setup.default_sender:
            violations.append(
                (
                    f"messages[{i}].options.smsFailover.sender",
                    "required: the account has no default SMS sender (PUT /kakao/1/sms/settings)",
                )
            )
    if violations:
        raise InvalidRequest(violations)


async def get_settings(ctx: Context, account_id: str) -> dict[str, Any]:
    settings = await ctx.db.read(get_sms_settings(account_id))
    if settings is None:
        raise NotFound("account")
    return _wire(settings, ctx)


async def set_default_sender(ctx: Context, account_id: str, sender: str | None) -> dict[str, Any]:
    if sender is not None and not 0 < len(sender) <= MAX_SENDER:
        raise InvalidRequest([("defaultSender", f"must be 1 to {MAX_SENDER} characters")])
    if not await ctx.db.write(put_sms_sender(account_id, sender)):
        raise NotFound("account")
    return await get_settings(ctx, account_id)


async def set_upstream(ctx: Context, account_id: str, upstream: str | None) -> dict[str, Any]:
    """An account's own SMS upstream (an operator's setting: the URL holds credentials). None: the server's."""
    await upstreams.set_upstream(ctx, account_id, "sms", upstream)
    return await get_settings(ctx, account_id)


def upstream_problem(url: str) -> str | None:
    return upstreams.upstream_problem("sms", url)


def _wire(settings: SmsSettings, ctx: Context) -> dict[str, Any]:
    """Never the upstream URL itself: it holds credentials. Its route tells which one it is."""
    return {
        "defaultSender": settings.default_sender,
        "route": sms_route(settings.upstream or ctx.sms_upstream),
        "ownUpstream": settings.upstream is not None,
    }
