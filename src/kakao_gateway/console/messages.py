"""Messages: search with the logs' filters on any channel (keyset pages, newest first), and one message's timeline."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..api.query import log_filter, one
from ..domain.status import STATUS_GROUPS
from ..service import reports
from ..service.console import messages as console_messages
from ..service.errors import InvalidRequest
from .web import ctx_of, handled, page, viewer

PAGE = 50
FIELDS = ("sender", "destination", "bulkId", "messageId", "campaignReferenceId", "sentSince", "sentUntil")


@handled
async def messages_page(request: Request) -> Response:
    who = await viewer(request)
    params = request.query_params
    channel = one(params, "channel") or "ALIM"
    values: dict[str, object] = {
        "who": who,
        "channels": console_messages.CHANNELS,
        "channel": channel,
        "groups": STATUS_GROUPS.values(),
        "form": {f: params.get(f, "") for f in (*FIELDS, "generalStatus")},
        "cursor": params.get("cursor"),
    }
    if channel not in console_messages.CHANNELS:
        values["error"] = f"channel: must be one of {', '.join(console_messages.CHANNELS)}"
        return page(request, "messages.html", values, 400)
    try:
        statuses = reports.status_ids(one(params, "generalStatus"))
        search = console_messages.typed_numbers(log_filter(params, statuses), channel)
        found = await reports.logs(ctx_of(request), who.account, channel, search, PAGE, True, one(params, "cursor"))
    except InvalidRequest as exc:
        values["error"] = "; ".join(f"{p}: {v}" for p, v in exc.violations)
        return page(request, "messages.html", values, 400)
    values["results"] = found["results"]
    next_cursor = found["cursor"].get("nextCursor")
    if next_cursor:
        query = {k: v for k, v in params.items() if k != "cursor" and v}
        query["cursor"] = next_cursor
        values["next_query"] = query
    return page(request, "messages.html", values)


@handled
async def timeline_page(request: Request) -> Response:
    who = await viewer(request)
    story = await console_messages.timeline(ctx_of(request), who.account, request.path_params["messageId"])
    return page(request, "timeline.html", {"who": who, "t": story})
