"""The account's dashboard, read from the statistics rollups (the reads `GET /kakao/1/stats` makes, so the numbers are
the same): final messages of a range by period and status group, the delivery and failover rates, time to final,
and the channels, status groups, errors, senders, templates and campaigns they came from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from ...domain.codes import NO_ERROR
from ...domain.rollups import BUCKETS, DAY_MS, HOUR_MS, quantile_s
from ...domain.status import ERROR_BY_ID
from ...store import rollups
from .. import stats
from ..context import Context
from ..errors import InvalidRequest

# range -> (its length, the granularity of its chart)
RANGES = {"1h": (HOUR_MS, "MINUTE"), "24h": (DAY_MS, "HOUR"), "7d": (7 * DAY_MS, "HOUR"), "30d": (30 * DAY_MS, "DAY")}
TOP = 5  # senders, templates, campaigns and errors listed
MAX_RANGE_MS = 400 * DAY_MS  # the rollups' default retention


def granularity_for(length_ms: int) -> str:
    """A custom range's chart: minutes up to 3 hours, hours up to 62 days, days beyond. Days are UTC days (as the
    API's), so a range of KST days is read by the hour while the chart stays readable: its edges then fall on the
    viewer's midnights."""
    if length_ms <= 3 * HOUR_MS:
        return "MINUTE"
    return "HOUR" if length_ms <= 62 * DAY_MS else "DAY"


@dataclass(frozen=True, slots=True)
class Ranked:
    """A sender, template, campaign or error with its final messages and how many were delivered."""

    key: str
    messages: int
    delivered: int

    @property
    def delivery_rate(self) -> float:
        return self.delivered / self.messages if self.messages else 0.0


@dataclass
class Board:
    range_key: str
    start: int  # the first period's start (the API's `from`, aligned to the granularity)
    end: int
    granularity: str
    step: int
    periods: dict[int, Counter[str]] = field(default_factory=dict)  # period start -> status group -> messages
    by_group: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    errors: list[Ranked] = field(default_factory=list)
    senders: list[Ranked] = field(default_factory=list)
    templates: list[Ranked] = field(default_factory=list)
    campaigns: list[Ranked] = field(default_factory=list)
    failovers: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    @property
    def messages(self) -> int:
        return sum(self.by_group.values())

    @property
    def delivery_rate(self) -> float | None:
        return self.by_group["DELIVERED"] / self.messages if self.messages else None

    @property
    def failover_rate(self) -> float | None:
        return self.failovers / self.messages if self.messages else None

    @property
    def p50(self) -> float | None:
        return quantile_s(self.histogram, 0.5)

    @property
    def p95(self) -> float | None:
        return quantile_s(self.histogram, 0.95)

    @property
    def peak(self) -> int:
        return max((sum(c.values()) for c in self.periods.values()), default=0)

    def period_starts(self) -> list[int]:
        return list(range(self.start, self.end, self.step))


def _span(range_key: str, since: int | None, until: int | None, now: int) -> tuple[int, int, str]:
    if range_key == "custom":
        if since is None or until is None:
            raise InvalidRequest([("from", "a custom range needs both its first and its last day")])
        end = until + 1
        if end - since > MAX_RANGE_MS:
            raise InvalidRequest([("from", "a range covers at most 400 days")])
        if since >= end:
            raise InvalidRequest([("to", "must not be before from")])
        return since, end, granularity_for(end - since)
    if range_key not in RANGES:
        raise InvalidRequest([("range", f"must be one of {', '.join((*RANGES, 'custom'))}")])
    length, granularity = RANGES[range_key]
    return now + 1 - length, now + 1, granularity  # up to this instant, included


async def board(ctx: Context, account_id: str, range_key: str, since: int | None, until: int | None) -> Board:
    now = ctx.clock.now_ms()
    start, end, granularity = _span(range_key, since, until, now)
    request = stats.StatsRequest(start, end, granularity, ("channel", "statusGroup", "errorId"), None, None)
    series = stats.query_of(account_id, request, now)
    b = Board(range_key, series.start, series.end, granularity, series.step)
    errors: Counter[str] = Counter()
    for row in await ctx.db.read(rollups.read_stats(series)):
        group = row.groups["statusGroup"]
        b.periods.setdefault(row.time, Counter())[group] += row.messages
        b.by_group[group] += row.messages
        b.by_channel[row.groups["channel"]] += row.messages
        b.failovers += row.failovers
        b.histogram = [a + n for a, n in zip(b.histogram, row.histogram, strict=True)]
        error = ERROR_BY_ID.get(row.groups["errorId"])
        if error is not None and error.id != NO_ERROR:
            errors[error.name] += row.messages
    b.errors = [Ranked(name, n, 0) for name, n in errors.most_common(TOP)]
    # the top lists: one period covering the whole range, from the detailed rollup
    whole = replace(
        series,
        step=series.end - series.start,
        rollup=series.rollup.removesuffix("_total"),
        group_by=("sender", "templateCode", "campaignReferenceId", "statusGroup"),
    )
    tallies: dict[str, dict[str, list[int]]] = {"sender": {}, "templateCode": {}, "campaignReferenceId": {}}
    for row in await ctx.db.read(rollups.read_stats(whole)):
        delivered = row.messages if row.groups["statusGroup"] == "DELIVERED" else 0
        for name, kept in tallies.items():
            key = row.groups[name]
            if key is None:
                continue
            tally = kept.setdefault(str(key), [0, 0])
            tally[0] += row.messages
            tally[1] += delivered
    b.senders, b.templates, b.campaigns = (_top(tallies[n]) for n in ("sender", "templateCode", "campaignReferenceId"))
    return b


def _top(tally: dict[str, list[int]]) -> list[Ranked]:
    ranked = sorted(tally.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP]
    return [Ranked(key, messages, delivered) for key, (messages, delivered) in ranked]
