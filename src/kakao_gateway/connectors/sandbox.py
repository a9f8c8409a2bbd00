"""The sandbox Kakao upstream: simulated users with deterministic outcomes for documented magic numbers.

The magic numbers are a public contract (README, "Sandbox magic numbers"): keep them stable.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from .base import LateResult, Submission, SubmitResult

UNREACHABLE_FOR_MS = 10 * 60_000

DELIVERED = ("DELIVERED_TO_HANDSET", "NO_ERROR")
NOT_A_USER = ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
BLOCKED = ("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")
ABSENT = "EC_ABSENT_SUBSCRIBER"
PROVIDER_ERROR = "EC_PROVIDER_INTERNAL_ERROR"


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # final | temporary | silent
    status: str
    error: str


def outcome_for(s: Submission, now: int) -> Outcome:
    """What the simulated Kakao platform does with one submission."""
    match s.destination:
        case "821000000002":
            return Outcome("final", *NOT_A_USER)
        case "821000000003":
            return Outcome("final", *BLOCKED)
        case "821000000004" if now < s.first_attempt_at + UNREACHABLE_FOR_MS:
            return Outcome("temporary", "PENDING_ENROUTE", ABSENT)
        case "821000000005":
            return Outcome("temporary", "PENDING_ENROUTE", ABSENT)
        case "821000000006" if s.attempt == 1:
            return Outcome("temporary", "PENDING_ENROUTE", PROVIDER_ERROR)
        case "821000000007":
            return Outcome("silent", "PENDING_ENROUTE", "NO_ERROR")
    return Outcome("final", *DELIVERED)


@dataclass
class SandboxKakao:
    """With latency 0 a submit answers with the outcome; otherwise it is accepted and the outcome arrives later."""

    latency_ms: int = 0
    _pending: list[tuple[int, int, LateResult]] = field(default_factory=list)
    _counter: int = 0

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        return [self._submit_one(s, now) for s in batch]

    def _submit_one(self, s: Submission, now: int) -> SubmitResult:
        outcome = outcome_for(s, now)
        if outcome.kind == "silent":
            return SubmitResult("accepted")
        if outcome.error == PROVIDER_ERROR:  # an upstream error is an answer to the submit itself
            return SubmitResult("temporary", outcome.status, outcome.error)
        if self.latency_ms <= 0:
            kind = "final" if outcome.kind == "final" else "temporary"
            return SubmitResult(kind, outcome.status, outcome.error)
        late_kind = "final" if outcome.kind == "final" else "temporary"
        self._counter += 1
        heapq.heappush(
            self._pending,
            (now + self.latency_ms, self._counter, LateResult(s.seq, late_kind, outcome.status, outcome.error)),
        )  # type: ignore[arg-type]
        return SubmitResult("accepted")

    async def poll_results(self, now: int) -> list[LateResult]:
        ready = []
        while self._pending and self._pending[0][0] <= now:
            ready.append(heapq.heappop(self._pending)[2])
        return ready

    def next_result_at(self) -> int | None:
        return self._pending[0][0] if self._pending else None
