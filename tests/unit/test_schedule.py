"""Unit and property tests of `kakao_gateway.domain.schedule`: delivery time windows and speed limits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kakao_gateway.domain.row_plan import Pace, Timing, dry_run
from kakao_gateway.domain.schedule import (
    UNIT_MS,
    Window,
    add_open_time,
    is_open,
    next_open,
    open_until,
    plan_due,
    slot_offset,
)

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS
MONDAY_MS = 1_795_996_800_000  # 2026-11-30T00:00:00Z, a Monday
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
FAST = settings(max_examples=200, deadline=None)


def at(day: int, hour: int = 0, minute: int = 0, ms: int = 0) -> int:
    """An instant `day` days after Monday 2026-11-30, at hh:mm UTC."""
    return MONDAY_MS + day * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + ms


def window(days: set[int], start: tuple[int, int] | None = None, end: tuple[int, int] | None = None) -> Window:
    return Window(
        frozenset(days),
        None if start is None else start[0] * 60 + start[1],
        None if end is None else end[0] * 60 + end[1],
    )


# --- an independent reference model -------------------------------------------------------------------------


def ref_is_open(t: int, w: Window | None) -> bool:
    """Open-ness straight from the definition, through datetime (no epoch-weekday arithmetic)."""
    if w is None:
        return True
    dt = datetime.fromtimestamp(t // 1000, UTC)
    weekday = dt.weekday()
    ms_of_day = t % DAY_MS
    if w.start_minute is None or w.end_minute is None:
        return weekday in w.days
    start, end = w.start_minute * MINUTE_MS, w.end_minute * MINUTE_MS
    if start < end:
        return weekday in w.days and start <= ms_of_day < end
    return (weekday in w.days and ms_of_day >= start) or ((weekday - 1) % 7 in w.days and ms_of_day < end)


def _day_periods(day: int, w: Window) -> list[tuple[int, int]]:
    """Open periods that start on epoch day `day` (for a whole-day window: the day itself)."""
    if datetime.fromtimestamp(day * DAY_MS // 1000, UTC).weekday() not in w.days:
        return []
    if w.start_minute is None or w.end_minute is None:
        return [(day * DAY_MS, (day + 1) * DAY_MS)]
    length = (w.end_minute - w.start_minute) % (24 * 60) * MINUTE_MS
    start = day * DAY_MS + w.start_minute * MINUTE_MS
    return [(start, start + length)]


def _open_ms_by_days(a: int, b: int, w: Window) -> int:
    total = 0
    for day in range(a // DAY_MS - 1, b // DAY_MS + 1):
        for start, end in _day_periods(day, w):
            total += max(0, min(end, b) - max(start, a))
    return total


def ref_open_ms(a: int, b: int, w: Window | None) -> int:
    """Open time in [a, b), summed day by day (whole weeks taken at once)."""
    if b <= a:
        return 0
    if w is None:
        return b - a
    weeks = (b - a) // WEEK_MS
    per_week = _open_ms_by_days(MONDAY_MS, MONDAY_MS + WEEK_MS, w)
    return weeks * per_week + _open_ms_by_days(a + weeks * WEEK_MS, b, w)


# --- strategies ---------------------------------------------------------------------------------------------


@st.composite
def windows(draw: st.DrawFn) -> Window:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    if draw(st.booleans()):
        return Window(days, None, None)
    start = draw(st.integers(0, 24 * 60 - 1))
    length = draw(st.integers(60, 24 * 60 - 1))  # the schema asks for at least 1 hour between from and to
    return Window(days, start, (start + length) % (24 * 60))


optional_windows = st.one_of(st.none(), windows())
instants = st.integers(MONDAY_MS - 2 * 365 * DAY_MS, MONDAY_MS + 2 * 365 * DAY_MS)
units = st.sampled_from(sorted(UNIT_MS))
amounts = st.integers(1, 5000)


@st.composite
def window_and_instant(draw: st.DrawFn) -> tuple[Window | None, int]:
    """A window and an instant, often right on (or 1 ms around) one of its edges."""
    w = draw(optional_windows)
    t = draw(instants)
    if w is not None and w.start_minute is not None and w.end_minute is not None and draw(st.booleans()):
        edge = draw(st.sampled_from([w.start_minute, w.end_minute]))
        t = t - t % DAY_MS + edge * MINUTE_MS + draw(st.sampled_from([-1, 0, 1]))
    elif draw(st.booleans()):
        t -= t % DAY_MS  # midnight
    return w, t


# --- Window.from_wire ---------------------------------------------------------------------------------------


def test_from_wire_with_times() -> None:
    w = Window.from_wire(
        {"days": ["MONDAY", "FRIDAY"], "from": {"hour": 22, "minute": 30}, "to": {"hour": 6, "minute": 0}}
    )
    assert w == Window(frozenset({MON, FRI}), 22 * 60 + 30, 6 * 60)


def test_from_wire_whole_days_and_duplicates() -> None:
    w = Window.from_wire({"days": ["SUNDAY", "SATURDAY", "SUNDAY"]})
    assert w == Window(frozenset({SAT, SUN}), None, None)
    assert Window.from_wire({"days": ["TUESDAY"], "from": None, "to": None}).start_minute is None


@pytest.mark.parametrize(
    "wire",
    [
        {"days": ["MONDAY"], "from": {"hour": 9, "minute": 0}},
        {"days": ["MONDAY"], "to": {"hour": 9, "minute": 0}},
        {"days": ["FUNDAY"]},
        {"days": ["MONDAY"], "from": {"hour": 24, "minute": 0}, "to": {"hour": 9, "minute": 0}},
        {"days": ["MONDAY"], "from": {"hour": 9, "minute": 60}, "to": {"hour": 10, "minute": 0}},
        {"days": ["MONDAY"], "from": {"hour": 9, "minute": 0}, "to": {"hour": 9, "minute": 0}},
    ],
)
def test_from_wire_rejects(wire: dict) -> None:
    with pytest.raises(ValueError):
        Window.from_wire(wire)


def test_window_rejects_bad_day_numbers() -> None:
    with pytest.raises(ValueError):
        Window(frozenset({7}), None, None)


# --- is_open / next_open / open_until -----------------------------------------------------------------------


def test_no_window_is_always_open() -> None:
    t = at(3, 4, 5, 6)
    assert is_open(t, None)
    assert next_open(t, None) == t
    assert open_until(t, None) is None
    assert add_open_time(t, 12_345, None) == t + 12_345


def test_plain_daily_window() -> None:
    w = window({MON, WED}, (9, 0), (17, 30))
    assert not is_open(at(MON, 8, 59, 59_999), w)
    assert is_open(at(MON, 9), w)
    assert is_open(at(MON, 17, 29, 59_999), w)
    assert not is_open(at(MON, 17, 30), w)
    assert not is_open(at(TUE, 12), w)
    assert next_open(at(MON, 17, 30), w) == at(WED, 9)
    assert next_open(at(WED, 18), w) == at(7 + MON, 9)
    assert open_until(at(WED, 10), w) == at(WED, 17, 30)


def test_wrapping_window_belongs_to_the_day_it_starts_on() -> None:
    w = window({MON}, (22, 0), (6, 0))
    assert not is_open(at(MON, 5), w)  # that would be Sunday's period, and Sunday is not listed
    assert is_open(at(MON, 22), w)
    assert is_open(at(TUE, 5, 59), w)
    assert not is_open(at(TUE, 6), w)
    assert not is_open(at(TUE, 23), w)
    assert open_until(at(MON, 23), w) == at(TUE, 6)
    assert next_open(at(TUE, 6), w) == at(7 + MON, 22)
    assert next_open(at(SUN, 23), w) == at(7 + MON, 22)


def test_wrapping_window_on_sunday_spills_into_monday() -> None:
    w = window({SUN}, (20, 0), (2, 0))
    assert is_open(at(7 + MON, 1), w)
    assert open_until(at(7 + MON, 1), w) == at(7 + MON, 2)
    assert next_open(at(7 + MON, 2), w) == at(7 + SUN, 20)


def test_window_up_to_midnight() -> None:
    w = window({FRI}, (18, 0), (0, 0))  # Friday 18:00 to Saturday 00:00
    assert is_open(at(FRI, 23, 59, 59_999), w)
    assert not is_open(at(SAT), w)
    assert open_until(at(FRI, 18), w) == at(SAT)


def test_whole_days_merge_consecutive_days_across_the_week_end() -> None:
    w = window({SAT, SUN, MON, WED})
    assert open_until(at(SAT, 10), w) == at(7 + TUE)
    assert open_until(at(7 + MON, 10), w) == at(7 + TUE)
    assert next_open(at(TUE, 10), w) == at(WED)
    assert open_until(at(WED), w) == at(THU)
    assert next_open(at(THU, 1), w) == at(SAT)
    assert not is_open(at(FRI, 23, 59, 59_999), w)
    assert is_open(at(SAT), w)


def test_every_day_all_day_never_closes() -> None:
    w = window(set(range(7)))
    t = at(2, 3)
    assert is_open(t, w)
    assert open_until(t, w) is None
    assert add_open_time(t, 10 * WEEK_MS, w) == t + 10 * WEEK_MS


def test_every_day_with_hours_still_closes() -> None:
    w = window(set(range(7)), (8, 0), (20, 0))
    assert open_until(at(TUE, 19), w) == at(TUE, 20)
    assert next_open(at(TUE, 20), w) == at(WED, 8)


def test_empty_window_is_never_open() -> None:
    w = Window(frozenset(), None, None)
    assert not is_open(MONDAY_MS, w)
    with pytest.raises(ValueError):
        next_open(MONDAY_MS, w)
    with pytest.raises(ValueError):
        plan_due(MONDAY_MS, 0, None, None, w)


def test_open_until_rejects_a_closed_instant() -> None:
    with pytest.raises(ValueError):
        open_until(at(TUE), window({MON}))


@FAST
@given(window_and_instant())
@example((Window(frozenset({MON}), 22 * 60, 6 * 60), at(TUE, 5, 59, 59_999)))
@example((Window(frozenset({SUN}), 22 * 60, 6 * 60), at(MON, 6)))
def test_window_queries_match_the_reference(case: tuple[Window | None, int]) -> None:
    w, t = case
    assert is_open(t, w) == ref_is_open(t, w)
    start = next_open(t, w)
    assert start >= t
    assert ref_is_open(start, w)
    assert start == t or not ref_is_open(start - 1, w)  # a real opening
    assert ref_open_ms(t, start, w) == 0  # nothing open was skipped
    end = open_until(start, w)
    if end is None:
        assert w is None or (w.start_minute is None and len(w.days) == 7)
    else:
        assert end > start
        assert not ref_is_open(end, w)
        assert ref_open_ms(start, end, w) == end - start  # open all the way
        assert ref_is_open(end - 1, w)


# --- add_open_time ------------------------------------------------------------------------------------------


def test_add_open_time_pauses_outside_the_window() -> None:
    w = window({MON, TUE}, (9, 0), (10, 0))
    assert add_open_time(at(SUN), 0, w) == at(7 + MON, 9)
    assert add_open_time(at(MON, 9, 30), 30 * MINUTE_MS - 1, w) == at(MON, 9, 59, 59_999)
    assert add_open_time(at(MON, 9, 30), 30 * MINUTE_MS, w) == at(TUE, 9)  # the end itself is closed
    assert add_open_time(at(MON, 9, 30), 90 * MINUTE_MS, w) == at(7 + MON, 9)
    assert add_open_time(at(MON, 9), 2 * HOUR_MS * 52, w) == at(52 * 7 + MON, 9)  # a year of open time


def test_add_open_time_rejects_negative_offsets() -> None:
    with pytest.raises(ValueError):
        add_open_time(MONDAY_MS, -1, None)


@FAST
@given(
    window_and_instant(),
    st.integers(0, 60 * DAY_MS),
    st.integers(0, 60 * DAY_MS),
)
def test_add_open_time_counts_open_time(case: tuple[Window | None, int], d1: int, d2: int) -> None:
    w, t = case
    lo, hi = sorted((d1, d2))
    base = next_open(t, w)
    a, b = add_open_time(t, lo, w), add_open_time(t, hi, w)
    assert add_open_time(t, 0, w) == base
    assert base <= a <= b  # monotone in the offset
    assert ref_is_open(a, w) and ref_is_open(b, w)
    assert ref_open_ms(base, a, w) == lo
    assert ref_open_ms(base, b, w) == hi
    assert ref_open_ms(a, b, w) == hi - lo
    # The earliest such instant: just before it, either less open time had passed or the window was closed.
    assert b == base or not ref_is_open(b - 1, w) or ref_open_ms(base, b - 1, w) < hi


# --- speed limits and bulk plans ----------------------------------------------------------------------------


def test_slot_offset_spaces_evenly() -> None:
    assert [slot_offset(i, 30, "HOUR") for i in range(3)] == [0, 2 * MINUTE_MS, 4 * MINUTE_MS]
    assert slot_offset(1, 3, "MINUTE") == 20_000
    assert slot_offset(2, 3, "MINUTE") == 40_000
    assert slot_offset(3, 3, "MINUTE") == 60_000
    assert slot_offset(7, 1, "DAY") == WEEK_MS
    with pytest.raises(ValueError):
        slot_offset(1, 0, "MINUTE")


def test_plan_due_without_limits() -> None:
    t = at(TUE, 13, 14, 15)
    assert plan_due(t, 1000, None, None, None) == t
    assert plan_due(t, 1000, None, None, window({WED})) == at(WED)


def test_plan_due_defaults_to_minutes() -> None:
    assert plan_due(MONDAY_MS, 1, 2, None, None) == MONDAY_MS + 30_000


def test_thirty_per_hour_takes_99_times_two_minutes() -> None:
    start = at(MON, 8, 0, 123)
    plans = [plan_due(start, i, 30, "HOUR", None) for i in range(100)]
    assert plans[0] == start
    assert plans[-1] - plans[0] == 99 * 2 * MINUTE_MS
    assert all(b - a == 2 * MINUTE_MS for a, b in pairwise(plans))


def test_thirty_per_hour_inside_a_window() -> None:
    w = window({MON, TUE, WED, THU, FRI}, (9, 0), (10, 0))  # one hour a weekday: 30 messages a day
    start = at(SAT, 12)
    plans = [plan_due(start, i, 30, "HOUR", w) for i in range(100)]
    assert plans[0] == at(7 + MON, 9)
    assert plans[29] == at(7 + MON, 9, 58)
    assert plans[30] == at(7 + TUE, 9)
    assert plans[99] == at(7 + THU, 9, 18)
    assert ref_open_ms(plans[0], plans[99], w) == 99 * 2 * MINUTE_MS


@FAST
@given(
    window_and_instant(),
    amounts,
    units,
    st.integers(1, 300),
)
@example((None, MONDAY_MS), 30, "HOUR", 100)
@example((Window(frozenset({MON}), 9 * 60, 10 * 60), MONDAY_MS), 1, "DAY", 40)
@example((Window(frozenset({FRI}), 23 * 60, 0), MONDAY_MS + 1), 7, "MINUTE", 300)
def test_bulk_plans_keep_the_contract(case: tuple[Window | None, int], amount: int, unit: str, count: int) -> None:
    w, start = case
    unit_ms = UNIT_MS[unit]
    plans = [plan_due(start, i, amount, unit, w) for i in range(count)]

    # As early as the rules allow: the first message at the first opening.
    assert plans[0] == next_open(start, w)
    # Inside the window, never before the start, in order.
    assert all(p >= start and ref_is_open(p, w) for p in plans)
    assert plans == sorted(plans)
    # No half-open interval of one unit holds more than `amount` planned times.
    assert all(plans[i + amount] >= plans[i] + unit_ms for i in range(count - amount))
    # Consecutive messages are exactly one slot of open time apart, at the earliest open instant.
    for i in range(count - 1):
        spacing = slot_offset(i + 1, amount, unit) - slot_offset(i, amount, unit)
        a, b = plans[i], plans[i + 1]
        assert ref_open_ms(a, b, w) == spacing
        assert b == a or not ref_is_open(b - 1, w) or ref_open_ms(a, b - 1, w) < spacing

    # The dry run agrees with message-by-message planning.
    run = dry_run(Pace(start, amount, unit), count, Timing(w, None, 48 * HOUR_MS))
    assert (run.first_send_at, run.last_send_at) == (plans[0], plans[-1])
    assert run.per_hour == sorted(Counter(p - p % HOUR_MS for p in plans).items())
    assert run.expire_before_sending == 0


@FAST
@given(instants, st.integers(0, 10_000), amounts, units)
def test_without_a_window_the_plan_is_start_plus_slot(start: int, index: int, amount: int, unit: str) -> None:
    assert plan_due(start, index, None, None, None) == start
    assert plan_due(start, index, amount, unit, None) == start + index * UNIT_MS[unit] // amount


@FAST
@given(window_and_instant())
def test_thirty_per_hour_bulk_takes_198_minutes_of_open_time(case: tuple[Window | None, int]) -> None:
    w, start = case
    first = plan_due(start, 0, 30, "HOUR", w)
    last = plan_due(start, 99, 30, "HOUR", w)
    assert first == next_open(start, w)
    assert ref_open_ms(first, last, w) == 99 * 2 * MINUTE_MS
    assert ref_is_open(last, w)
