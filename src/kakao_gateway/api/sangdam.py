"""`/kakao-sangdam/1/...`: Sangdam send, delivery reports and logs (Infobip's spec), and the inbound pull; and the
Sangdam extensions under `/kakao/1/sangdam/...`: sessions, transcripts, the session timeout and keywords."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.sangdam import Keywords, SangdamRequest, SangdamSettings
from ..service import reports
from ..service.auth import LOGS_SCOPES, MANAGE_SCOPES, SEND_SCOPES
from ..service.sangdam import sessions as sangdam
from .body_limits import KEYWORDS_BYTES, SEND_BYTES, SMALL_BYTES
from .channel_reports import logs_for, pull_reports_for
from .http import context, handled, json_response, parse, principal
from .query import one

CHANNEL = "SANGDAM"


@handled
async def send(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, SangdamRequest, SEND_BYTES)
    return json_response(await sangdam.send(context(request), who.account_id, body))


@handled
async def pull_reports(request: Request) -> Response:
    return await pull_reports_for(request, CHANNEL)


@handled
async def logs(request: Request) -> Response:
    return await logs_for(request, CHANNEL)


@handled
async def pull_inbound(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    limit = reports.parse_limit(one(request.query_params, "limit"))
    return json_response(await sangdam.pull_inbound(context(request), who.account_id, limit))


@handled
async def list_sessions(request: Request) -> Response:
    who = await principal(request, LOGS_SCOPES)
    params = request.query_params
    body = await sangdam.list_sessions(
        context(request),
        who.account_id,
        one(params, "sender"),
        one(params, "state"),
        reports.parse_limit(one(params, "limit")),
        one(params, "cursor"),
    )
    return json_response(body)


@handled
async def transcript(request: Request) -> Response:
    who = await principal(request, LOGS_SCOPES)
    params = request.query_params
    body = await sangdam.transcript(
        context(request),
        who.account_id,
        request.path_params["sessionId"],
        reports.parse_limit(one(params, "limit") or "1000"),
        one(params, "cursor"),
    )
    return json_response(body)


@handled
async def get_settings(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response(await sangdam.get_settings(context(request), who.account_id))


@handled
async def put_settings(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, SangdamSettings, SMALL_BYTES)
    return json_response(await sangdam.put_settings(context(request), who.account_id, body.sessionTimeoutMinutes))


@handled
async def get_keywords(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response(await sangdam.get_keywords(context(request), who.account_id))


@handled
async def put_keywords(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, Keywords, KEYWORDS_BYTES)
    return json_response(await sangdam.put_keywords(context(request), who.account_id, body.keywords))


routes = [
    Route("/kakao-sangdam/1/messages", send, methods=["POST"]),
    Route("/kakao-sangdam/1/reports", pull_reports, methods=["GET"]),
    Route("/kakao-sangdam/1/logs", logs, methods=["GET"]),
    Route("/kakao-sangdam/1/inbound", pull_inbound, methods=["GET"]),
    Route("/kakao/1/sangdam/sessions", list_sessions, methods=["GET"]),
    Route("/kakao/1/sangdam/sessions/{sessionId}/messages", transcript, methods=["GET"]),
    Route("/kakao/1/sangdam/settings", get_settings, methods=["GET"]),
    Route("/kakao/1/sangdam/settings", put_settings, methods=["PUT"]),
    Route("/kakao/1/sangdam/keywords", get_keywords, methods=["GET"]),
    Route("/kakao/1/sangdam/keywords", put_keywords, methods=["PUT"]),
]
