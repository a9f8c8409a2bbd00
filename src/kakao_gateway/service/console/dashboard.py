"""The console dashboard: messages per minute over the last hour by channel and by final status group, SMS
failovers, the queue by state with its oldest due message, and the webhook success rate. An account sees its own
messages; the operator sees the whole gateway. Every figure comes from a bounded read (see store.console_dashboard)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ...domain.status import STATUS_BY_ID, STATUS_GROUPS
from ...store import console_dashboard as store
from ...store.stats import QUEUE_STATES, QueueStats, queue_stats
from ..context import Context

MINUTE_MS = 60_000
MINUTES = 60
CHANNELS = ("ALIM", "BRAND", "SANGDAM")
GATEWAY_LIMIT = 100_000  # final outcomes and pushes the operator's dashboard reads


@dataclass
class Series:
    """Counts per minute (oldest first) of each key (a channel, or a status group)."""

    start: int
    keys: list[str]
    counts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, at: int, key: str, count: int = 1) -> None:
        index = (at - self.start) // MINUTE_MS
        if 0 <= index < MINUTES:
            self.counts.setdefault(key, [0] * MINUTES)[index] += count

    def total(self, key: str) -> int:
        return sum(self.counts.get(key, ()))

    def peak(self) -> int:
        return max((sum(self.counts.get(k, [0] * MINUTES)[i] for k in self.keys) for i in range(MINUTES)), default=0)


@dataclass
class Dashboard:
    scope: str  # "account" | "gateway"
    by_channel: Series
    by_group: Series
    failovers: int
    states: dict[str, int]
    cut_short: bool  # a bounded read stopped before the hour's start: the oldest minutes are incomplete
    queue: QueueStats | None = None
    pushes: dict[str, int] = field(default_factory=dict)
    now: int = 0

    @property
    def push_success(self) -> float | None:
        tried = self.pushes.get("pushed", 0) + self.pushes.get("failed", 0)
        return self.pushes.get("pushed", 0) / tried if tried else None


def _group(status_id: int) -> str:
    status = STATUS_BY_ID.get(status_id)
    return STATUS_GROUPS[status.group_id] if status else "?"


def _fill(buckets: list[store.Bucket], start: int, only_final: bool) -> tuple[Series, Series, int, Counter[str]]:
    by_channel = Series(start, list(CHANNELS))
    by_group = Series(start, [g for g in STATUS_GROUPS.values() if g != "ACCEPTED"])
    failovers = 0
    states: Counter[str] = Counter()
    for b in buckets:
        if not 0 <= b.minute < MINUTES:
            continue
        at = start + b.minute * MINUTE_MS
        by_channel.add(at, b.channel, b.count)
        if b.state == "done" or only_final:
            by_group.add(at, _group(b.status_id), b.count)
        failovers += b.count if b.failover else 0
        states[b.state] += b.count
    return by_channel, by_group, failovers, states


async def for_gateway(ctx: Context) -> Dashboard:
    """The whole gateway's last hour: final outcomes by the minute they happened, the queue, webhook pushes."""
    now = ctx.clock.now_ms()
    start = (now // MINUTE_MS - MINUTES + 1) * MINUTE_MS
    finals = await ctx.db.read(store.recent_finals(start, GATEWAY_LIMIT))
    by_channel, by_group, failovers, _ = _fill(finals, start, only_final=True)
    queue = await ctx.db.read(queue_stats(now))
    pushes: Counter[str] = Counter()
    found = await ctx.db.read(store.recent_pushes(start, GATEWAY_LIMIT))
    for state, failed, count in found:
        if state == "pushed":
            pushes["pushed"] += count
        elif state in ("exhausted", "dropped") or failed:
            pushes["failed"] += count
        else:
            pushes["waiting"] += count
    cut_short = sum(b.count for b in finals) >= GATEWAY_LIMIT or sum(n for *_, n in found) >= GATEWAY_LIMIT
    states = {state: queue.by_state.get(state, 0) for state in QUEUE_STATES}
    return Dashboard("gateway", by_channel, by_group, failovers, states, cut_short, queue, dict(pushes), now)
