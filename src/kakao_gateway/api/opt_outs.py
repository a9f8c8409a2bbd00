"""`/kakao/1/opt-outs`: an account's opt-out (do-not-send) list (kakao:manage); `/sandbox/1/opt-outs`: a sandbox
user calls the account's 080 number and opts out (the number is listed, an OPT_OUT event is pushed)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.common import Wire
from ..service import opt_outs
from ..service.auth import MANAGE_SCOPES
from ..service.reports import parse_limit
from .body_limits import FRIENDS_BYTES, SMALL_BYTES
from .http import context, handled, json_response, nul_free, parse, principal
from .query import one
from .sandbox import ANY_SCOPE

Number = Annotated[str, Field(min_length=1, max_length=32)]
Sender = Annotated[str, Field(min_length=1, max_length=100)]
# Up to 100,000 numbers of at most 32 characters and a sender: the byte limit of the sandbox's friend lists.
OPT_OUTS_BYTES = FRIENDS_BYTES


class OptOutsBody(Wire):
    destinations: Annotated[list[Number], Field(min_length=1, max_length=opt_outs.MAX_PER_CALL)]
    sender: Sender | None = None  # omitted: the entries apply to all the account's senders


class UserOptsOut(Wire):
    destination: Number
    sender: Sender | None = None


@handled
async def add(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, OptOutsBody, OPT_OUTS_BYTES)
    return json_response(await opt_outs.add(context(request), who.account_id, body.destinations, body.sender))


@handled
async def listed(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    params = request.query_params
    limit = parse_limit(one(params, "limit"))
    page = await opt_outs.listed(
        context(request), who.account_id, one(params, "destination"), limit, one(params, "cursor")
    )
    return json_response(page)


@handled
async def remove(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    nul_free(request)
    sender = one(request.query_params, "sender")  # omitted: every entry of the number
    await opt_outs.remove(context(request), who.account_id, request.path_params["destination"], sender)
    return Response(status_code=204)


@handled
async def sandbox_opt_out(request: Request) -> Response:
    who = await principal(request, ANY_SCOPE)
    body = await parse(request, UserOptsOut, SMALL_BYTES)
    return json_response(
        await opt_outs.sandbox_opt_out(context(request), who.account_id, body.destination, body.sender)
    )


routes = [
    Route("/kakao/1/opt-outs", add, methods=["POST"]),
    Route("/kakao/1/opt-outs", listed, methods=["GET"]),
    Route("/kakao/1/opt-outs/{destination}", remove, methods=["DELETE"]),
    Route("/sandbox/1/opt-outs", sandbox_opt_out, methods=["POST"]),
]
