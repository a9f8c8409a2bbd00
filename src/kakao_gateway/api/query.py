"""Query-string parsing for reports and logs: list parameters as repeated keys or comma-separated values."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from ..domain.times import parse_instant
from ..service.errors import InvalidRequest
from ..service.reports import LogFilter, PullFilter

MAX_LIST_CHARS = 2048


def _nul_free(name: str, values: list[str]) -> None:
    if any("\x00" in v for v in values):
        raise InvalidRequest([(name, "must not contain a NUL character")])


def one(params: QueryParams, name: str) -> str | None:
    value = params.get(name)
    if value is not None:
        _nul_free(name, [value])
    return value if value not in (None, "") else None


def many(params: QueryParams, name: str) -> tuple[str, ...]:
    raw = params.getlist(name)
    _nul_free(name, raw)
    if sum(len(v) for v in raw) > MAX_LIST_CHARS:
        raise InvalidRequest([(name, f"must be at most {MAX_LIST_CHARS} characters")])
    return tuple(part.strip() for value in raw for part in value.split(",") if part.strip())


def instant(params: QueryParams, name: str) -> int | None:
    value = one(params, name)
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError:
        raise InvalidRequest([(name, "must be an ISO-8601 date-time with an offset")]) from None


def boolean(params: QueryParams, name: str) -> bool:
    value = one(params, name)
    if value is None:
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidRequest([(name, "must be true or false")])


def pull_filter(params: QueryParams) -> PullFilter:
    return PullFilter(
        one(params, "bulkId"),
        one(params, "messageId"),
        one(params, "entityId"),
        one(params, "applicationId"),
        one(params, "campaignReferenceId"),
    )


def log_filter(params: QueryParams, status_ids: tuple[int, ...]) -> LogFilter:
    return LogFilter(
        senders=many(params, "sender"),
        destinations=many(params, "destination"),
        bulk_ids=many(params, "bulkId"),
        message_ids=many(params, "messageId"),
        status_ids=status_ids,
        sent_since=instant(params, "sentSince"),
        sent_until=instant(params, "sentUntil"),
        entity_id=one(params, "entityId"),
        application_id=one(params, "applicationId"),
        campaign_refs=many(params, "campaignReferenceId"),
    )
