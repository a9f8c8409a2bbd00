"""The connector protocol: how the engine hands messages to an upstream and learns what became of them.

Like real Kakao dealer APIs, an upstream may answer a submit at once (delivered, failed) or only accept it
and report the result later; the engine polls for those late results.

SMS connectors get the SMS hop of a message (SMS failover): `channel` is "SMS" and `content` is
`domain.sms.SmsText.to_content()`: `{"text", "format": "SMS"|"LMS", "title"?}`, already checked at accept (EUC-KR,
at most 90 bytes for SMS, 2,000 for LMS, a title of at most 40). The submission's `message_id` is the Kakao
message's: the client knows one id for both hops.
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
    hop: int = 0  # 0: the Kakao hop; 1: the SMS failover hop. A late result names the hop it answers.


SubmitKind = Literal["final", "accepted", "temporary"]
LateKind = Literal["final", "temporary"]


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """`final`: done with this status/error; `accepted`: result comes later; `temporary`: try again later."""

    kind: SubmitKind
    status: str = "PENDING_ENROUTE"
    error: str = "NO_ERROR"
    # `accepted` only: how long the engine waits for the result before it sends the message again (None: the
    # engine's result timeout, 60 s). An upstream whose results take long and must not be resent (an SMSC's
    # receipts) waits longer; the wait never goes past the hop's validity, which then ends it (4101).
    wait_ms: int | None = None
    # `accepted` only: the upstream's own id of the message (an SMSC message id), kept on the row so that a result
    # naming only that id (a receipt that reached another process's connection) still finds its message.
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class LateResult:
    """A result that came after the submit. `hop` is the submission's: a result for a hop that has ended (the
    message moved on to SMS meanwhile) is ignored. None matches whatever hop the row is on."""

    seq: int  # 0 when only `ref` is known
    kind: LateKind
    status: str
    error: str
    hop: int | None = None
    ref: str | None = None  # the upstream's id of the message (SubmitResult.ref): finds the row when `seq` is 0


class Connector(Protocol):
    """An upstream, registered under the route it serves. Results name statuses and errors of the catalogue; one
    it does not know is recorded as a failure of that message, never raised."""

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        """One result per submission, in order. Must not raise for a single bad message."""
        ...

    async def poll_results(self, now: int) -> list[LateResult]:
        """Results that became known since the last poll."""
        ...

    async def start(self) -> None:
        """Open connections (an SMPP bind); called once before the first submit, when the engine starts."""
        ...

    async def close(self) -> None:
        """Close connections; results not yet polled may be lost, so the engine times them out."""
        ...

    def health(self) -> dict[str, Any]:
        """For /ready: `{"ok": bool, ...}` with what an operator needs (bound or not, last error)."""
        ...


class NoConnection:
    """Start, close and health for a connector that holds no connection (the sandbox's, in-process ones)."""

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def health(self) -> dict[str, Any]:
        return {"ok": True}
