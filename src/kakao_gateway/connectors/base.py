"""The connector protocol: how the engine hands messages to an upstream and learns what became of them.

Like real Kakao dealer APIs, an upstream may answer a submit at once (delivered, failed) or only accept it
and report the result later; the engine polls for those late results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class Submission:
    """One hop of one message, as a connector gets it: `channel` is the product the content belongs to (ALIM,
    BRAND, SANGDAM), `route` the upstream this hop takes."""

    seq: int
    account_id: str
    message_id: str
    channel: str
    route: str
    sender: str
    destination: str
    content: dict[str, Any]
    attempt: int
    first_attempt_at: int
    audience: str | None = None  # who may receive it (Brand: TARGETED_FRIENDS, ALL_CONSENT or NON_FRIENDS)


SubmitKind = Literal["final", "accepted", "temporary"]
LateKind = Literal["final", "temporary"]


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """`final`: done with this status/error; `accepted`: result comes later; `temporary`: try again later."""

    kind: SubmitKind
    status: str = "PENDING_ENROUTE"
    error: str = "NO_ERROR"


@dataclass(frozen=True, slots=True)
class LateResult:
    seq: int
    kind: LateKind
    status: str
    error: str


class Connector(Protocol):
    """An upstream, registered under the route it serves. Results name statuses and errors of the catalogue; one
    it does not know is recorded as a failure of that message, never raised."""

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        """One result per submission, in order. Must not raise for a single bad message."""
        ...

    async def poll_results(self, now: int) -> list[LateResult]:
        """Results that became known since the last poll."""
        ...
