"""Which upstream an account's messages take: the server's (`--kakao-upstream`, `--sms-upstream`) or the account's
own, set by an operator. Upstream URLs hold credentials: answers name an upstream by its route only."""

from __future__ import annotations

from typing import Any, Literal

from ..connectors.registry import check
from ..connectors.upstreams import UpstreamError, kakao_route
from ..store.upstream_settings import get_kakao_upstream, put_upstream
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


async def set_upstream(ctx: Context, account_id: str, kind: Kind, upstream: str | None) -> None:
    """An account's own upstream (an operator's setting). None: the server's."""
    problem = upstream_problem(kind, upstream) if upstream is not None else None
    if problem is not None:
        raise InvalidRequest([("upstream", problem)])
    if not await ctx.db.write(put_upstream(account_id, kind, upstream)):
        raise NotFound("account")


async def kakao_route_of(ctx: Context, account_id: str) -> str:
    """The route of the account's Kakao hops."""
    _, own = await ctx.db.read(get_kakao_upstream(account_id))
    return kakao_route(own or ctx.kakao_upstream)


async def kakao_settings(ctx: Context, account_id: str) -> dict[str, Any]:
    exists, own = await ctx.db.read(get_kakao_upstream(account_id))
    if not exists:
        raise NotFound("account")
    return {"route": kakao_route(own or ctx.kakao_upstream), "ownUpstream": own is not None}
