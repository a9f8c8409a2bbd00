"""The logs operations' request limit (the spec's `x-throttling-info`: 120 requests a minute on each), per account,
counted in the database so that it holds across every process of the gateway (and on the gateway's clock)."""

from __future__ import annotations

from ..store.request_windows import count_request
from .context import Context

WINDOW_MS = 60_000
DEFAULT_PER_MINUTE = 120


class Throttled(Exception):
    def __init__(self, retry_after_ms: int) -> None:
        super().__init__(f"too many logs requests; retry in {retry_after_ms} ms")
        self.retry_after_ms = retry_after_ms


async def count_logs_request(ctx: Context, channel: str, account_id: str, per_minute: int) -> None:
    """Count one request of the account to a channel's logs (each has its own limit); Throttled when it is over
    `per_minute` (0: no limit)."""
    if per_minute <= 0:
        return
    count, ends_at = await ctx.db.write(count_request(f"logs:{channel}:{account_id}", WINDOW_MS, ctx.clock.now_ms()))
    if count > per_minute:
        raise Throttled(max(0, ends_at - ctx.clock.now_ms()))
