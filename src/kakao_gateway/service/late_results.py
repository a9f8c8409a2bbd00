"""Results an upstream pushes to a webhook of ours (an SMS delivery report, say) instead of being polled: recorded
exactly as the engine records polled ones, in the API process that received them."""

from __future__ import annotations

from collections.abc import Sequence

from ..connectors.base import LateResult
from ..store.outcomes import late_outcome, record
from .context import Context


async def record_late_results(ctx: Context, route: str, results: Sequence[LateResult]) -> int:
    """Settle the rows these results of `route`'s upstream answer; a result for a row that is not on that route (a
    forged or mistaken one), or has moved on (another hop, already final), is ignored. Returns how many rows changed.
    Wakes the engine so reports go out at once."""
    if not results:
        return 0
    now = ctx.clock.now_ms()
    outcomes = [late_outcome(route, r.seq, r.hop, r.kind, r.status, r.error, now) for r in results]
    recorded = await ctx.db.write(record(outcomes, now))
    ctx.wake_engine()
    return recorded.changed
