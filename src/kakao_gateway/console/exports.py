"""CSV exports: a history search's messages, a bulk's messages and a Sangdam session's transcript, streamed page by
page (any size, in bounded memory), as UTF-8 with a byte-order mark so that Excel opens Korean text correctly."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..service import bulks, history
from ..service.console import actions as console
from ..service.context import Context
from .history import FIELDS, query_of
from .i18n import ZONES, zone
from .web import ctx_of, handled, viewer

PAGE = 1000  # messages or transcript rows read per statement while streaming
BOM = "\ufeff"
# A cell that starts like a formula is taken for one by spreadsheets (CSV injection): such text gets a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

MESSAGE_COLUMNS = (
    "acceptedAt",
    "sentAt",
    "doneAt",
    "messageId",
    "bulkId",
    "channel",
    "sender",
    "destination",
    "campaignReferenceId",
    "statusGroup",
    "status",
    "statusDescription",
    "error",
    "errorDescription",
    "smsFailover",
    "callbackData",
)
TRANSCRIPT_COLUMNS = ("at", "direction", "messageId", "type", "text", "content", "callbackData", "keyword")


def safe(value: object) -> str:
    """A cell's text: empty for None, and text a spreadsheet would run as a formula quoted."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe(v) for v in row] for row in rows)
    return out.getvalue()


def local_time(wire: str | None) -> str:
    """A wire instant (`2026-11-29T04:00:00.000+0000`) in the viewer's zone, as spreadsheets read dates."""
    if not wire:
        return ""
    try:
        moment = datetime.strptime(wire, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return wire
    return f"{moment.astimezone(ZONES[zone()]):%Y-%m-%d %H:%M:%S}"


def local_ms(ms: int) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZONES[zone()]):%Y-%m-%d %H:%M:%S}"


def with_zone(columns: Sequence[str], timed: Sequence[str]) -> list[str]:
    """Header cells; those holding times name the zone they are in."""
    return [f"{c} ({zone()})" if c in timed else c for c in columns]


def message_row(m: dict[str, Any]) -> list[object]:
    status, error = m.get("status") or {}, m.get("error") or {}
    failover = m.get("failover")
    return [
        local_time(m.get("acceptedAt")),
        local_time(m.get("sentAt")),
        local_time(m.get("doneAt")),
        m.get("messageId"),
        m.get("bulkId"),
        m.get("channel"),
        m.get("sender"),
        m.get("destination"),
        m.get("campaignReferenceId"),
        status.get("groupName"),
        status.get("name"),
        status.get("description"),
        error.get("name"),
        error.get("description"),
        "yes" if failover else "",
        m.get("callbackData"),
    ]


async def message_lines(ctx: Context, account_id: str, q: history.HistoryQuery) -> AsyncIterator[str]:
    yield BOM + csv_lines([with_zone(MESSAGE_COLUMNS, ("acceptedAt", "sentAt", "doneAt"))])
    cursor: str | None = None
    while True:
        found = await history.search(ctx, account_id, q, PAGE, cursor)
        yield csv_lines(message_row(m) for m in found["results"])
        cursor = found.get("cursor")
        if cursor is None:
            return


def transcript_row(row: console.TranscriptRow) -> list[object]:
    content = row.content
    text = content.get("text") if isinstance(content.get("text"), str) else None
    return [
        local_ms(row.at),
        row.direction,
        row.message_id,
        content.get("type"),
        text,
        orjson.dumps(content).decode(),
        row.callback_data,
        row.keyword,
    ]


async def transcript_lines(ctx: Context, account_id: str, session_id: str) -> AsyncIterator[str]:
    yield BOM + csv_lines([with_zone(TRANSCRIPT_COLUMNS, ("at",))])
    after = 0
    while True:
        rows = await console.transcript_after(ctx, account_id, session_id, after, PAGE)
        yield csv_lines(transcript_row(r) for r in rows)
        if len(rows) < PAGE:
            return
        after = rows[-1].seq


def attachment(lines: AsyncIterator[str], filename: str) -> StreamingResponse:
    """A CSV download; the name may hold Korean (RFC 6266's filename*, with an ASCII fallback)."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(
        (line.encode() async for line in lines),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@handled
async def history_csv(request: Request) -> Response:
    who = await viewer(request)
    params = {k: v for k, v in request.query_params.items() if k in FIELDS}
    q = query_of(params)
    history.check(q)  # a bad filter is refused before any line is sent
    return attachment(message_lines(ctx_of(request), who.account, q), "messages.csv")


@handled
async def bulk_csv(request: Request) -> Response:
    who = await viewer(request)
    bulk_id = request.path_params["bulkId"]
    await bulks.status(ctx_of(request), who.account, bulk_id)  # the account's bulk, or 404
    q = history.HistoryQuery(bulk_id=bulk_id)
    return attachment(message_lines(ctx_of(request), who.account, q), f"bulk-{bulk_id}.csv")


@handled
async def transcript_csv(request: Request) -> Response:
    who = await viewer(request)
    session_id = request.path_params["sessionId"]
    await console.session(ctx_of(request), who.account, session_id)  # the account's session, or 404
    return attachment(transcript_lines(ctx_of(request), who.account, session_id), f"transcript-{session_id}.csv")
