"""Delivery time windows and speed limits: when each message of a bulk may leave.

Pure functions over integer epoch milliseconds (UTC). A `Window` is weekly periodic: it is open on the listed
UTC weekdays, either all day or from `from` (inclusive) to `to` (exclusive). When `to` is earlier than `from`
the open period wraps past midnight and belongs to the day it starts on (MONDAY 22:00-06:00 is open from
Monday 22:00 to Tuesday 06:00). `None` stands for "no window": always open.

A speed limit of `amount` per `unit` spaces the messages of a bulk evenly in *open* time: message `i` is due
`i * unit // amount` ms of open time after the bulk's first open instant. Two messages `amount` apart are thus
exactly one unit of open time apart, and real time is never shorter than open time, so no half-open interval
of one unit holds more than `amount` planned times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .planning import DAY_MS, HOUR_MS, MINUTE_MS

WEEK_MS = 7 * DAY_MS
MINUTES_PER_DAY = 24 * 60

# 1970-01-01 (epoch day 0) was a Thursday; weekdays count 0=Monday .. 6=Sunday.
_EPOCH_WEEKDAY = 3

DAY_NAMES = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)}

UNIT_MS = {"MINUTE": MINUTE_MS, "HOUR": HOUR_MS, "DAY": DAY_MS}
DEFAULT_UNIT = "MINUTE"


@dataclass(frozen=True, slots=True)
class Window:
    """A deliveryTimeWindow, in UTC."""

    days: frozenset[int]  # 0=Monday .. 6=Sunday
    start_minute: int | None  # minutes after 00:00 UTC of `from`, or None (whole days)
    end_minute: int | None  # minutes after 00:00 UTC of `to`, or None

    def __post_init__(self) -> None:
        if any(not 0 <= d <= 6 for d in self.days):
            raise ValueError("days must be weekday numbers 0 (Monday) .. 6 (Sunday)")
        if (self.start_minute is None) != (self.end_minute is None):
            raise ValueError("give both 'from' and 'to', or neither")
        if self.start_minute is not None and self.end_minute is not None:
            for minute in (self.start_minute, self.end_minute):
                if not 0 <= minute < MINUTES_PER_DAY:
                    raise ValueError("'from' and 'to' must be times of day (00:00 .. 23:59)")
            if self.start_minute == self.end_minute:
                raise ValueError("'from' and 'to' must differ")

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Window:
        """Build from `{"days": ["MONDAY", ...], "from": {"hour", "minute"}, "to": {...}}` (from/to optional)."""
        try:
            days = frozenset(_DAY_INDEX[str(name).upper()] for name in wire.get("days") or ())
        except KeyError as exc:
            raise ValueError(f"unknown day {exc.args[0]!r}") from None
        return cls(days, _wire_minute(wire.get("from")), _wire_minute(wire.get("to")))

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"days": [DAY_NAMES[d] for d in sorted(self.days)]}
        if self.start_minute is not None and self.end_minute is not None:
            wire["from"] = {"hour": self.start_minute // 60, "minute": self.start_minute % 60}
            wire["to"] = {"hour": self.end_minute // 60, "minute": self.end_minute % 60}
        return wire

    @property
    def whole_days(self) -> bool:
        return self.start_minute is None

    def period_ms(self) -> int:
        """Length of one daily open period (from/to windows only)."""
        assert self.start_minute is not None and self.end_minute is not None
        return (self.end_minute - self.start_minute) % MINUTES_PER_DAY * MINUTE_MS

    def open_ms_per_week(self) -> int:
        if self.whole_days:
            return len(self.days) * DAY_MS
        return len(self.days) * self.period_ms()


MIN_DELIVERY_WINDOW_MS = HOUR_MS


def delivery_window_problem(w: Window) -> str | None:
    """What a client's deliveryTimeWindow may not be (beyond what `Window` itself refuses): open less than an hour
    a day."""
    if w.start_minute is not None and w.period_ms() < MIN_DELIVERY_WINDOW_MS:
        return "'from' and 'to' must be at least 1 hour apart"
    return None


def _wire_minute(time: Any) -> int | None:
    if time is None:
        return None
    hour = int(time["hour"])
    minute = int(time.get("minute", 0))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError("hour must be 0..23 and minute 0..59")
    return hour * 60 + minute


def _weekday(day: int) -> int:
    """Weekday (0=Monday) of the epoch day number `day`."""
    return (day + _EPOCH_WEEKDAY) % 7


@dataclass(frozen=True, slots=True)
class AllOf:
    """Open only when every one of its windows is open: a message's delivery window and Brand ad hours, say."""

    windows: tuple[Window, ...]

    def open_ms_per_week(self) -> int:
        monday = 4 * DAY_MS  # epoch day 4 was a Monday
        total, at, end = 0, *_span(monday, self)
        while at < monday + WEEK_MS:
            if end is None:
                return total + monday + WEEK_MS - at
            total += min(end, monday + WEEK_MS) - at
            at, end = _span(end, self)
        return total


AnyWindow = Window | AllOf


def combine(*windows: AnyWindow | None) -> AnyWindow | None:
    """The window open when all the given ones are (None: always open)."""
    parts: list[Window] = []
    for w in windows:
        if isinstance(w, AllOf):
            parts.extend(w.windows)
        elif w is not None:
            parts.append(w)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _span_all(t: int, w: AllOf) -> tuple[int, int | None]:
    for _ in range(200):  # each round moves t to a later opening; overlapping weekly windows meet within a week
        spans = [_span(t, x) for x in w.windows]
        start = max(s for s, _ in spans)
        if all(s == start for s, _ in spans):
            ends = [e for _, e in spans if e is not None]
            return start, min(ends) if ends else None
        t = start
    raise ValueError("the windows never overlap, so the message can never be sent")


