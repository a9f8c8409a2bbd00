"""The statistics histogram: buckets, quantiles and tallies (domain/rollups.py)."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as s

from kakao_gateway.domain.rollups import (
    BUCKETS,
    DAY_MS,
    HOUR_MS,
    FinalFact,
    bucket_of,
    coarser,
    lower_bound_ms,
    quantile_s,
    tallies,
    upper_bound_ms,
)

DURATIONS = s.integers(min_value=0, max_value=40 * 24 * 3_600_000)


@given(DURATIONS)
def test_a_duration_falls_inside_its_bucket(ms: int) -> None:
    bucket = bucket_of(ms)
    assert 0 <= bucket < BUCKETS
    assert lower_bound_ms(bucket) <= ms or bucket == 0
    assert ms <= upper_bound_ms(bucket) or bucket == BUCKETS - 1


@given(DURATIONS, DURATIONS)
def test_buckets_keep_the_order_of_durations(a: int, b: int) -> None:
    assert (bucket_of(a) <= bucket_of(b)) == (a <= b) or bucket_of(a) == bucket_of(b)


def test_bucket_edges() -> None:
    assert bucket_of(-5) == bucket_of(0) == bucket_of(100) == 0
    assert bucket_of(101) == 1
    assert bucket_of(200) == 2  # 100 * 2^(2/2)
    assert bucket_of(201) == 3


TIMES = s.lists(s.integers(min_value=1, max_value=9 * 24 * HOUR_MS), min_size=1, max_size=200)


@given(TIMES, s.sampled_from([0.5, 0.95]))
def test_a_quantile_is_within_a_half_octave_of_the_true_one(durations: list[int], q: float) -> None:
    counts = [0] * BUCKETS
    for ms in durations:
        counts[bucket_of(ms)] += 1
    estimate = quantile_s(counts, q)
    assert estimate is not None
    ordered = sorted(durations)
    true_ms = ordered[max(0, math.ceil(q * len(ordered)) - 1)]  # the nearest-rank quantile
    bucket = bucket_of(true_ms)
    assert lower_bound_ms(bucket) / 1000 - 0.001 <= estimate <= upper_bound_ms(bucket) / 1000 + 0.001


def test_an_empty_histogram_has_no_quantile() -> None:
    assert quantile_s([0] * BUCKETS, 0.5) is None


def fact(done_at: int, status_id: int = 5, failed_over: bool = False) -> FinalFact:
    return FinalFact("a", "ALIM", "S", "T", "", "R", status_id, 0, failed_over, done_at - 1000, done_at)


@given(s.lists(s.tuples(s.integers(min_value=0, max_value=10 * HOUR_MS), s.booleans()), max_size=50))
def test_tallies_add_up_to_the_facts(items: list[tuple[int, bool]]) -> None:
    facts = [fact(at, failed_over=over) for at, over in items]
    summed = tallies(facts, HOUR_MS)
    assert sum(t.messages for t in summed.values()) == len(facts)
    assert sum(t.failovers for t in summed.values()) == sum(over for _, over in items)
    assert all(at % HOUR_MS == 0 for at, _ in summed)
    assert all(sum(t.histogram) == t.messages for t in summed.values())
    assert list(summed) == sorted(summed)


@given(
    s.lists(
        s.tuples(s.integers(min_value=0, max_value=3 * DAY_MS), s.booleans(), s.sampled_from(["a", "b"])), max_size=60
    )
)
def test_coarser_tallies_equal_tallies_of_the_facts(items: list[tuple[int, bool, str]]) -> None:
    facts = [replace(fact(at, failed_over=over), template_code=code) for at, over, code in items]
    by_minute = tallies(facts, 60_000)
    for period in (HOUR_MS, DAY_MS):
        assert coarser(by_minute, period) == tallies(facts, period)
        assert coarser(by_minute, period, detailed=False) == tallies(facts, period, detailed=False)
