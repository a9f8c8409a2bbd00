"""The sandbox SMS upstream (route SMS_SANDBOX): the failover hop's simulated SMSC, deterministic for magic numbers.

The magic numbers are a public contract (README, "Sandbox magic numbers"): keep them stable. Every other number
gets its SMS delivered, unless a rule of the account for the SMS hop says otherwise (README, "Sandbox rules").
"""

from __future__ import annotations

from dataclasses import dataclass

from ...domain.sandbox_rules import RuleOutcome
from ..base import LateKind, LateResult, NoConnection, Submission, SubmitKind, SubmitResult
from ..upstreams import SMS_SANDBOX_ROUTE
from .late import LateQueue
from .rules import RESULT_MARGIN_MS, RuleLookup, rule_outcome, rules_of_batch

ROUTE = SMS_SANDBOX_ROUTE
PHONE_OFF_FOR_MS = 10 * 60_000

UNDELIVERABLE = "821000000009"  # its SMS fails permanently
PHONE_OFF = "821000000010"  # its phone is off for 10 minutes after the first SMS attempt, then it gets it
THROTTLING = "821000000011"  # the SMSC throttles its first SMS attempt


@dataclass
class SandboxSms(NoConnection):
    rules: RuleLookup | None = None
    # made on first use: subclasses (tests' recording SMSCs) need not call this dataclass's __init__
    _late: LateQueue | None = None

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        rules = await rules_of_batch(self.rules, batch)
        results: list[SubmitResult] = []
        for s in batch:
            by_rule = rule_outcome(rules, s) if rules else None
            results.append(self._submit_one(s, now) if by_rule is None else self._ruled(s, now, by_rule))
        return results

    def _ruled(self, s: Submission, now: int, o: RuleOutcome) -> SubmitResult:
        if o.after_seconds is None:
            kind: SubmitKind = "final" if o.final else "temporary"
            return SubmitResult(kind, o.status, o.error)
        late_kind: LateKind = "final" if o.final else "temporary"
        after = o.after_seconds * 1000
        if self._late is None:
            self._late = LateQueue()
        self._late.add(now + after, LateResult(s.seq, late_kind, o.status, o.error, s.hop))
        return SubmitResult("accepted", wait_ms=after + RESULT_MARGIN_MS)

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
        return [] if self._late is None else self._late.due(now)

    def next_result_at(self) -> int | None:
        return None if self._late is None else self._late.next_at()
