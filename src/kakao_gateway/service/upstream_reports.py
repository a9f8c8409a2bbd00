"""Delivery reports an upstream pushed to us (api.upstream_reports), already read by its provider into late results:
recorded as the engine records polled ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..connectors.base import LateResult
from .context import Context
from .late_results import record_late_results


@dataclass(frozen=True, slots=True)
class Recorded:
    final: list[int]  # rows whose report was final (their upstream need not be polled for them)
    changed: int  # rows settled (a repeated report, or one for a row that moved on, changes none)


async def record_pushed(ctx: Context, route: str, results: Sequence[LateResult]) -> Recorded:
    final = [r.seq for r in results if r.kind == "final"]
    return Recorded(final, await record_late_results(ctx, route, list(results)))
