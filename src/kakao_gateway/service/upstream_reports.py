"""Delivery reports an Infobip upstream (SMS or Kakao) pushed to us: recorded as the engine records polled ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ..connectors.infobip_results import late_result
from ..connectors.infobip_wire import DeliveryReport
from .context import Context
from .late_results import record_late_results

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recorded:
    final: list[int]  # rows whose report was final (their upstream need not be polled for them)
    changed: int  # rows settled (a repeated report, or one for a row that moved on, changes none)


async def record_pushed(ctx: Context, route: str, reports: Sequence[DeliveryReport]) -> Recorded:
    results = []
    final: list[int] = []
    for report in reports:
        result = late_result(report)
        if result is None:
            if report.status.groupName not in ("ACCEPTED", "PENDING"):
                log.warning("route %s pushed a report we cannot use for %s", route, report.messageId)
            continue
        results.append(result)
        final.append(result.seq)
    return Recorded(final, await record_late_results(ctx, route, results))
