"""The webhooks Infobip upstreams push delivery reports to: POST /upstream/1/sms/reports/<secret> (an
`infobip-sms://` upstream) and POST /upstream/1/kakao/reports/<secret> (an `infobip://` Kakao upstream).

The secret names the upstream (see connectors.infobip_config): every connector of this process that takes pushed
reports has one, compared in constant time. A wrong or missing one is a 401 and nothing is read. Both paths take the
same report body (the SMS and Kakao APIs share it), so they share one handler; the path says which kind of upstream
the secret must belong to.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..connectors.infobip_kakao import REPORTS_PATH as KAKAO_REPORTS_PATH
from ..connectors.infobip_sms_config import REPORTS_PATH as SMS_REPORTS_PATH
from ..connectors.infobip_wire import DeliveryReports
from ..service.upstream_reports import record_pushed
from .errors import api_error
from .http import HttpError, context, handled, json_response, parse


@runtime_checkable
class ReportTarget(Protocol):
    """A connector whose upstream pushes reports to us."""

    route: str
    report_token: str

    def reported(self, seqs: list[int]) -> None: ...


Secret = Callable[[object], str | None]  # a connector's secret of one webhook kind (None: it takes none)


def report_secret(connector: object) -> str | None:
    return connector.report_token if isinstance(connector, ReportTarget) else None


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

    async def find_or_refresh(self, token: str, secret: Secret = report_secret) -> object | None:
        found = self.find(token, secret)
        if found is None and self._refresh is not None:
            now = time.monotonic()
            if now - self._refreshed_at >= self.REFRESH_EVERY_S:
                self._refreshed_at = now
                await self._refresh()
                found = self.find(token, secret)
        return found

    def find(self, token: str, secret: Secret = report_secret) -> object | None:
        """The connector whose `secret` is `token` (every one compared, in constant time)."""
        found: object | None = None
        given = token.encode()
        for connector in list(self._connectors.values()):
            known = secret(connector)
            if known is not None and hmac.compare_digest(known.encode(), given):
                found = connector
        return found


# The route prefix (connectors.upstreams) of the upstreams each webhook path takes reports from.
_KINDS = {SMS_REPORTS_PATH: "SMS:", KAKAO_REPORTS_PATH: "KAKAO:"}


async def _target(request: Request, kind: str) -> ReportTarget:
    targets: ReportTargets | None = getattr(request.app.state, "upstream_reports", None)
    target = await targets.find_or_refresh(request.path_params["token"]) if targets is not None else None
    if not isinstance(target, ReportTarget) or not target.route.startswith(kind):
        raise HttpError(api_error(401, request=request))
    return target


def _receiver(kind: str) -> Callable[[Request], Awaitable[Response]]:
    @handled
    async def receive(request: Request) -> Response:
        target = await _target(request, kind)
        body = await parse(request, DeliveryReports)
        recorded = await record_pushed(context(request), target.route, body.results)
        target.reported(recorded.final)
        return json_response({"received": len(body.results), "settled": recorded.changed})

    return receive


routes = [Route(f"{path}/{{token}}", _receiver(kind), methods=["POST"]) for path, kind in _KINDS.items()]
