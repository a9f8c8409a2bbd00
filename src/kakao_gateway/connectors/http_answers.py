"""What an HTTP upstream's trouble means for a send (Infobip's and NHN's alike): the temporary results, a
Retry-After header as a wait, and a send that got no answer at all."""

from __future__ import annotations

import logging
from email.utils import parsedate_to_datetime

import httpx

from .base import SubmitResult

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_MS = 1_000
MAX_RETRY_AFTER_MS = 10 * 60_000
THROTTLED = SubmitResult("temporary", error="EC_TOO_MANY_REQUESTS")
PROVIDER_ERROR = SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")
TIMED_OUT = SubmitResult("temporary", error="EC_PROVIDER_TIMEOUT")


def no_answer(route: str, exc: httpx.HTTPError, timeout_s: float, count: int) -> tuple[SubmitResult, str]:
    """The result of each of a send's `count` messages when the request got no answer, and the error to show on
    the upstream's health; logged."""
    if isinstance(exc, httpx.TimeoutException):
        error = f"no answer within {timeout_s:g} s"
        log.warning("route %s: %s to a send of %d messages", route, error, count)
        return TIMED_OUT, error
    error = f"{type(exc).__name__}: {exc}"[:300]
    log.warning("route %s: send failed: %s", route, error)
    return PROVIDER_ERROR, error


def retry_after_ms(header: str | None, now: int) -> int:
    """Retry-After (seconds or an HTTP date) as a wait from `now`, within bounds."""
    wait = DEFAULT_RETRY_AFTER_MS
    if header:
        value = header.strip()
        if value.isdigit():
            wait = int(value) * 1000
        else:
            try:
                wait = round(parsedate_to_datetime(value).timestamp() * 1000) - now
            except (TypeError, ValueError):
                wait = DEFAULT_RETRY_AFTER_MS
    return max(0, min(wait, MAX_RETRY_AFTER_MS))
