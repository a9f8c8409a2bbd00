"""Request rate limits as fixed windows in the database (table `request_windows`), so they hold across processes.

A key's window begins at the first request after the previous one ended and counts every request in it."""

from __future__ import annotations

from .sql import Fetch, Op


def count_request(key: str, window_ms: int, now: int) -> Op[tuple[int, int]]:
    """Count one request of `key`; returns (how many its window has counted, with this one; when the window ends)."""
    rows = yield Fetch(
        "INSERT INTO request_windows (key, started_at, count) VALUES (?, ?, 1) ON CONFLICT (key) DO UPDATE SET "
        "count = CASE WHEN request_windows.started_at <= ? THEN 1 ELSE request_windows.count + 1 END, "
        "started_at = CASE WHEN request_windows.started_at <= ? THEN excluded.started_at "
        "ELSE request_windows.started_at END "
        "RETURNING count, started_at",
        (key, now, now - window_ms, now - window_ms),
    )
    return int(rows[0]["count"]), int(rows[0]["started_at"]) + window_ms
