"""Token buckets in the database: upstream submit rates that hold across every worker process."""

from __future__ import annotations

from .sql import Execute, Fetch, Op


def take_tokens(wants: dict[str, int], rate_per_s: float, now: int) -> Op[dict[str, int]]:
    """Take up to `wants[key]` tokens from each bucket (refilled at `rate_per_s`, holding at most one second's
    worth, at least 1); returns how many each bucket granted. Rows are locked on PostgreSQL, so concurrent
    workers see each other's takes."""
    capacity = max(rate_per_s, 1.0)
    granted: dict[str, int] = {}
    for key in sorted(wants):
        yield Execute(
            "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
            (key, capacity, now),
        )
        rows = yield Fetch("SELECT tokens, updated_at FROM rate_buckets WHERE key = ? {for_update}", (key,))
        tokens = min(capacity, float(rows[0][0]) + max(0, now - int(rows[0][1])) * rate_per_s / 1000)
        take = min(wants[key], int(tokens))
        granted[key] = take
        yield Execute(
            "UPDATE rate_buckets SET tokens = ?, updated_at = ? WHERE key = ?",
            (tokens - take, max(now, int(rows[0][1])), key),
        )
    return granted
