"""`/kakao/1/...` extensions: senders, report subscriptions and webhook signing."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.extensions import SenderBody, SubscriptionsBody
from ..service import catalog
from ..service.auth import MANAGE_SCOPES
from . import webhook_signing
from .http import context, handled, json_response, parse, principal


@handled
async def add_sender(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, SenderBody)
    return json_response(
        await catalog.add_sender(context(request), who.account_id, body.sender, body.name, body.targetingEligible)
    )


@handled
async def list_senders(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response({"results": await catalog.list_senders(context(request), who.account_id)})


@handled
async def put_subscriptions(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, SubscriptionsBody)
    return json_response(await catalog.put_subscriptions(context(request), who.account_id, body))


@handled
async def get_subscriptions(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response(await catalog.get_subscriptions(context(request), who.account_id))


routes = [
    Route("/kakao/1/senders", add_sender, methods=["POST"]),
    Route("/kakao/1/senders", list_senders, methods=["GET"]),
    Route("/kakao/1/subscriptions", put_subscriptions, methods=["PUT"]),
    Route("/kakao/1/subscriptions", get_subscriptions, methods=["GET"]),
    *webhook_signing.routes,
]
