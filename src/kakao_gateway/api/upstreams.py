"""Upstream settings: `/kakao/1/sms/settings` (an account's default SMS sender), and an operator's
`/admin/1/accounts/{id}/sms` and `/admin/1/accounts/{id}/kakao` (an account's own SMS and Kakao upstreams: the URLs
hold credentials, so only operators set them and no answer shows them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.sms import SmsSettingsBody, SmsUpstreamBody
from ..service import sms, upstreams
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
    account_id = request.path_params["id"]
    await upstreams.set_upstreams(context(request), account_id, "sms", body.urls())
    return json_response(await _sms_answer(request, account_id))


@handled
async def get_sms_upstream(request: Request) -> Response:
    await require_admin(request)
    return json_response(await _sms_answer(request, request.path_params["id"]))


async def _sms_answer(request: Request, account_id: str) -> dict[str, object]:
    listed = await upstreams.upstream_settings(context(request), account_id, "sms")
    return {**await sms.get_settings(context(request), account_id), "upstreams": listed["upstreams"]}


@handled
async def put_kakao_upstream(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, SmsUpstreamBody)
    account_id = request.path_params["id"]
    await upstreams.set_upstreams(context(request), account_id, "kakao", body.urls())
    return json_response(await upstreams.kakao_settings(context(request), account_id))


@handled
async def get_kakao_upstream(request: Request) -> Response:
    await require_admin(request)
    return json_response(await upstreams.kakao_settings(context(request), request.path_params["id"]))


routes = [
    Route("/kakao/1/sms/settings", get_settings, methods=["GET"]),
    Route("/kakao/1/sms/settings", put_settings, methods=["PUT"]),
    Route("/admin/1/accounts/{id}/sms", put_upstream, methods=["PUT"]),
    Route("/admin/1/accounts/{id}/sms", get_sms_upstream, methods=["GET"]),
    Route("/admin/1/accounts/{id}/kakao", put_kakao_upstream, methods=["PUT"]),
    Route("/admin/1/accounts/{id}/kakao", get_kakao_upstream, methods=["GET"]),
]
