"""Sandbox rules: an account's own outcomes for the sandbox upstreams, chosen by what a message is (README, "Sandbox
rules"). The first rule that matches a hop's attempt decides it; a message no rule matches follows the magic numbers.

A rule's status says how its outcome is given: a final status (delivered, undeliverable, expired, rejected) ends
the hop with it; a status of the ACCEPTED or PENDING group ends it too when the error is NO_ERROR (the upstream's
last word was that status), and with an error it is a temporary failure that the engine retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from . import status as st

Hop = Literal["KAKAO", "SMS"]
HOPS: tuple[Hop, ...] = ("KAKAO", "SMS")
MATCH_FIELDS = ("destination", "sender", "templateCode", "channel", "hop")
OUTCOME_FIELDS = ("status", "error", "afterSeconds", "attempts")


@dataclass(frozen=True, slots=True)
class RuleMatch:
    destination: str | None = None
    sender: str | None = None
    template_code: str | None = None
    channel: str | None = None
    hop: Hop = "KAKAO"


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    status: str
    error: str = "NO_ERROR"
    after_seconds: int | None = None  # the submit is accepted and the result comes this long after it
    attempts: int | None = None  # the rule decides only the first `attempts` attempts of a hop

    @property
    def final(self) -> bool:
        return st.status(self.status).final or self.error == "NO_ERROR"


@dataclass(frozen=True, slots=True)
class Rule:
    match: RuleMatch
    outcome: RuleOutcome


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a rule looks at: one attempt of one hop of a message."""

    destination: str
    sender: str
    template_code: str | None
    channel: str
    hop: Hop
    attempt: int  # 1 for the hop's first attempt


def matches(rule: Rule, a: Attempt) -> bool:
    m = rule.match
    limit = rule.outcome.attempts
    return (
        m.hop == a.hop
        and (limit is None or a.attempt <= limit)
        and (m.destination is None or m.destination == a.destination)
        and (m.sender is None or m.sender == a.sender)
        and (m.template_code is None or m.template_code == a.template_code)
        and (m.channel is None or m.channel == a.channel)
    )


def first_match(rules: list[Rule], a: Attempt) -> RuleOutcome | None:
    return next((r.outcome for r in rules if matches(r, a)), None)


def rule_of(wire: dict[str, Any]) -> Rule:
    """A rule from its wire form (`{"match": {...}, "outcome": {...}}`), already validated."""
    m = wire.get("match") or {}
    o = wire["outcome"]
    return Rule(
        RuleMatch(
            m.get("destination"), m.get("sender"), m.get("templateCode"), m.get("channel"), m.get("hop", "KAKAO")
        ),
        RuleOutcome(o["status"], o.get("error") or "NO_ERROR", o.get("afterSeconds"), o.get("attempts")),
    )
