"""`/kakao/1/webhook-signing` (extension): the account's Standard Webhooks signing secret."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..service import webhook_signing
from ..service.auth import MANAGE_SCOPES
from .http import context, handled, json_response, parse, principal


class WebhookSigningBody(BaseModel):
    """`{"secret": "whsec_..."}`, or `{}` to have one generated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret: str | None = None


@handled
async def put_signing(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, WebhookSigningBody)
    return json_response(await webhook_signing.put_secret(context(request), who.account_id, body.secret))


@handled
async def get_signing(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response(await webhook_signing.get_signing(context(request), who.account_id))


@handled
async def delete_signing(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    await webhook_signing.delete_secrets(context(request), who.account_id)
    return Response(status_code=204)


routes = [
    Route("/kakao/1/webhook-signing", put_signing, methods=["PUT"]),
    Route("/kakao/1/webhook-signing", get_signing, methods=["GET"]),
    Route("/kakao/1/webhook-signing", delete_signing, methods=["DELETE"]),
]
