"""`/kakao-alim/1/...`: send, delivery reports, logs (Infobip's spec) and Alim templates (extension)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.alim import AlimRequest
from ..schemas.extensions import AlimTemplateBody, AlimTemplateUpdate
from ..service import alim, catalog, reports
from ..service.auth import LOGS_SCOPES, MANAGE_SCOPES, SEND_SCOPES
from ..service.errors import InvalidRequest
from .http import context, handled, json_response, parse, principal
from .query import boolean, log_filter, one, pull_filter

CHANNEL = "ALIM"


@handled
async def send(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, AlimRequest)
    return json_response(await alim.send(context(request), who.account_id, body))


@handled
async def pull_reports(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    params = request.query_params
    limit = reports.parse_limit(one(params, "limit"))
    return json_response(await reports.pull(context(request), who.account_id, CHANNEL, pull_filter(params), limit))


async def logs_for(request: Request, channel: str) -> Response:
    who = await principal(request, LOGS_SCOPES)
    params = request.query_params
    limit = reports.parse_limit(one(params, "limit"))
    statuses = reports.status_ids(one(params, "generalStatus"))
    body = await reports.logs(
        context(request),
        who.account_id,
        channel,
        log_filter(params, statuses),
        limit,
        boolean(params, "useCursor"),
        one(params, "cursor"),
    )
    return json_response(body)


@handled
async def logs(request: Request) -> Response:
    return await logs_for(request, CHANNEL)


def _sender(request: Request) -> str:
    sender = one(request.query_params, "sender")
    if sender is None:
        raise InvalidRequest([("sender", "must not be null")])
    return sender


@handled
async def create_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, AlimTemplateBody)
    return json_response(await catalog.create_template(context(request), who.account_id, body))


@handled
async def list_templates(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    found = await catalog.list_templates(context(request), who.account_id, one(request.query_params, "sender"))
    return json_response({"results": found})


@handled
async def get_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    code = request.path_params["templateCode"]
    return json_response(await catalog.get_template(context(request), who.account_id, _sender(request), code))


@handled
async def update_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, AlimTemplateUpdate)
    code = request.path_params["templateCode"]
    return json_response(await catalog.update_template(context(request), who.account_id, _sender(request), code, body))


@handled
async def delete_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    await catalog.delete_template(
        context(request), who.account_id, _sender(request), request.path_params["templateCode"]
    )
    return Response(status_code=204)


routes = [
    Route("/kakao-alim/1/messages", send, methods=["POST"]),
    Route("/kakao-alim/1/reports", pull_reports, methods=["GET"]),
    Route("/kakao-alim/1/logs", logs, methods=["GET"]),
    Route("/kakao-alim/1/templates", create_template, methods=["POST"]),
    Route("/kakao-alim/1/templates", list_templates, methods=["GET"]),
    Route("/kakao-alim/1/templates/{templateCode}", get_template, methods=["GET"]),
    Route("/kakao-alim/1/templates/{templateCode}", update_template, methods=["PUT"]),
    Route("/kakao-alim/1/templates/{templateCode}", delete_template, methods=["DELETE"]),
]
