"""`/kakao-alim/1/...`: send, delivery reports, logs (Infobip's spec) and Alim templates (extension)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.alim import AlimRequest
from ..schemas.extensions import AlimTemplateBody, AlimTemplateUpdate, TemplateComment
from ..service import alim, catalog
from ..service.auth import MANAGE_SCOPES, SEND_SCOPES
from ..service.errors import InvalidRequest
from .body_limits import SEND_BYTES, TEMPLATE_BYTES
from .channel_reports import logs_for, pull_reports_for
from .http import context, handled, json_response, parse, principal
from .query import one

CHANNEL = "ALIM"


@handled
async def send(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, AlimRequest, SEND_BYTES)
    return json_response(await alim.send(context(request), who.account_id, body))


@handled
async def pull_reports(request: Request) -> Response:
    return await pull_reports_for(request, CHANNEL)


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
    body = await parse(request, AlimTemplateBody, TEMPLATE_BYTES)
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
    body = await parse(request, AlimTemplateUpdate, TEMPLATE_BYTES)
    code = request.path_params["templateCode"]
    return json_response(await catalog.update_template(context(request), who.account_id, _sender(request), code, body))


@handled
async def comment_template(request: Request) -> Response:
    """A client's reply to its template's inspection (extension): added to the template's comments."""
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, TemplateComment, TEMPLATE_BYTES)
    code = request.path_params["templateCode"]
    return json_response(await catalog.comment_template(context(request), who.account_id, _sender(request), code, body))


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
    Route("/kakao-alim/1/templates/{templateCode}/comments", comment_template, methods=["POST"]),
]
