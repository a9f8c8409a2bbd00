"""What the engine tells whoever watches it (metrics): claims, submits, outcomes, retries, expiries and purges.

The engine calls these hooks after the fact and never depends on what they do; the default does nothing. Labels
are low-cardinality by construction: channels, routes, status groups and causes, never a number or an id.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal, Protocol

from ..domain.status import ERROR_BY_ID

RetryCause = Literal["temporary", "timeout", "lease"]  # the upstream said try again; no result came; a worker died
OutcomeSource = Literal["submit", "late"]  # answered at the submit; reported later by the connector


class EngineObserver(Protocol):
    def claimed(self, rows: int) -> None:
        """A claim took `rows` due rows (only claims that found some)."""
        ...

    def submitted(self, channel: str, route: str, messages: int) -> None:
        """`messages` went to the connector of `route`."""
        ...

    def outcome(self, channel: str, route: str, status_group: str, source: OutcomeSource) -> None:
        """A connector answered for one message (status group: DELIVERED, UNDELIVERABLE, PENDING, ...)."""
        ...

    def retried(self, channel: str, route: str, cause: RetryCause, messages: int) -> None: ...

    def expired(self, messages: int) -> None:
        """Rows whose validity ended before they were delivered."""
        ...

    def failed_over(self, channel: str, reason: str, messages: int) -> None:
        """Messages whose Kakao hop ended undelivered (reason: its error name) and went on to SMS."""
        ...

    def purged(self, table: str, rows: int) -> None:
        """Housekeeping: finished rows, reports, short links or clicks deleted."""
        ...

    def rerouted(self, from_route: str, to_route: str, messages: int) -> None:
        """Messages moved to another upstream of their list (theirs was unhealthy, or healthy again)."""
        ...

    def upstream_opened(self, route: str) -> None:
        """An upstream turned unhealthy (its circuit breaker opened)."""
        ...


class NullObserver:
    def claimed(self, rows: int) -> None:
        pass

    def submitted(self, channel: str, route: str, messages: int) -> None:
        pass

    def outcome(self, channel: str, route: str, status_group: str, source: OutcomeSource) -> None:
        pass

    def retried(self, channel: str, route: str, cause: RetryCause, messages: int) -> None:
        pass

    def expired(self, messages: int) -> None:
        pass

    def failed_over(self, channel: str, reason: str, messages: int) -> None:
        pass

    def purged(self, table: str, rows: int) -> None:
        pass

    def rerouted(self, from_route: str, to_route: str, messages: int) -> None:
        pass

    def upstream_opened(self, route: str) -> None:
        pass


def observe_failovers(observer: EngineObserver, failed_over: list[tuple[str, int]]) -> None:
    """Count recorded failovers by channel and the Kakao hop's error."""
    for (channel, error_id), n in Counter(failed_over).items():
        observer.failed_over(channel, ERROR_BY_ID[error_id].name, n)
