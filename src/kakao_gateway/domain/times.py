"""Instants on the wire: Infobip writes `yyyy-MM-dd'T'HH:mm:ss.SSS+0000` and reads any ISO offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

_COMPACT_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})$")


def format_ms(ms: int) -> str:
    return _second(ms // 1000) + f"{ms % 1000:03d}+0000"


@lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    """The part before the milliseconds: reports written together mostly share their second."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.")


def parse_instant(text: str) -> int:
    """Parse an ISO-8601 instant with an offset (`Z`, `+09:00` or `+0900`) into epoch milliseconds."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = _COMPACT_OFFSET.sub(r"\1\2:\3", value)
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError("the instant needs a UTC offset, e.g. 2026-01-01T09:00:00.000+09:00")
    return (dt - _EPOCH) // _MS
