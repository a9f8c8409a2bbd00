"""SMS failover settings: `/kakao/1/sms/settings` (an account's default SMS sender) and
`/admin/1/accounts/{id}/sms` (an account's own SMS upstream, an operator's setting: the URL holds credentials)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.sms import SmsSettingsBody, SmsUpstreamBody
from ..service import sms
from ..service.auth import MANAGE_SCOPES
from .http import context, handled, json_response, parse, principal, require_admin


@handled
async def get_settings(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response(await sms.get_settings(context(request), who.account_id))


@handled
async def put_settings(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, SmsSettingsBody)
    return json_response(await sms.set_default_sender(context(request), who.account_id, body.defaultSender))


@handled
async def put_upstream(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, SmsUpstreamBody)
    return json_response(await sms.set_upstream(context(request), request.path_params["id"], body.upstream))


routes = [
    Route("/kakao/1/sms/settings", get_settings, methods=["GET"]),
    Route("/kakao/1/sms/settings", put_settings, methods=["PUT"]),
    Route("/admin/1/accounts/{id}/sms", put_upstream, methods=["PUT"]),
]
