"""`/kakao-brand-messages/1/templates` (Infobip's spec) and `/kakao/1/sender-groups` (extension)."""

from __future__ import annotations

import math

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.brand_templates import INT32_MAX, CreateTemplateRequest, SenderGroupBody
from ..service import brand_templates
from ..service.auth import MANAGE_SCOPES
from ..service.brand_templates import TemplateNotFound, Throttled
from ..service.errors import InvalidRequest
from .errors import _xml, api_error, api_error_body, wants_xml
from .http import context, handled, json_response, parse, principal
from .query import instant, one

DOCS = {
    "name": "API documentation",
    "url": "https://www.infobip.com/docs/api/channels/kakao/chingu/kakao-brand-template-management",
}


def not_found(request: Request) -> Response:
    """The spec's 404 of `/templates/single` and PUT `/templates/{templateCode}`, resources included."""
    body = api_error_body(404, [("templateCode", brand_templates.TEMPLATE_NOT_FOUND)])
    body["resources"] = [DOCS]
    if wants_xml(request):
        return Response(_xml(body), 404, media_type="application/xml")
    return Response(orjson.dumps(body), 404, media_type="application/json")


def _text(params: QueryParams, name: str, max_length: int) -> str | None:
    value = one(params, name)
    if value is not None and len(value) > max_length:
        raise InvalidRequest([(name, f"size must be between 1 and {max_length}")])
    return value


def _int(params: QueryParams, name: str, default: int, minimum: int) -> int:
    value = one(params, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidRequest([(name, "must be an integer")]) from None
    if not minimum <= number <= INT32_MAX:
        raise InvalidRequest([(name, f"must be between {minimum} and {INT32_MAX}")])
    return number


@handled
async def list_templates(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    params = request.query_params
    body = await brand_templates.list_modified(
        context(request),
        who.account_id,
        _text(params, "senderKey", 40),
        _text(params, "senderGroupKey", 40),
        instant(params, "since"),
        _int(params, "page", 1, 1),
        _int(params, "size", 100, 1),
    )
    return json_response(body)


@handled
async def create_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    try:
        await brand_templates.take_create_slot(context(request), who.account_id)
    except Throttled as exc:
        response = api_error(429, request=request)
        response.headers["Retry-After"] = str(math.ceil(exc.retry_after_ms / 1000))
        return response
    body = await parse(request, CreateTemplateRequest)
    return json_response(await brand_templates.create_template(context(request), who.account_id, body))


@handled
async def get_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    params = request.query_params
    sender = _text(params, "sender", 40)
    group = _text(params, "senderGroup", 40)
    code = _text(params, "templateCode", 50)
    problems = []
    if sender is None and group is None:
        problems.append(("sender", "must not be null when senderGroup is not given"))
    if code is None:
        problems.append(("templateCode", "must not be null"))
    if problems or code is None:
        raise InvalidRequest(problems)
    try:
        found = await brand_templates.get_template(context(request), who.account_id, sender, group, code)
    except TemplateNotFound:
        return not_found(request)
    return json_response(found)


@handled
async def update_template(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, CreateTemplateRequest)
    try:
        await brand_templates.update_template(
            context(request), who.account_id, request.path_params["templateCode"], body
        )
    except TemplateNotFound:
        return not_found(request)
    return Response(status_code=204)


@handled
async def save_sender_group(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, SenderGroupBody)
    return json_response(await brand_templates.save_group(context(request), who.account_id, body))


@handled
async def list_sender_groups(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response({"results": await brand_templates.list_groups(context(request), who.account_id)})


routes = [
    Route("/kakao-brand-messages/1/templates", list_templates, methods=["GET"]),
    Route("/kakao-brand-messages/1/templates", create_template, methods=["POST"]),
    Route("/kakao-brand-messages/1/templates/single", get_template, methods=["GET"]),
    Route("/kakao-brand-messages/1/templates/{templateCode}", update_template, methods=["PUT"]),
    Route("/kakao/1/sender-groups", save_sender_group, methods=["POST"]),
    Route("/kakao/1/sender-groups", list_sender_groups, methods=["GET"]),
]
