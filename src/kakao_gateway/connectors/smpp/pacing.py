"""Pacing submits: a throughput cap in real time, and the pause an SMSC asks for when it throttles us."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


class Pacer:
    """At most `rate` submit_sm per second, evenly spaced (no burst: SMSC throughput limits are per second and
    strict). A rate of 0 paces nothing."""

    def __init__(self, rate: float) -> None:
        self._interval = 1 / rate if rate > 0 else 0.0
        self._next = 0.0

    async def wait(self) -> None:
        if not self._interval:
            return
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass
class ThrottlePause:
    """After ESME_RTHROTTLED or ESME_RMSGQFUL, no submit for `base_ms`, doubling while the SMSC keeps throttling
    (up to `max_ms`), back to `base_ms` after a success. Throttles answered during a pause (the rest of a window
    sent before it) do not lengthen it. Times are the connector clock's milliseconds."""

    base_ms: int
    max_ms: int
    until: int = 0
    _streak: int = 0

    def paused(self, now: int) -> bool:
        return now < self.until

    def throttled(self, now: int) -> None:
        if self.paused(now):
            return
        self._streak += 1
        self.until = now + min(self.base_ms * 2 ** (self._streak - 1), self.max_ms)

    def succeeded(self) -> None:
        self._streak = 0
