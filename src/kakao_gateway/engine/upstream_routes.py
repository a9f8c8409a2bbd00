"""Failover between upstreams: each route's health (a circuit breaker) and the choice of route for a claimed row.

An account's Kakao hops and SMS hops each have an ordered list of upstreams (the account's own, else the server's;
first = preferred). A row goes to the first route of its list that is healthy; a row whose last attempt may have
reached its route (it timed out without an answer, or the upstream took it and its result is awaited) stays on that
route, so no message is submitted to two upstreams unless the first definitely did not take it.

A route turns unhealthy after `failures` consecutive batches that got no usable answer (a transport error, a 5xx,
no connector) and stays so for `open_ms`; then one batch at a time probes it (half-open): an answer closes the
breaker and new traffic returns to the route, another failure opens it again. Health is per process: each worker
learns it from its own submits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..connectors.base import SubmitResult

State = Literal["closed", "open", "half_open"]
# Temporary answers that say the upstream did not take the message (it may go to another upstream), as opposed to
# EC_PROVIDER_TIMEOUT (no answer: it may have) and throttling (the upstream is up, and says when to come back).
NOT_TAKEN = frozenset({"EC_PROVIDER_INTERNAL_ERROR", "EC_CONFIGURATION_ERROR"})
MAYBE_TAKEN = "EC_PROVIDER_TIMEOUT"


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    failures: int = 3  # consecutive failed batches that open the breaker
    open_ms: int = 30_000  # how long an open breaker keeps traffic away before a probe


@dataclass(slots=True)
class Breaker:
    settings: BreakerSettings
    state: State = "closed"
    failures: int = 0
    opened_at: int = 0
    probing: bool = False  # a half-open probe batch is out
    last_error: str | None = None
    submits: int = 0
    failed_batches: int = 0

    def usable(self, now: int) -> bool:
        if self.state == "open" and now - self.opened_at >= self.settings.open_ms:
            self.state = "half_open"
        if self.state == "half_open":
            return not self.probing
        return self.state == "closed"

    def sent(self) -> None:
        self.submits += 1
        if self.state == "half_open":
            self.probing = True

    def answered(self) -> None:
        self.state, self.failures, self.probing = "closed", 0, False

    def failed(self, now: int, error: str) -> bool:
        """Count a failed batch; True when this failure opened the breaker."""
        self.failed_batches += 1
        self.failures += 1
        self.last_error = error
        was = self.state
        if self.state == "half_open" or self.failures >= self.settings.failures:
            self.state, self.opened_at, self.probing = "open", now, False
        return was != "open" and self.state == "open"

    def describe(self) -> dict[str, Any]:
        return {"state": self.state.upper(), "consecutiveFailures": self.failures, "lastError": self.last_error}


def batch_failed(results: Sequence[SubmitResult]) -> str | None:
    """The error of a batch that got no usable answer from its upstream, or None if the upstream answered."""
    if results and all(r.kind == "temporary" and (r.error in NOT_TAKEN or r.error == MAYBE_TAKEN) for r in results):
        return results[0].error
    return None


# (account id) -> (its Kakao routes, its SMS routes), first = preferred; empty: the server's
RouteLists = Callable[[Sequence[str]], Awaitable[dict[str, tuple[list[str], list[str]]]]]


@dataclass(slots=True)
class Router:
    """Which route each claimed row takes. `server` gives the server's lists; `account_lists` reads accounts' own
    (None: every account uses the server's)."""

    server_kakao: list[str]
    server_sms: list[str]
    settings: BreakerSettings = field(default_factory=BreakerSettings)
    account_lists: RouteLists | None = None
    carries: Callable[[str, str], bool] = lambda route, channel: True  # (route, channel): can it carry it?
    breakers: dict[str, Breaker] = field(default_factory=dict)
    _lists: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    _loaded_at: dict[str, int] = field(default_factory=dict)
    refresh_ms: int = 5_000  # an operator's change of an account's list reaches running engines this fast

    def breaker(self, route: str) -> Breaker:
        found = self.breakers.get(route)
        if found is None:
            found = self.breakers[route] = Breaker(self.settings)
        return found

    async def load(self, account_ids: Sequence[str], now: int) -> None:
        """Read the lists of accounts not read within refresh_ms (one statement for all of them)."""
        if self.account_lists is None:
            return
        stale = sorted({a for a in account_ids if now - self._loaded_at.get(a, -self.refresh_ms) >= self.refresh_ms})
        if not stale:
            return
        found = await self.account_lists(stale)
        for account_id in stale:
            self._lists[account_id] = found.get(account_id, ([], []))
            self._loaded_at[account_id] = now

    def candidates(self, account_id: str, hop: int) -> list[str]:
        kakao, sms = self._lists.get(account_id, ([], []))
        if hop == 0:
            return kakao or self.server_kakao
        return sms or self.server_sms

    def choose(self, account_id: str, hop: int, route: str, sticky: bool, now: int, channel: str) -> str:
        """The route a row on `route` takes now: its own when `sticky` or when it is not in the list (a route set
        apart from the lists), else the first usable route of the list that carries its channel (its own if none
        is)."""
        routes = self.candidates(account_id, hop)
        if sticky or route not in routes:
            return route
        for candidate in routes:
            if self.breaker(candidate).usable(now) and (hop > 0 or self.carries(candidate, channel)):
                return candidate
        return route

    def has_alternative(self, account_id: str, hop: int, route: str, now: int) -> bool:
        return any(r != route and self.breaker(r).usable(now) for r in self.candidates(account_id, hop))

    def health(self) -> dict[str, dict[str, Any]]:
        return {route: b.describe() for route, b in sorted(self.breakers.items())}
