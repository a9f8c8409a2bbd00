"""The accept check of push targets: every webhook URL a request names must be one pushes may go to
(`domain.webhook_targets`); a refused one is a 400 violation at its path. Names are checked again, on the
addresses they resolve to, when the push connects (engine/transport.py).

Whether loopback, private, link-local and metadata addresses are allowed is decided per account: by the operator's
`--webhook-allow-private` when given, else only for an account whose Kakao and SMS routes (its own upstreams, or the
server's) are both the sandbox. The pusher asks the same question (`private_allowed_for`) for every push, so an
account given a real upstream after its targets were stored is refused when they are pushed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..connectors.upstreams import KAKAO_SANDBOX_ROUTE, SMS_SANDBOX_ROUTE, kakao_route, sms_route
from ..domain.webhook_targets import private_allowed, url_problem
from ..store.account_routes import own_upstreams
from .context import Context
from .errors import InvalidRequest
from .sending import OutboundMessage

Target = tuple[str, str | None]  # (property path, URL or None)


def _sandbox_only(ctx: Context, own_kakao: str | None, own_sms: str | None) -> bool:
    kakao = kakao_route(own_kakao or ctx.kakao_upstream) == KAKAO_SANDBOX_ROUTE
    return kakao and sms_route(own_sms or ctx.sms_upstream) == SMS_SANDBOX_ROUTE


async def private_allowed_for(ctx: Context, account_ids: Iterable[str]) -> dict[str, bool]:
    """account id -> whether its pushes may go to private addresses (unknown accounts: not)."""
    ids = sorted(set(account_ids))
    if ctx.webhook_allow_private is not None:
        return dict.fromkeys(ids, ctx.webhook_allow_private)
    own = await ctx.db.read(own_upstreams(ids))
    return {i: private_allowed(None, _sandbox_only(ctx, *own[i])) for i in ids if i in own}


async def check_targets(
    ctx: Context, account_id: str, targets: Iterable[Target], own: tuple[str | None, str | None] | None = None
) -> None:
    """`own`: the account's own (Kakao, SMS) upstream URLs when the caller read them already."""
    named = [(path, url) for path, url in targets if url is not None]
    if not named:
        return
    if own is not None and ctx.webhook_allow_private is None:
        allow = private_allowed(None, _sandbox_only(ctx, *own))
    else:
        allow = (await private_allowed_for(ctx, [account_id])).get(account_id, False)
    problems = []
    for path, url in named:
        problem = url_problem(url, allow)
        if problem is not None:
            problems.append((path, problem))
    if problems:
        raise InvalidRequest(problems)


def delivery_targets(messages: Sequence[OutboundMessage]) -> list[Target]:
    """Each message's `webhooks.delivery.url`, with its path."""
    return [
        (f"messages[{index}].webhooks.delivery.url", m.webhooks.delivery.url)
        for index, m in enumerate(messages)
        if m.webhooks is not None and m.webhooks.delivery is not None
    ]
