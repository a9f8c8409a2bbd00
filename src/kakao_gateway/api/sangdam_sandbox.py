"""`/sandbox/1/sangdam/...`: simulated Kakao users of the sandbox write to a sender, press reply buttons, and show
their conversation (public contract: README, "Kakao Sangdam")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.sangdam import UserReplies, UserWrites
from ..service.errors import InvalidRequest
from ..service.sangdam import sandbox as sangdam_sandbox
from .http import context, handled, json_response, parse, principal
from .query import one
from .sandbox import ANY_SCOPE


@handled
async def user_writes(request: Request) -> Response:
    who = await principal(request, ANY_SCOPE)
    body = await parse(request, UserWrites)
    return json_response(await sangdam_sandbox.user_writes(context(request), who.account_id, body))


@handled
async def user_replies(request: Request) -> Response:
    who = await principal(request, ANY_SCOPE)
    body = await parse(request, UserReplies)
    return json_response(await sangdam_sandbox.user_replies(context(request), who.account_id, body))


@handled
async def conversation(request: Request) -> Response:
    who = await principal(request, ANY_SCOPE)
    sender = one(request.query_params, "sender")
    if sender is None:
        raise InvalidRequest([("sender", "must not be null")])
    user_key = request.path_params["userKey"]
    return json_response(await sangdam_sandbox.conversation(context(request), who.account_id, user_key, sender))


routes = [
    Route("/sandbox/1/sangdam/messages", user_writes, methods=["POST"]),
    Route("/sandbox/1/sangdam/replies", user_replies, methods=["POST"]),
    Route("/sandbox/1/sangdam/users/{userKey}/conversation", conversation, methods=["GET"]),
]
