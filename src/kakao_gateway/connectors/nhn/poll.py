"""Sends NHN accepted whose result is awaited, and when to ask for each: a first query `poll_after` the send, then at
doubling intervals while NHN says the message is still on its way. Kept in the memory of the process that sent; after
a restart a resend finds the earlier send by our messageId instead (connectors/nhn.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .mapping import NhnCredentials

MAX_INTERVAL_MS = 10 * 60_000
KEEP_MS = 49 * 3_600_000  # past the longest validity (48 h): the engine has settled the row by then


@dataclass
class Waiting:
    seq: int
    hop: int
    channel: str
    request_id: str
    recipient_seq: int
    creds: NhnCredentials
    sent_at: int
    next_at: int
    interval_ms: int


class PollState:
    def __init__(self, poll_after_ms: int) -> None:
        self.poll_after_ms = poll_after_ms
        self.waiting: dict[int, Waiting] = {}  # by seq

    def sent(
        self, seq: int, hop: int, channel: str, request_id: str, recipient_seq: int, creds: NhnCredentials, now: int
    ) -> None:
        self.waiting[seq] = Waiting(
            seq, hop, channel, request_id, recipient_seq, creds, now, now + self.poll_after_ms, self.poll_after_ms
        )

    def is_waiting(self, seq: int, hop: int) -> bool:
        waiting = self.waiting.get(seq)
        return waiting is not None and waiting.hop == hop

    def due(self, now: int, limit: int) -> list[Waiting]:
        for seq in [s for s, w in self.waiting.items() if w.sent_at + KEEP_MS <= now]:
            del self.waiting[seq]
        ready = sorted((w for w in self.waiting.values() if w.next_at <= now), key=lambda w: w.next_at)
        return ready[:limit]

    def later(self, waiting: Waiting, now: int) -> None:
        """No result yet (or the query failed): ask again after twice the last interval."""
        waiting.interval_ms = min(waiting.interval_ms * 2, MAX_INTERVAL_MS)
        waiting.next_at = now + waiting.interval_ms

    def later_all(self, waiting: list[Waiting], now: int) -> None:
        for w in waiting:
            self.later(w, now)

    def done(self, seq: int) -> None:
        self.waiting.pop(seq, None)
