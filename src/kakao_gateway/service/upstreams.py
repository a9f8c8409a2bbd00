"""Which upstream an account's messages take: the server's (`--kakao-upstream`, `--sms-upstream`) or the account's
own, set by an operator. Upstream URLs hold credentials: answers name an upstream by its route only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ..connectors.registry import check
from ..connectors.upstreams import UpstreamError, kakao_route, sms_route
from ..store.upstream_settings import get_upstreams, put_upstreams
from .context import Context
from .errors import InvalidRequest, NotFound

Kind = Literal["sms", "kakao"]


def upstream_problem(kind: Kind, url: str) -> str | None:
    """Why an upstream URL of this kind cannot be used (its scheme, options or credentials), or None."""
    try:
        check(kind, url)
    except UpstreamError as exc:
        return str(exc)
    return None


MAX_UPSTREAMS = 5


async def set_upstreams(ctx: Context, account_id: str, kind: Kind, urls: Sequence[str]) -> None:
    """An account's own ordered upstreams (an operator's setting; first = preferred). Empty: the server's."""
    field = "upstreams" if len(urls) != 1 else "upstream"
    if len(urls) > MAX_UPSTREAMS:
        raise InvalidRequest([(field, f"must list at most {MAX_UPSTREAMS} upstreams")])
    routes = set()
    for index, url in enumerate(urls):
        where = f"upstreams[{index}]" if field == "upstreams" else field
        problem = upstream_problem(kind, url)
        if problem is not None:
            raise InvalidRequest([(where, problem)])
        route = route_of(kind, url)
        if route in routes:
            raise InvalidRequest([(where, "is listed twice")])
        routes.add(route)
    if not await ctx.db.write(put_upstreams(account_id, kind, list(urls))):
        raise NotFound("account")


async def set_upstream(ctx: Context, account_id: str, kind: Kind, upstream: str | None) -> None:
    """An account's own upstream, as a list of one. None: the server's."""
    await set_upstreams(ctx, account_id, kind, [upstream] if upstream is not None else [])


def route_of(kind: Kind, url: str) -> str:
    return kakao_route(url) if kind == "kakao" else sms_route(url)


def server_upstreams(ctx: Context, kind: Kind) -> list[str]:
    if kind == "kakao":
        return [ctx.kakao_upstream, *ctx.kakao_fallbacks]
    return [ctx.sms_upstream, *ctx.sms_fallbacks]


async def kakao_route_of(ctx: Context, account_id: str) -> str:
    """The route of the account's Kakao hops (the preferred one of its list)."""
    _, own = await ctx.db.read(get_upstreams(account_id, "kakao"))
    return kakao_route(own[0] if own else ctx.kakao_upstream)


async def upstream_settings(ctx: Context, account_id: str, kind: Kind) -> dict[str, Any]:
    """The account's `kind` upstreams in order, each by its route (never its URL: it holds credentials) with its
    health as this process sees it."""
    exists, own = await ctx.db.read(get_upstreams(account_id, kind))
    if not exists:
        raise NotFound("account")
    routes = [route_of(kind, url) for url in (own or server_upstreams(ctx, kind))]
    return {
        "route": routes[0],
        "ownUpstream": bool(own),
        "upstreams": [{"route": route, "health": ctx.hooks.upstream_health(route)} for route in routes],
    }


async def kakao_settings(ctx: Context, account_id: str) -> dict[str, Any]:
    return await upstream_settings(ctx, account_id, "kakao")
