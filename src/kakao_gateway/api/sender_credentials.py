"""`/kakao/1/senders/{sender}/upstream-credentials`: set or remove a sender's upstream credentials (write-only:
no endpoint returns them)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..connectors.credentials import SenderCredentials
from ..schemas.sender_credentials import SenderCredentialsBody
from ..service import sender_credentials
from ..service.auth import MANAGE_SCOPES
from .http import context, handled, json_response, parse, principal


@handled
async def put_credentials(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, SenderCredentialsBody)
    creds = SenderCredentials(body.appKey, body.secretKey, body.senderKey)
    box: sender_credentials.SecretBox | None = request.app.state.secret_box
    sender = request.path_params["sender"]
    return json_response(await sender_credentials.put_credentials(context(request), box, who.account_id, sender, creds))


@handled
async def delete_credentials(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    sender = request.path_params["sender"]
    return json_response(await sender_credentials.delete_credentials(context(request), who.account_id, sender))


routes = [
    Route("/kakao/1/senders/{sender}/upstream-credentials", put_credentials, methods=["PUT"]),
    Route("/kakao/1/senders/{sender}/upstream-credentials", delete_credentials, methods=["DELETE"]),
]
