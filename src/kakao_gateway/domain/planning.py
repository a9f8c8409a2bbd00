"""When a message may leave and until when it may try: sendAt and validity (speed limits and windows come
with the scheduling issue)."""

from __future__ import annotations

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
MAX_VALIDITY_MS = 48 * HOUR_MS
MAX_SCHEDULE_AHEAD_MS = 180 * DAY_MS

_VALIDITY_UNITS = {"SECONDS": 1000, "MINUTES": MINUTE_MS, "HOURS": HOUR_MS}


def validity_ms(amount: int | None, time_unit: str | None) -> int:
    """Validity in ms: 48 h by default, and anything longer is silently set to 48 h (as Infobip does)."""
    if amount is None:
        return MAX_VALIDITY_MS
    return min(amount * _VALIDITY_UNITS[time_unit or "MINUTES"], MAX_VALIDITY_MS)


def start_at(now_ms: int, send_at_ms: int | None) -> int:
    """The planned send time: sendAt, or now when it is absent or in the past."""
    if send_at_ms is None or send_at_ms < now_ms:
        return now_ms
    return send_at_ms


def send_at_problem(now_ms: int, send_at_ms: int) -> str | None:
    """The one scheduling limit: at most 180 days ahead (the past means now)."""
    if send_at_ms - now_ms > MAX_SCHEDULE_AHEAD_MS:
        return "must be at most 180 days in the future"
    return None
