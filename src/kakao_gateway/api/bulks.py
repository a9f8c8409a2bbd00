"""`/kakao/1/bulks...`: control of scheduled and running bulks (extension)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.alim import AlimRequest
from ..schemas.brand import BrandRequest
from ..schemas.bulks import BulkSchedule, BulkSpeed, BulkStatusChange
from ..schemas.common import instant_ms
from ..service import bulks
from ..service.auth import SEND_SCOPES
from ..service.errors import InvalidRequest
from .body_limits import SEND_BYTES, SMALL_BYTES
from .http import context, handled, json_response, parse, principal
from .query import one


def _bulk_id(request: Request) -> str | None:
    return one(request.query_params, "bulkId")


@handled
async def get_schedule(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    return json_response(await bulks.get_schedule(context(request), who.account_id, _bulk_id(request)))


@handled
async def put_schedule(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, BulkSchedule, SMALL_BYTES)
    send_at = instant_ms(body.sendAt)
    return json_response(await bulks.reschedule(context(request), who.account_id, _bulk_id(request), send_at))


@handled
async def get_status(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    return json_response(await bulks.status(context(request), who.account_id, _bulk_id(request)))


@handled
async def put_status(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, BulkStatusChange, SMALL_BYTES)
    return json_response(await bulks.change_status(context(request), who.account_id, _bulk_id(request), body.status))


@handled
async def put_speed(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, BulkSpeed, SMALL_BYTES)
    result = await bulks.change_speed(context(request), who.account_id, _bulk_id(request), body.amount, body.timeUnit)
    return json_response(result)


@handled
async def plan(request: Request) -> Response:
    """A dry run of an Alim send body, or of a Brand one with `?channel=BRAND` (which adds advertising hours)."""
    who = await principal(request, SEND_SCOPES)
    channel = (one(request.query_params, "channel") or "ALIM").upper()
    if channel not in ("ALIM", "BRAND"):
        raise InvalidRequest([("channel", "must be ALIM or BRAND")])
    body: AlimRequest | BrandRequest = await parse(
        request, BrandRequest if channel == "BRAND" else AlimRequest, SEND_BYTES
    )
    return json_response(await bulks.plan(context(request), who.account_id, body))


routes = [
    Route("/kakao/1/bulks", get_schedule, methods=["GET"]),
    Route("/kakao/1/bulks", put_schedule, methods=["PUT"]),
    Route("/kakao/1/bulks/status", get_status, methods=["GET"]),
    Route("/kakao/1/bulks/status", put_status, methods=["PUT"]),
    Route("/kakao/1/bulks/speed", put_speed, methods=["PUT"]),
    Route("/kakao/1/bulks/plan", plan, methods=["POST"]),
]
