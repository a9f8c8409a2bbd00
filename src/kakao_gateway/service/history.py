"""Message history: an account's messages of every channel, kept for --history-retention-days after they finished
(the Infobip logs show 48 hours of them), each with its current status, its delivery report's fields and its events.
Used by `GET /kakao/1/messages` and the console's History page."""

from __future__ import annotations

from typing import Any

import orjson

from ..domain.reports import delivery_report
from ..domain.status import ERROR_BY_ID, STATUS_BY_ID
from ..domain.times import format_ms
from ..store import history as store
from ..store.history import HistoryQuery as HistoryQuery  # re-exported: the API and the console build queries
from ..store.message_rows import facts_of
from ..store.sql import Row
from .context import Context
from .errors import InvalidRequest
from .reports import decode_cursor, encode_cursor

MAX_VALUE_CHARS = 2048
DROPPED = ("price", "messageCount", "to")  # a report's fields that say nothing here (`to` is `destination`)


def check(q: HistoryQuery) -> None:
    problems = [
        (name, f"must be at most {MAX_VALUE_CHARS} characters")
        for name, value in (
            ("destination", q.destination),
            ("bulkId", q.bulk_id),
            ("campaignReferenceId", q.campaign_ref),
            ("messageId", q.message_id),
        )
        if value is not None and len(value) > MAX_VALUE_CHARS
    ]
    if q.since is not None and q.until is not None and q.until < q.since:
        problems.append(("until", "must not be before since"))
    if problems:
        raise InvalidRequest(problems)


async def search(ctx: Context, account_id: str, q: HistoryQuery, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of messages, newest first: {"results": [...], "cursor": "<next page>"} (no cursor on the last page)."""
    check(q)
    before = decode_cursor(cursor) if cursor else None
    rows, next_seq = await ctx.db.read(store.search(account_id, q, limit, before))
    body: dict[str, Any] = {"results": [message_of(r) for r in rows]}
    if next_seq is not None:
        body["cursor"] = encode_cursor(next_seq)
    return body


def message_of(row: Row) -> dict[str, Any]:
    """A message as the history tells it: its delivery report's fields (pending ones with their current status and
    no doneAt), when it was accepted, and its events."""
    facts = facts_of(row)
    message = {k: v for k, v in delivery_report(facts).items() if k not in DROPPED}
    message["destination"] = facts.destination
    message["acceptedAt"] = format_ms(row["created_at"])
    if facts.done_at is None:
        del message["doneAt"]
    message["events"] = events_of(row["history"])
    return message


def events_of(history: str | None) -> list[dict[str, Any]]:
    """The JSON lines of a message's history, instants and status and error ids as the wire writes them; a line cut
    short or garbled is left out."""
    events = []
    for line in (history or "").splitlines():
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("at"), int):
            continue
        event = dict(raw)
        for key in ("at", "until"):
            if isinstance(event.get(key), int):
                event[key] = format_ms(event[key])
        status, error = event.get("status"), event.get("error")
        if isinstance(status, int) and status in STATUS_BY_ID:
            event["status"] = STATUS_BY_ID[status].name
        if isinstance(error, int) and error in ERROR_BY_ID:
            event["error"] = ERROR_BY_ID[error].name
        events.append(event)
    return events
