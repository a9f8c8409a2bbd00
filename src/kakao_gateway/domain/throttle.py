"""Counting failed sign-ins: a name (a client address, a key prefix) with `limit` failures within a sliding window is
refused until the oldest of them leaves the window. The caller passes the time in; nothing here reads a clock."""

from __future__ import annotations

from collections import deque


class FailureCounter:
    """The last `limit` failure instants of each name. At most `max_names` names are kept: past that, names whose
    failures all left the window are forgotten, and if that is not enough, every name is (a flood of new names then
    resets the count, which is why addresses and key prefixes are counted apart)."""

    def __init__(self, limit: int, window_ms: int, max_names: int = 100_000) -> None:
        self.limit = limit
        self.window_ms = window_ms
        self.max_names = max_names
        self._failures: dict[str, deque[int]] = {}

    def wait_ms(self, name: str, now: int) -> int:
        """0 when `name` may try now, else how long until it may."""
        failures = self._failures.get(name)
        if failures is None or len(failures) < self.limit:
            return 0
        return max(0, failures[0] + self.window_ms - now)

    def fail(self, name: str, now: int) -> bool:
        """Count a failure of `name`; True when this failure makes it wait (the moment to say so, once)."""
        failures = self._failures.get(name)
        if failures is None:
            if len(self._failures) >= self.max_names:
                self._forget_old(now)
            failures = self._failures[name] = deque(maxlen=self.limit)
        failures.append(now)
        return len(failures) == self.limit and self.wait_ms(name, now) > 0

    def _forget_old(self, now: int) -> None:
        horizon = now - self.window_ms
        self._failures = {name: f for name, f in self._failures.items() if f[-1] > horizon}
        if len(self._failures) >= self.max_names:
            self._failures.clear()
