"""The webhook an Infobip Kakao upstream (`infobip://`) pushes Sangdam users' messages to:
POST /upstream/1/kakao/inbound/<secret>, the URL given to Infobip as the channel's inbound URL.

Guarded as the report webhooks are (api.upstream_reports): the secret names the upstream (its `inbound_token`, not
its report one), compared in constant time; a wrong or missing one is a 401 and nothing is read. The body is a
KakaoSangdamInboundResponse; a channel no account has on that upstream is a 404 and nothing is written.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..connectors.infobip_kakao import INBOUND_PATH
from ..connectors.infobip_kakao_wire import InboundMessages
from ..service.upstream_inbound import record_inbound
from .errors import api_error
from .http import HttpError, context, handled, json_response, parse
from .upstream_reports import ReportTargets


@runtime_checkable
class InboundTarget(Protocol):
    """A connector whose upstream pushes Sangdam inbound to us."""

    route: str
    inbound_token: str


def inbound_secret(connector: object) -> str | None:
    return connector.inbound_token if isinstance(connector, InboundTarget) else None


async def _target(request: Request) -> InboundTarget:
    targets: ReportTargets | None = getattr(request.app.state, "upstream_reports", None)
    token = request.path_params["token"]
    target = await targets.find_or_refresh(token, inbound_secret) if targets is not None else None
    if not isinstance(target, InboundTarget):
        raise HttpError(api_error(401, request=request))
    return target


@handled
async def receive(request: Request) -> Response:
    target = await _target(request)
    body = await parse(request, InboundMessages)
    written = await record_inbound(context(request), target.route, body.results)
    return json_response({"received": written.received, "written": written.written})


routes = [Route(f"{INBOUND_PATH}/{{token}}", receive, methods=["POST"])]
