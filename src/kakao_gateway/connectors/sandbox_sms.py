"""The sandbox SMS upstream (route SMS_SANDBOX): the failover hop's simulated SMSC, deterministic for magic numbers.

The magic numbers are a public contract (README, "Sandbox magic numbers"): keep them stable. Every other number
gets its SMS delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import LateResult, NoConnection, Submission, SubmitResult
from .upstreams import SMS_SANDBOX_ROUTE

ROUTE = SMS_SANDBOX_ROUTE
PHONE_OFF_FOR_MS = 10 * 60_000

UNDELIVERABLE = "821000000009"  # its SMS fails permanently
PHONE_OFF = "821000000010"  # its phone is off for 10 minutes after the first SMS attempt, then it gets it
THROTTLING = "821000000011"  # the SMSC throttles its first SMS attempt


@dataclass
class SandboxSms(NoConnection):
    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        return [self._submit_one(s, now) for s in batch]

    def _submit_one(self, s: Submission, now: int) -> SubmitResult:
        match s.destination:
            case "821000000009":
                return SubmitResult("final", "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER")
            case "821000000010" if now < s.first_attempt_at + PHONE_OFF_FOR_MS:
                return SubmitResult("temporary", "PENDING_ENROUTE", "EC_ABSENT_SUBSCRIBER")
            case "821000000011" if s.attempt == 1:
                return SubmitResult("temporary", "PENDING_ENROUTE", "EC_TOO_MANY_REQUESTS")
        return SubmitResult("final", "DELIVERED_TO_HANDSET", "NO_ERROR")

    async def poll_results(self, now: int) -> list[LateResult]:
        return []
