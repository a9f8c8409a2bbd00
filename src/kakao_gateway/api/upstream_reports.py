"""The webhooks upstreams push delivery reports to, as their providers declare them (connectors/provider.Webhook):
POST /upstream/1/sms/reports/<secret> (an `infobip-sms://` upstream), POST /upstream/1/kakao/reports/<secret> (an
`infobip://` Kakao upstream), and any an installed provider adds.

The secret names the upstream: every connector of this process that takes pushed reports has one, compared in
constant time. A wrong or missing one, or one of an upstream whose provider does not serve that path, is a 401 and
nothing is read. The body is validated with the provider's model (a 400 naming the field) and read by the provider
into late results, recorded as polled ones are.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..connectors import registry
from ..connectors.provider import Webhook
from ..service.upstream_reports import record_pushed
from .errors import api_error
from .http import HttpError, context, handled, json_response, parse


@runtime_checkable
class Reported(Protocol):
    """A connector that wants to know which of its rows got a final report pushed (it stops polling for them)."""

    def reported(self, seqs: list[int]) -> None: ...


Secret = Callable[[object], str | None]  # a connector's secret of one webhook (None: it takes none)


class ReportTargets:
    """The gateway's connectors (its live mapping by route), as the webhooks of upstreams (reports, inbound) see
    them: each finds its connector by a secret of its kind. A token no connector knows may belong to an account's
    own upstream this process has not built yet (an API-only process): `refresh` builds them, at most once per
    REFRESH_EVERY_S, so unknown tokens cannot make every request read the database."""

    REFRESH_EVERY_S = 5.0

    def __init__(self, connectors: Mapping[str, object], refresh: Callable[[], Awaitable[None]] | None = None) -> None:
        self._connectors = connectors
        self._refresh = refresh
        self._refreshed_at = -self.REFRESH_EVERY_S

    async def find_or_refresh(self, token: str, secret: Secret) -> object | None:
        found = self.find(token, secret)
        if found is None and self._refresh is not None:
            now = time.monotonic()
            if now - self._refreshed_at >= self.REFRESH_EVERY_S:
                self._refreshed_at = now
                await self._refresh()
                found = self.find(token, secret)
        return found

    def find(self, token: str, secret: Secret) -> object | None:
        """The connector whose `secret` is `token` (every one compared, in constant time)."""
        found: object | None = None
        given = token.encode()
        for connector in list(self._connectors.values()):
            known = secret(connector)
            if known is not None and hmac.compare_digest(known.encode(), given):
                found = connector
        return found


async def find_target(request: Request, hook: Webhook) -> tuple[object, str]:
    """The connector whose secret for `hook` is the path's token and whose provider serves `hook` (401 if none)."""
    targets: ReportTargets = request.app.state.upstream_reports
    target = await targets.find_or_refresh(request.path_params["token"], hook.secret)
    route = getattr(target, "route", None)
    if target is None or not isinstance(route, str) or not registry.serves(route, hook):
        raise HttpError(api_error(401, request=request))
    return target, route


def _receiver(hook: Webhook) -> Callable[[Request], Awaitable[Response]]:
    read = hook.reports
    assert read is not None

    @handled
    async def receive(request: Request) -> Response:
        target, route = await find_target(request, hook)
        body = await parse(request, hook.body)
        results = read(body)
        recorded = await record_pushed(context(request), route, results)
        if isinstance(target, Reported):
            target.reported(recorded.final)
        received = getattr(body, "results", results)  # every report of the push, final or not
        return json_response({"received": len(received), "settled": recorded.changed})

    return receive


routes = [Route(f"{hook.path}/{{token}}", _receiver(hook), methods=["POST"]) for hook in registry.webhooks("reports")]
