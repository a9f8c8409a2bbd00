"""Delivery reports and logs of one channel (Infobip's `GET /kakao-<channel>/1/reports` and `.../logs`): the same
for Alim, Brand and Sangdam, each filtered to its own channel.

The logs operations are limited as the spec's `x-throttling-info` says: 120 requests a minute per account
on each (`--logs-rate-limit`), answered 429 E429 with `Retry-After` beyond that."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import Response

from ..service import reports
from ..service.auth import LOGS_SCOPES, SEND_SCOPES
from ..service.logs_rate import Throttled, count_logs_request
from .errors import api_error
from .http import HttpError, context, json_response, principal
from .query import boolean, log_filter, one, pull_filter


async def pull_reports_for(request: Request, channel: str) -> Response:
    who = await principal(request, SEND_SCOPES)
    params = request.query_params
    limit = reports.parse_limit(one(params, "limit"))
    return json_response(await reports.pull(context(request), who.account_id, channel, pull_filter(params), limit))


async def _count_logs_request(request: Request, channel: str, account_id: str) -> None:
    per_minute: int = request.app.state.logs_rate_limit
    try:
        await count_logs_request(context(request), channel, account_id, per_minute)
    except Throttled as exc:
        response = api_error(429, request=request)
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_ms / 1000)))
        raise HttpError(response) from None


async def logs_for(request: Request, channel: str) -> Response:
    who = await principal(request, LOGS_SCOPES)
    await _count_logs_request(request, channel, who.account_id)
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
