"""Results the sandbox upstreams give after the submit (their latency, a rule's `afterSeconds`), held in memory
until due: the engine polls them; a restart loses them, and the engine then sends those messages again."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from ..base import LateResult


@dataclass
class LateQueue:
    _pending: list[tuple[int, int, LateResult]] = field(default_factory=list)
    _counter: int = 0

    def add(self, due_at: int, result: LateResult) -> None:
        self._counter += 1
        heapq.heappush(self._pending, (due_at, self._counter, result))

    def due(self, now: int) -> list[LateResult]:
        ready: list[LateResult] = []
        while self._pending and self._pending[0][0] <= now:
            ready.append(heapq.heappop(self._pending)[2])
        return ready

    def next_at(self) -> int | None:
        return self._pending[0][0] if self._pending else None
