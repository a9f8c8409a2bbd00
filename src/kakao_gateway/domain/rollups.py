"""Statistics rollups: what a final message adds to them, and how a range of them is read back.

Every final message counts once into the rollup of its minute and of its hour (by when it became final, UTC), keyed
by account, channel, sender, template code (Brand and Sangdam: the message type), campaignReferenceId, route,
status and error. Each rollup holds the number of messages, how many of them went on to their SMS hop, and a
histogram of the time from accept to final in fixed log-spaced buckets: histograms of any range add up, so p50 and
p95 can be read from any range without keeping a single duration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

# Bucket 0 holds up to FIRST_BOUND_MS; bucket i up to FIRST_BOUND_MS * 2^(i/2); the last one everything above
# (about 9.7 days): half-octaves, so a quantile read from them is within a factor of 1.19 of the true one.
BUCKETS = 48
FIRST_BOUND_MS = 100
_PER_OCTAVE = 2


def bucket_of(ms: int) -> int:
    """The histogram bucket of a time to final (negative times, from clocks that disagree, count as 0)."""
    if ms <= FIRST_BOUND_MS:
        return 0
    return min(BUCKETS - 1, math.ceil(_PER_OCTAVE * math.log2(ms / FIRST_BOUND_MS) - 1e-9))


def upper_bound_ms(bucket: int) -> float:
    """The upper edge of a bucket (the last one's is where its range would end if it had one)."""
    return float(FIRST_BOUND_MS * 2 ** (bucket / _PER_OCTAVE))


def lower_bound_ms(bucket: int) -> float:
    return 0.0 if bucket == 0 else upper_bound_ms(bucket - 1)


def quantile_s(counts: Sequence[int], q: float) -> float | None:
    """The q-quantile (0 < q < 1) in seconds of the times a histogram holds, or None for an empty one.

    Within its bucket the quantile is placed on a log scale (times spread evenly in log time), in the first bucket
    linearly from 0: exact at bucket edges, within one half-octave elsewhere."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for bucket, count in enumerate(counts):
        if count and seen + count >= rank:
            share = (rank - seen) / count
            low, high = lower_bound_ms(bucket), upper_bound_ms(bucket)
            ms = high * share if bucket == 0 else low * (high / low) ** share
            return round(ms / 1000, 3)
        seen += count
    return round(upper_bound_ms(len(counts) - 1) / 1000, 3)


@dataclass(frozen=True, slots=True)
class FinalFact:
    """What one final message adds to the statistics."""

    account_id: str
    channel: str
    sender: str
    template_code: str  # '' when none
    campaign_ref: str  # '' when none
    route: str
    status_id: int
    error_id: int
    failed_over: bool  # it ended on its SMS hop
    accepted_at: int
    done_at: int


# account_id, channel, sender, template_code, campaign_ref, route, status_id, error_id
Key = tuple[str, str, str, str, str, str, int, int]


@dataclass(slots=True)
class Tally:
    messages: int
    failovers: int
    histogram: list[int]

    def add(self, other: Tally) -> None:
        self.messages += other.messages
        self.failovers += other.failovers
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]


def empty_tally() -> Tally:
    return Tally(0, 0, [0] * BUCKETS)


def tallies(facts: Iterable[FinalFact], period_ms: int, detailed: bool = True) -> dict[tuple[int, Key], Tally]:
    """The facts summed per (start of their period, key), in key order (so concurrent writers of the same rollups
    lock them in one order). Not `detailed`: keyed by account, channel, status and error only (sender, template,
    campaign and route left blank), the totals that most questions ask for, in a fraction of the rows."""
    sums: dict[tuple[int, Key], Tally] = {}
    for f in facts:
        at = f.done_at - f.done_at % period_ms
        if detailed:
            key: Key = (
                f.account_id,
                f.channel,
                f.sender,
                f.template_code,
                f.campaign_ref,
                f.route,
                f.status_id,
                f.error_id,
            )
        else:
            key = (f.account_id, f.channel, "", "", "", "", f.status_id, f.error_id)
        tally = sums.get((at, key))
        if tally is None:
            tally = sums[(at, key)] = empty_tally()
        tally.messages += 1
        tally.failovers += int(f.failed_over)
        tally.histogram[bucket_of(f.done_at - f.accepted_at)] += 1
    return dict(sorted(sums.items()))


def coarser(finer: dict[tuple[int, Key], Tally], period_ms: int, detailed: bool = True) -> dict[tuple[int, Key], Tally]:
    """Tallies of a longer period (a multiple of theirs), or of the totals, summed from finer ones: the same as
    `tallies` of the facts behind them, for the cost of the (far fewer) tallies."""
    sums: dict[tuple[int, Key], Tally] = {}
    for (at, key), tally in finer.items():
        if not detailed:
            key = (key[0], key[1], "", "", "", "", key[6], key[7])
        start = at - at % period_ms
        found = sums.get((start, key))
        if found is None:
            sums[(start, key)] = Tally(tally.messages, tally.failovers, list(tally.histogram))
        else:
            found.add(tally)
    return dict(sorted(sums.items()))
