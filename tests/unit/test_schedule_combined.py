"""Windows combined with AllOf (a delivery window and Brand ad hours): property tests against a brute-force model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kakao_gateway.domain.planning import HOUR_MS, MINUTE_MS
from kakao_gateway.domain.schedule import AllOf, Window, add_open_time, is_open, next_open, plan_due

START = 1_795_924_800_000
ALL_DAYS = frozenset(range(7))
AD_HOURS = Window(ALL_DAYS, 23 * 60, 11 * 60)  # 08:00-20:00 KST in UTC


@st.composite
def windows(draw: st.DrawFn) -> Window:
    days = frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
    if draw(st.booleans()):
        return Window(days, None, None)
    start = draw(st.integers(0, 23)) * 60
    length = draw(st.integers(1, 23)) * 60
    return Window(days, start, (start + length) % (24 * 60))


def brute_next_open(t: int, w: AllOf) -> int:
    at = t - t % MINUTE_MS + (MINUTE_MS if t % MINUTE_MS else 0)
    if all(is_open(t, x) for x in w.windows):
        return t
    for _ in range(8 * 24 * 60):
        if all(is_open(at, x) for x in w.windows):
            return at
        at += MINUTE_MS
    raise AssertionError("no opening within 8 days")


@settings(max_examples=100, deadline=None)
@given(windows(), st.integers(0, 14 * 24 * 60))
def test_next_open_is_the_first_instant_both_are_open(w: Window, minutes: int) -> None:
    combined = AllOf((w, AD_HOURS))
    t = START + minutes * MINUTE_MS
    try:
        expected = brute_next_open(t, combined)
    except AssertionError:
        return  # these two never overlap within a week: nothing to compare
    assert next_open(t, combined) == expected
    assert is_open(next_open(t, combined), combined)


@settings(max_examples=100, deadline=None)
@given(windows(), st.integers(0, 7 * 24 * 60), st.integers(0, 100), st.integers(1, 120))
def test_paced_plan_stays_inside_both_windows(w: Window, minutes: int, index: int, per_hour: int) -> None:
    combined = AllOf((w, AD_HOURS))
    start = START + minutes * MINUTE_MS
    try:
        due = plan_due(start, index, per_hour, "HOUR", combined)
    except ValueError:
        return  # never overlapping
    assert due >= start
    assert is_open(due, w) and is_open(due, AD_HOURS)


def test_open_time_counts_only_hours_open_in_both() -> None:
    weekdays_9_to_13_utc = Window(frozenset(range(5)), 9 * 60, 13 * 60)
    combined = AllOf((weekdays_9_to_13_utc, AD_HOURS))  # overlap: 09:00-11:00 UTC on weekdays
    monday_9 = 4 * 24 * HOUR_MS + 9 * HOUR_MS
    assert add_open_time(monday_9, 2 * HOUR_MS, combined) == monday_9 + 24 * HOUR_MS
    assert combined.open_ms_per_week() == 5 * 2 * HOUR_MS
