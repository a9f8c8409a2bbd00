"""Delivery reports and logs of one channel (Infobip's `GET /kakao-<channel>/1/reports` and `.../logs`): the same
for Alim, Brand and Sangdam, each filtered to its own channel."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service import reports
from ..service.auth import LOGS_SCOPES, SEND_SCOPES
from .http import context, json_response, principal
from .query import boolean, log_filter, one, pull_filter


async def pull_reports_for(request: Request, channel: str) -> Response:
    who = await principal(request, SEND_SCOPES)
    params = request.query_params
    limit = reports.parse_limit(one(params, "limit"))
    return json_response(await reports.pull(context(request), who.account_id, channel, pull_filter(params), limit))


async def logs_for(request: Request, channel: str) -> Response:
    who = await principal(request, LOGS_SCOPES)
    params = request.query_params
    limit = reports.parse_limit(one(params, "limit"))
    statuses = reports.status_ids(one(params, "generalStatus"))
    body = await reports.logs(
        context(request),
        who.account_id,
        channel,
        log_filter(params, statuses),
        limit,
        boolean(params, "useCursor"),
        one(params, "cursor"),
    )
    return json_response(body)
