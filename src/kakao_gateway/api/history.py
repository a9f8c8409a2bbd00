"""`GET /kakao/1/messages` (extension): the message history, every channel, kept for --history-retention-days after
a message finished (the Infobip logs keep their 48 hours). See docs/history.md."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..service import history
from ..service.auth import LOGS_SCOPES
from ..service.reports import parse_limit
from .http import context, handled, json_response, principal
from .query import instant, one


@handled
async def search_messages(request: Request) -> Response:
    """An account's messages of every channel, newest first, with their current status and their events: by
    destination, bulkId, campaignReferenceId or messageId, and by when they were accepted (since, until: ISO-8601
    with any offset). limit: 1 to 1000 (50); cursor: the previous page's `cursor`, absent on the last page."""
    who = await principal(request, LOGS_SCOPES)
    params = request.query_params
    query = history.HistoryQuery(
        destination=one(params, "destination"),
        bulk_id=one(params, "bulkId"),
        campaign_ref=one(params, "campaignReferenceId"),
        message_id=one(params, "messageId"),
        since=instant(params, "since"),
        until=instant(params, "until"),
    )
    limit = parse_limit(one(params, "limit"))
    page = await history.search(context(request), who.account_id, query, limit, one(params, "cursor"))
    return json_response(page)


routes = [Route("/kakao/1/messages", search_messages, methods=["GET"])]
