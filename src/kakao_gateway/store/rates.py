"""Upstream submit rates as sliding windows in the database, so they hold across every worker process.

Each bucket keeps a log of its grants; a take grants at most what keeps every window of `window_ms` at or under
its limit. The bucket row is locked while taking (PostgreSQL), so concurrent workers see each other's grants.
"""

from __future__ import annotations

import math

from .sql import Execute, Fetch, Op


def window_of(rate_per_s: float) -> tuple[int, int]:
    """(limit, window_ms): `rate` per second, or one per 1/rate seconds for rates below one."""
    if rate_per_s >= 1:
        return math.floor(rate_per_s), 1000
    return 1, math.ceil(1000 / rate_per_s)


def take_tokens(wants: dict[str, int], rate_per_s: float, now: int) -> Op[dict[str, int]]:
    """Grant each bucket up to `wants[key]` submits now; returns the grants."""
    limit, window_ms = window_of(rate_per_s)
    granted: dict[str, int] = {}
    for key in sorted(wants):
        yield Execute(
            "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, 0, ?) ON CONFLICT (key) DO NOTHING",
            (key, now),
        )
        yield Fetch("SELECT key FROM rate_buckets WHERE key = ? {for_update}", (key,))
        yield Execute("DELETE FROM rate_events WHERE key = ? AND at <= ?", (key, now - window_ms))
        rows = yield Fetch(
            "SELECT COALESCE(SUM(n), 0) FROM rate_events WHERE key = ? AND at > ?", (key, now - window_ms)
        )
        take = max(0, min(wants[key], limit - int(rows[0][0])))
        if take:
            yield Execute("INSERT INTO rate_events (key, at, n) VALUES (?, ?, ?)", (key, now, take))
        granted[key] = take
    return granted
