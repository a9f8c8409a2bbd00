"""Pull delivery reports (each once) and read message logs (the last 48 hours)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..domain.filters import LogFilter as LogFilter  # re-exported: the API builds filters from here
from ..domain.filters import PullFilter as PullFilter
from ..domain.planning import MAX_VALIDITY_MS
from ..domain.status import STATUS_GROUPS, status_ids_in_group
from ..store import message_queries as msgs
from ..store import reports as rpts
from .context import Context
from .errors import InvalidRequest

KEEP_MS = MAX_VALIDITY_MS
MAX_LIMIT = 1000


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 50
    if not (raw.isascii() and raw.isdigit()):  # int() would also take " 5", "+5", "5_0" and non-ASCII digits
        raise InvalidRequest([("limit", "must be an integer")])
    limit = int(raw)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest([("limit", f"must be between 1 and {MAX_LIMIT}")])
    return limit


async def pull(ctx: Context, account_id: str, channel: str, f: PullFilter, limit: int) -> dict[str, Any]:
    now = ctx.clock.now_ms()
    results = await ctx.db.write(rpts.pull_reports(account_id, channel, f, limit, now, now - KEEP_MS))
    return {"results": results}


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, seq = text.partition(":")
        if version != "v1" or not seq.isascii() or not seq.isdigit() or not 0 < int(seq) < 2**63:
            raise ValueError
        return int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidRequest([("cursor", "is not a cursor this gateway issued")]) from None


def status_ids(general_status: str | None) -> tuple[int, ...]:
    if general_status is None:
        return ()
    if general_status not in STATUS_GROUPS.values():
        raise InvalidRequest([("generalStatus", f"must be one of {', '.join(STATUS_GROUPS.values())}")])
    return tuple(status_ids_in_group(general_status)) or (-1,)


async def logs(
    ctx: Context, account_id: str, channel: str, f: LogFilter, limit: int, use_cursor: bool, cursor: str | None
) -> dict[str, Any]:
    now = ctx.clock.now_ms()
    before = decode_cursor(cursor) if use_cursor and cursor else None
    entries, next_seq = await ctx.db.read(msgs.query_logs(account_id, channel, f, limit, before, now - KEEP_MS))
    body: dict[str, Any] = {"results": entries}
    if use_cursor:
        page: dict[str, Any] = {"limit": limit}
        if next_seq is not None:
            page["nextCursor"] = encode_cursor(next_seq)
        body["cursor"] = page
    return body
