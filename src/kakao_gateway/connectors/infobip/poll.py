"""The polling fallback's memory: messages the upstream accepted whose report has not come, and when to ask.

A message waits `poll_after` for its pushed report; then the reports endpoint is asked, at growing intervals while
it answers nothing (reset once it answers something). Each report is handed out once. While nothing is awaited the
endpoint is still swept: `poll_after` after the process starts, then every 10 minutes. That finds the reports of
messages this process did not send (another process's, or its own before a restart), which its webhook never got:
they name their row in callbackData, and the store ignores a second result for a row that has moved on.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..base import LateResult
from .results import final_of, late_result
from .wire import DeliveryReport

log = logging.getLogger(__name__)

MAX_INTERVAL_MS = 10 * 60_000
IDLE_SWEEP_MS = MAX_INTERVAL_MS  # how often an endpoint is asked while nothing is awaited
KEEP_MS = 49 * 3_600_000  # past the longest validity (48 h): the engine has settled the row by then
REMEMBER_REPORTED = 100_000  # rows whose report was handed out, so a repeated one is not handed out again


@dataclass(frozen=True, slots=True)
class Waiting:
    message_id: str
    hop: int
    sent_at: int


@dataclass
class PollState:
    """Keyed by row (seq): a messageId is unique per account only, so two rows may share one."""

    poll_after_ms: int
    started_at: int
    waiting: dict[int, Waiting] = field(default_factory=dict)  # by seq, in the order sent
    reported: OrderedDict[int, None] = field(default_factory=OrderedDict)  # seqs whose result was handed out
    interval_ms: int = 0
    not_before: int = 0  # no poll before: the backoff after an empty or failed poll
    sweep_at: int = 0  # while nothing is awaited: the next sweep

    def __post_init__(self) -> None:
        self.interval_ms = self.poll_after_ms
        self.sweep_at = self.started_at + self.poll_after_ms

    def sent(self, seq: int, message_id: str, hop: int, now: int) -> None:
        if not self.waiting:  # idle until now: ask for this one after poll_after, not after an idle backoff
            self.interval_ms = self.poll_after_ms
            self.not_before = min(self.not_before, now + self.poll_after_ms)
        self.waiting.pop(seq, None)
        self.waiting[seq] = Waiting(message_id, hop, now)
        self.reported.pop(seq, None)

    def is_waiting(self, seq: int, hop: int) -> bool:
        waiting = self.waiting.get(seq)
        return waiting is not None and waiting.hop == hop

    def idle(self) -> bool:
        """Nothing awaited: a poll now is a sweep."""
        return not self.waiting

    def settled(self, seqs: Iterable[int]) -> None:
        """Reports for these rows came (pushed to a webhook of ours): stop waiting, never hand them out again."""
        for seq in seqs:
            self.waiting.pop(seq, None)
            self._remember(seq)

    def due(self, now: int) -> bool:
        self._forget_old(now)
        if now < self.not_before:
            return False
        oldest = next(iter(self.waiting.values()), None)
        return now >= self.sweep_at if oldest is None else now >= oldest.sent_at + self.poll_after_ms

    def polled(self, reports: Iterable[DeliveryReport], now: int, more: bool) -> list[LateResult]:
        """The results of one poll's reports not handed out before; schedules the next poll (at once when the
        upstream has `more`)."""
        hop_of = {w.message_id: (seq, w.hop) for seq, w in self.waiting.items()}
        results: list[LateResult] = []
        nameless = 0
        for report in reports:
            result = late_result(report, hop_of)
            if result is None:
                nameless += final_of(report.status, report.error) is not None
                continue
            if result.seq not in self.reported:
                results.append(result)
                self.settled([result.seq])
        if nameless:
            log.warning("%d polled final reports name no row of ours (no callbackData, not sent here)", nameless)
        self.interval_ms = self.poll_after_ms if results else min(self.interval_ms * 2, MAX_INTERVAL_MS)
        self.not_before = now if more else now + self.interval_ms
        self.sweep_at = now + (self.poll_after_ms if results or more else IDLE_SWEEP_MS)
        return results

    def failed(self, now: int) -> None:
        """The poll got no answer (or a refusal): ask again later, backing off; an idle sweep in 10 minutes."""
        self.interval_ms = min(self.interval_ms * 2, MAX_INTERVAL_MS)
        self.not_before = now + self.interval_ms
        self.sweep_at = now + IDLE_SWEEP_MS

    def _forget_old(self, now: int) -> None:
        while self.waiting:
            seq, oldest = next(iter(self.waiting.items()))
            if oldest.sent_at + KEEP_MS > now:
                return
            del self.waiting[seq]

    def _remember(self, seq: int) -> None:
        self.reported[seq] = None
        self.reported.move_to_end(seq)
        while len(self.reported) > REMEMBER_REPORTED:
            self.reported.popitem(last=False)
