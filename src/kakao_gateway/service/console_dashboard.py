"""The console dashboard: messages per minute over the last hour by channel and by final status group, SMS
failovers, the queue by state with its oldest due message, and the webhook success rate. An account sees its own
messages; the operator sees the whole gateway. Every figure comes from a bounded read (see store.console_dashboard)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..domain.status import STATUS_BY_ID, STATUS_GROUPS
from ..store import console_dashboard as store
from ..store.stats import QUEUE_STATES, QueueStats, queue_stats
from .context import Context

MINUTE_MS = 60_000
MINUTES = 60
CHANNELS = ("ALIM", "BRAND", "SANGDAM")
ACCOUNT_LIMIT = 20_000  # newest messages per channel an account's dashboard reads
GATEWAY_LIMIT = 100_000  # final outcomes and pushes the operator's dashboard reads


@dataclass
class Series:
    """Counts per minute (oldest first) of each key (a channel, or a status group)."""

    start: int
    keys: list[str]
    counts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, at: int, key: str) -> None:
        index = (at - self.start) // MINUTE_MS
        if 0 <= index < MINUTES:
            self.counts.setdefault(key, [0] * MINUTES)[index] += 1

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


def _fill(samples: list[store.Sample], start: int, only_final: bool) -> tuple[Series, Series, int, Counter[str]]:
    by_channel = Series(start, list(CHANNELS))
    by_group = Series(start, [g for g in STATUS_GROUPS.values() if g != "ACCEPTED"])
    failovers = 0
    states: Counter[str] = Counter()
    for s in samples:
        if s.at < start:
            continue
        by_channel.add(s.at, s.channel)
        if s.state == "done" or only_final:
            by_group.add(s.at, _group(s.status_id))
        failovers += s.hop > 0
        states[s.state] += 1
    return by_channel, by_group, failovers, states


async def for_account(ctx: Context, account_id: str) -> Dashboard:
    """An account's last hour: its messages by the minute they were accepted, the final status of those done."""
    now = ctx.clock.now_ms()
    start = (now // MINUTE_MS - MINUTES + 1) * MINUTE_MS
    samples: list[store.Sample] = []
    cut_short = False
    for channel in CHANNELS:
        found = await ctx.db.read(store.account_recent(account_id, channel, ACCOUNT_LIMIT))
        cut_short |= len(found) == ACCOUNT_LIMIT and found[-1].at >= start
        samples.extend(found)
    by_channel, by_group, failovers, states = _fill(samples, start, only_final=False)
    return Dashboard("account", by_channel, by_group, failovers, dict(states), cut_short, now=now)


async def for_gateway(ctx: Context) -> Dashboard:
    """The whole gateway's last hour: final outcomes by the minute they happened, the queue, webhook pushes."""
    now = ctx.clock.now_ms()
    start = (now // MINUTE_MS - MINUTES + 1) * MINUTE_MS
    finals = await ctx.db.read(store.recent_finals(start, GATEWAY_LIMIT))
    by_channel, by_group, failovers, _ = _fill(finals, start, only_final=True)
    queue = await ctx.db.read(queue_stats(now))
    pushes: Counter[str] = Counter()
    found = await ctx.db.read(store.recent_pushes(start, GATEWAY_LIMIT))
    for state, attempts in found:
        if state == "pushed":
            pushes["pushed"] += 1
        elif state in ("exhausted", "dropped") or attempts > 0:
            pushes["failed"] += 1
        else:
            pushes["waiting"] += 1
    cut_short = len(finals) == GATEWAY_LIMIT or len(found) == GATEWAY_LIMIT
    states = {state: queue.by_state.get(state, 0) for state in QUEUE_STATES}
    return Dashboard("gateway", by_channel, by_group, failovers, states, cut_short, queue, dict(pushes), now)
