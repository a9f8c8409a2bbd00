"""`GET /kakao/1/stats` (extension): delivery statistics of the caller's account."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..service import stats as service
from ..service.auth import LOGS_SCOPES
from .http import context, handled, json_response, principal
from .query import instant, many, one


@handled
async def get_stats(request: Request) -> Response:
    who = await principal(request, LOGS_SCOPES)
    params = request.query_params
    asked = service.StatsRequest(
        start=instant(params, "from"),
        end=instant(params, "to"),
        granularity=one(params, "granularity"),
        group_by=many(params, "groupBy"),
        channel=one(params, "channel"),
        sender=one(params, "sender"),
    )
    return json_response(await service.stats(context(request), who.account_id, asked))


routes = [Route("/kakao/1/stats", get_stats, methods=["GET"])]
