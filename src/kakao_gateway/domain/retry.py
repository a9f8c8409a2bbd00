"""Retry curves: upstream resubmission and webhook pushes. Deterministic, so the sandbox is repeatable."""

from __future__ import annotations

from .planning import MINUTE_MS

_SUBMIT_BACKOFF_MS = (30_000, 60_000, 120_000, 240_000, 480_000)
_SUBMIT_BACKOFF_CAP_MS = 10 * MINUTE_MS


def submit_retry_delay_ms(failed_attempts: int) -> int:
    """Wait after the n-th failed upstream attempt (1-based): 30 s doubling, capped at 10 minutes."""
    index = failed_attempts - 1
    if index < len(_SUBMIT_BACKOFF_MS):
        return _SUBMIT_BACKOFF_MS[max(index, 0)]
    return _SUBMIT_BACKOFF_CAP_MS


def webhook_retry_delay_ms(retry_number: int) -> int:
    """Infobip's push retry formula: 1 min + 1 min × retryNumber²."""
    return MINUTE_MS + MINUTE_MS * retry_number * retry_number
