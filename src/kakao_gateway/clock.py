"""Clocks. Everything that reads time takes a Clock, so tests and the sandbox can drive time."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch (UTC)."""
        ...

    @property
    def is_virtual(self) -> bool: ...


class SystemClock:
    is_virtual = False

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that only moves when told to: the fake clock of tests and the sandbox's virtual clock."""

    is_virtual = True

    def __init__(self, start_ms: int | None = None) -> None:
        self._now = start_ms if start_ms is not None else SystemClock().now_ms()

    def now_ms(self) -> int:
        return self._now

    def advance(self, seconds: float) -> int:
        if seconds < 0:
            raise ValueError("a clock cannot move backwards")
        self._now += round(seconds * 1000)
        return self._now

    def set(self, now_ms: int) -> None:
        if now_ms < self._now:
            raise ValueError("a clock cannot move backwards")
        self._now = now_ms
