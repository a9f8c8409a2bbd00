"""The sandbox Kakao upstream (route KAKAO_SANDBOX): simulated users, deterministic outcomes for magic numbers.

The magic numbers are a public contract (README, "Sandbox magic numbers"): keep them stable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from ...domain.channels import KAKAO_SANDBOX
from ...domain.sandbox_rules import Rule, RuleOutcome
from ..base import LateKind, LateResult, NoConnection, Submission, SubmitKind, SubmitResult
from .late import LateQueue
from .rules import RESULT_MARGIN_MS, RuleLookup, rule_outcome, rules_of_batch

ROUTE = KAKAO_SANDBOX
UNREACHABLE_FOR_MS = 10 * 60_000

DELIVERED = ("DELIVERED_TO_HANDSET", "NO_ERROR")
NOT_A_USER = ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
BLOCKED = ("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")
ABSENT = "EC_ABSENT_SUBSCRIBER"
PROVIDER_ERROR = "EC_PROVIDER_INTERNAL_ERROR"


OutcomeKind = Literal["final", "temporary", "silent"]  # silent: the upstream never answers


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    status: str
    error: str
    after_ms: int | None = None  # a rule's afterSeconds: accepted, and the result comes this long after the submit


def ruled(o: RuleOutcome) -> Outcome:
    after = None if o.after_seconds is None else o.after_seconds * 1000
    return Outcome("final" if o.final else "temporary", o.status, o.error, after)


NOT_A_FRIEND = "821000000008"  # a Kakao user who is a friend of no channel

FriendLookup = Callable[[str, str], Awaitable[set[str] | None]]
# Sangdam: record the deliveries whose user has an open session with the sender; returns the seqs it recorded.
SessionDelivery = Callable[[list[Submission], int], Awaitable[set[int]]]

# Sangdam magic user keys: a user who blocked the channel, and one whose phone stays unreachable.
SANGDAM_BLOCKED = "sandbox-blocked"
SANGDAM_UNREACHABLE = "sandbox-unreachable"
NO_SESSION = ("UNDELIVERABLE_NOT_DELIVERED", "EC_NO_SESSION")


def sangdam_outcome(s: Submission) -> Outcome:
    """What becomes of a Sangdam message before its session is looked at (DELIVERED: if a session is open)."""
    if s.destination == SANGDAM_BLOCKED:
        return Outcome("final", *BLOCKED)
    if s.destination == SANGDAM_UNREACHABLE:
        return Outcome("temporary", "PENDING_ENROUTE", ABSENT)
    return Outcome("final", *DELIVERED)


def outcome_for(
    s: Submission, now: int, friends: set[str] | None = None, rules: dict[str, list[Rule]] | None = None
) -> Outcome:
    """What the simulated Kakao platform does with one submission: what the account's first matching rule says,
    else the magic numbers. A Brand message targeted at channel friends reaches only friends: those on the sender's
    friend list when it has one, else anyone but 821000000008."""
    by_rule = rule_outcome(rules, s) if rules else None
    if by_rule is not None:
        return ruled(by_rule)
    return magic_outcome(s, now, friends)


def magic_outcome(s: Submission, now: int, friends: set[str] | None = None) -> Outcome:
    """The magic numbers (README, "Sandbox magic numbers")."""
    if s.channel == "SANGDAM":
        return sangdam_outcome(s)
    if s.channel == "BRAND" and (s.audience or "TARGETED_FRIENDS") == "TARGETED_FRIENDS":
        outside = s.destination == NOT_A_FRIEND or (friends is not None and s.destination not in friends)
        if outside and s.destination != "821000000002":
            return Outcome("final", *NOT_A_USER)
    match s.destination:
        case "821000000002" | "821000000009" | "821000000010" | "821000000011":  # the last three: SMS paths
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
    return MORE_MAGIC.get(s.destination, Outcome("final", *DELIVERED))


# Outcomes no ordinary number gets, for the cases clients most often handle (README, "Sandbox magic numbers").
MORE_MAGIC = {
    "821000000012": Outcome("final", "UNDELIVERABLE_REJECTED_OPERATOR", "EC_NOT_ALLOWED_SENDING_TIME"),  # night send
    "821000000013": Outcome("final", "REJECTED_FLOODING_FILTER", "EC_TOO_MANY_REQUESTS"),  # daily limit reached
    "821000000014": Outcome("final", "DELIVERED_TO_OPERATOR", "NO_ERROR"),
    "821000000015": Outcome("final", "EXPIRED_DLR_UNKNOWN", "EC_PROVIDER_DR_ERROR", after_ms=60_000),
    "821000000016": Outcome("final", "REJECTED_SENDER", "EC_INVALID_SOURCE_ADDRESS"),
    "821000000017": Outcome("final", "REJECTED_NOT_ENOUGH_CREDITS", "EC_INTERNAL_ERROR"),
}


@dataclass
class SandboxKakao(NoConnection):
    """With latency 0 a submit answers with the outcome; otherwise it is accepted and the outcome arrives later."""

    latency_ms: int = 0
    friends: FriendLookup | None = None
    sessions: SessionDelivery | None = None
    rules: RuleLookup | None = None
    _late: LateQueue = field(default_factory=LateQueue)

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        lists: dict[tuple[str, str], set[str] | None] = {}
        if self.friends is not None:
            for s in batch:
                key = (s.account_id, s.sender)
                if s.channel == "BRAND" and key not in lists:
                    lists[key] = await self.friends(*key)
        rules = await rules_of_batch(self.rules, batch)
        outcomes = [outcome_for(s, now, lists.get((s.account_id, s.sender)), rules) for s in batch]
        await self._sessions(batch, outcomes, now)
        return [self._submit_one(s, now, o) for s, o in zip(batch, outcomes, strict=True)]

    async def _sessions(self, batch: list[Submission], outcomes: list[Outcome], now: int) -> None:
        """A Sangdam message reaches its user only within an open session (recorded there as it is delivered)."""
        candidates = [
            s for s, o in zip(batch, outcomes, strict=True) if s.channel == "SANGDAM" and o.status == DELIVERED[0]
        ]
        if not candidates:
            return
        delivered = await self.sessions(candidates, now) if self.sessions is not None else set()
        asked = {s.seq for s in candidates}
        for i, s in enumerate(batch):
            if s.seq in asked and s.seq not in delivered:
                outcomes[i] = Outcome("final", *NO_SESSION)

    def _submit_one(self, s: Submission, now: int, outcome: Outcome) -> SubmitResult:
        if outcome.kind == "silent":
            return SubmitResult("accepted")
        if outcome.kind == "temporary" and outcome.error == PROVIDER_ERROR:  # an answer to the submit itself
            return SubmitResult("temporary", outcome.status, outcome.error)
        after = self.latency_ms if outcome.after_ms is None else outcome.after_ms
        if after <= 0:
            kind: SubmitKind = "final" if outcome.kind == "final" else "temporary"
            return SubmitResult(kind, outcome.status, outcome.error)
        late_kind: LateKind = "final" if outcome.kind == "final" else "temporary"
        self._late.add(now + after, LateResult(s.seq, late_kind, outcome.status, outcome.error, s.hop))
        return SubmitResult("accepted", wait_ms=None if outcome.after_ms is None else after + RESULT_MARGIN_MS)

    async def poll_results(self, now: int) -> list[LateResult]:
        return self._late.due(now)

    def next_result_at(self) -> int | None:
        return self._late.next_at()
