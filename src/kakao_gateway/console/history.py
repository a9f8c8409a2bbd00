"""History: an account's messages of every channel for --history-retention-days (the Messages page shows the logs'
48 hours of one channel), by destination, bulkId, campaignReferenceId, messageId and the days they were accepted,
cursor-paged, newest first; each message links to its timeline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response

from ..api.query import one
from ..domain.korean_numbers import to_international
from ..domain.times import parse_instant
from ..service import history
from ..service.errors import InvalidRequest
from .i18n import ZONES, zone
from .web import ctx_of, handled, page, viewer

PAGE = 50
FIELDS = ("destination", "bulkId", "campaignReferenceId", "messageId", "since", "until")
DAY = timedelta(days=1)


def day_or_instant(params: dict[str, str], name: str, end: bool) -> int | None:
    """A date (`2026-11-29`: that day in the viewer's zone, its start for `since`, its end for `until`) or an
    ISO-8601 instant with an offset."""
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        try:
            return parse_instant(value)
        except ValueError:
            raise InvalidRequest([(name, "must be a date (2026-11-29) or a date-time with an offset")]) from None
    start = datetime.combine(day + DAY if end else day, time(), ZONES[zone()])
    return int(start.timestamp() * 1000) - (1 if end else 0)


def query_of(params: dict[str, str]) -> history.HistoryQuery:
    destination = params.get("destination", "").strip() or None
    if destination is not None:  # a phone number as people type it (010-1234-5678); a user key as it is
        destination = to_international(destination) or destination
    return history.HistoryQuery(
        destination=destination,
        bulk_id=params.get("bulkId", "").strip() or None,
        campaign_ref=params.get("campaignReferenceId", "").strip() or None,
        message_id=params.get("messageId", "").strip() or None,
        since=day_or_instant(params, "since", end=False),
        until=day_or_instant(params, "until", end=True),
    )


@handled
async def history_page(request: Request) -> Response:
    who = await viewer(request)
    params = {k: v for k, v in request.query_params.items() if k in (*FIELDS, "cursor")}
    values: dict[str, object] = {"who": who, "form": {f: params.get(f, "") for f in FIELDS}}
    try:
        found = await history.search(
            ctx_of(request), who.account, query_of(params), PAGE, one(request.query_params, "cursor")
        )
    except InvalidRequest as exc:
        values["error"] = "; ".join(f"{p}: {v}" for p, v in exc.violations)
        return page(request, "history.html", values, 400)
    values["results"] = found["results"]
    values["export_query"] = {k: v for k, v in params.items() if k != "cursor" and v}
    if "cursor" in found:
        values["next_query"] = {**{k: v for k, v in params.items() if k != "cursor" and v}, "cursor": found["cursor"]}
    return page(request, "history.html", values)