def _span(t: int, w: AnyWindow | None) -> tuple[int, int | None]:
    """The first open instant `a >= t` and the end of the open period holding `a` (None: never closes).

    Raises ValueError when the window is never open. Loops are bounded by a week of days.
    """
    if w is None:
        return t, None
    if isinstance(w, AllOf):
        return _span_all(t, w)
    if not w.days:
        raise ValueError("the delivery time window has no days, so it is never open")
    if w.start_minute is None or w.end_minute is None:
        return _span_whole_days(t, w)
    return _span_daily(t, w, w.start_minute * MINUTE_MS)


def _span_whole_days(t: int, w: Window) -> tuple[int, int | None]:
    if len(w.days) == 7:
        return t, None
    day = d = t // DAY_MS
    while _weekday(d) not in w.days:  # at most 6 steps: some day of the week is listed
        d += 1
    start = t if d == day else d * DAY_MS
    end_day = d + 1
    while _weekday(end_day) in w.days:  # at most 5 steps: some day of the week is not listed
        end_day += 1
    return start, end_day * DAY_MS


def _span_daily(t: int, w: Window, from_ms: int) -> tuple[int, int | None]:
    day = t // DAY_MS
    length = w.period_ms()
    # The period of the day before may wrap into `day`; after that a week ahead always holds a listed day.
    for d in range(day - 1, day + 8):
        if _weekday(d) not in w.days:
            continue
        start = d * DAY_MS + from_ms
        end = start + length
        if end > t:
            return max(start, t), end
    raise AssertionError("unreachable: a non-empty window opens within a week")  # pragma: no cover


def is_open(t: int, w: AnyWindow | None) -> bool:
    """Whether messages may be delivered at instant `t` (None = always open)."""
    if isinstance(w, AllOf):
        return all(is_open(t, x) for x in w.windows)
    return w is None or (bool(w.days) and _span(t, w)[0] == t)


def next_open(t: int, w: AnyWindow | None) -> int:
    """`t` if the window is open at `t`, else the start of the next open period (ValueError if never open)."""
    return _span(t, w)[0]


def open_until(t: int, w: AnyWindow | None) -> int | None:
    """For an open `t`: when its open period ends (exclusive); None if it never ends.

    Raises ValueError when the window is closed at `t`.
    """
    start, end = _span(t, w)
    if start != t:
        raise ValueError("the delivery time window is closed at this instant")
    return end


def add_open_time(t: int, offset_ms: int, w: AnyWindow | None) -> int:
    """The earliest open instant reached after `offset_ms` of open time counted from `next_open(t)`.

    When the offset runs out exactly where an open period ends, the result is the next opening (the end itself
    is closed). Offset 0 gives `next_open(t)`.
    """
    if offset_ms < 0:
        raise ValueError("offset_ms must not be negative")
    at, end = _span(t, w)
    if end is None or at + offset_ms < end:
        return at + offset_ms
    assert w is not None
    # Whole weeks first: the window is weekly periodic and `at` is open, so `at + k weeks` is open and lies
    # exactly k weeks of open time later. The rest takes at most a week's worth of open periods.
    weeks = offset_ms // w.open_ms_per_week()
    at += weeks * WEEK_MS
    remaining = offset_ms - weeks * w.open_ms_per_week()
    at, end = _span(at, w)
    while end is not None and at + remaining >= end:
        remaining -= end - at
        at, end = _span(end, w)
    return at + remaining


def slot_offset(index: int, amount: int, unit: str) -> int:
    """Open-time offset of the `index`-th (0-based) message of a bulk paced at `amount` per `unit`."""
    if amount <= 0:
        raise ValueError("the speed limit amount must be greater than 0")
    if index < 0:
        raise ValueError("index must not be negative")
    return index * UNIT_MS[unit] // amount


def plan_due(start: int, index: int, amount: int | None, unit: str | None, w: AnyWindow | None) -> int:
    """When the `index`-th message of a bulk may leave.

    `start` is sendAt or now. With a speed limit the message's slot is counted in open time from the first
    open instant at or after `start`; without one every message is due at `next_open(start)`. `unit` defaults
    to MINUTE, as on the wire.
    """
    if amount is None:
        return next_open(start, w)
    return add_open_time(start, slot_offset(index, amount, unit or DEFAULT_UNIT), w)


def paced_start(start: int, recent_departures: list[int], amount: int, unit: str | None) -> int:
    """The earliest start for new evenly spaced slots (interval I = unit/amount) such that, together with the
    bulk's recent departures, no sliding window of one unit holds more than `amount` departures.

    With o(n) the n-th newest departure, the k-th new slot's window must hold at most `amount - k - 1` old
    departures, which comes down to start >= o(n) + n * I for n = 1..amount.
    """
    newest_first = sorted(recent_departures, reverse=True)[:amount]
    at = start
    for n, departed in enumerate(newest_first, start=1):
        at = max(at, departed + slot_offset(n, amount, unit or DEFAULT_UNIT))
    return at


def finish_estimate(
    pending: int, now: int, next_due: int | None, pace: tuple[int, str] | None, recent_departures: int, window_ms: int
) -> int | None:
    """When a bulk's last pending message should leave: at its pace from its next due instant, else at the rate
    its messages left in the last `window_ms` (`recent_departures` of them). None: nothing pending, or no rate to
    go by (nothing left recently and no pace)."""
    if pending <= 0:
        return None
    start = max(now, next_due) if next_due is not None else now
    if pace is not None:
        amount, unit = pace
        return start + (pending - 1) * UNIT_MS[unit] // amount
    if next_due is not None and next_due > now:
        return None  # not started: no rate yet
    if recent_departures <= 0:
        return None
    return now + pending * window_ms // recent_departures
