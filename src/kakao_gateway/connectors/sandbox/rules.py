"""How the sandbox upstreams apply an account's rules (domain.sandbox_rules): read once per batch, for the accounts
in it, through a lookup the gateway gives them (the rules live in the database, so every process sees them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ...domain.sandbox_rules import Attempt, Rule, RuleOutcome, first_match
from ..base import Submission

# account ids -> the rules of those that have some
RuleLookup = Callable[[list[str]], Awaitable[dict[str, list[Rule]]]]
# Beyond a rule's `afterSeconds`, how long the engine waits for its result before it sends the message again.
RESULT_MARGIN_MS = 60_000


async def rules_of_batch(lookup: RuleLookup | None, batch: list[Submission]) -> dict[str, list[Rule]]:
    if lookup is None or not batch:
        return {}
    return await lookup(sorted({s.account_id for s in batch}))


def rule_outcome(rules: dict[str, list[Rule]], s: Submission) -> RuleOutcome | None:
    """The outcome the first matching rule of `s`'s account gives this attempt (None: no rule decides it)."""
    own = rules.get(s.account_id)
    if not own:
        return None
    template = s.content.get("templateCode") if s.hop == 0 else None
    attempt = Attempt(
        s.destination,
        s.sender,
        template if isinstance(template, str) else None,
        s.channel,
        "SMS" if s.hop > 0 else "KAKAO",
        s.attempt,
    )
    return first_match(own, attempt)
