"""The one planning function: when a row of a bulk is due, until when it may try, and whether it is held.

Accept, every re-plan of a bulk (pause/resume, reschedule, re-pace, the engine's re-pacing of a bulk that fell
behind) and the dry-run plan all call `plan_row`, with a row's `Timing` from its send policy (domain.policy).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .planning import DAY_MS, HOUR_MS, MAX_VALIDITY_MS
from .schedule import AnyWindow, Window, combine, is_open, plan_due


@dataclass(frozen=True, slots=True)
class Timing:
    """A message's sending rules: its own delivery window, a hold on top of it (Brand advertising hours: sending
    waits, validity keeps running) and its validity length."""

    window: AnyWindow | None = None
    hold: Window | None = None
    validity_ms: int = MAX_VALIDITY_MS

    @property
    def sending(self) -> AnyWindow | None:
        return combine(self.window, self.hold)


@dataclass(frozen=True, slots=True)
class Pace:
    """A bulk's plan: slots counted from `base`, `amount` per `unit` (no limit: every slot at `base`)."""

    base: int
    amount: int | None = None
    unit: str | None = None

    def due(self, slot: int, window: AnyWindow | None) -> int:
        return plan_due(self.base, slot, self.amount, self.unit, window)


@dataclass(frozen=True, slots=True)
class RowPlan:
    due_at: int
    expires_at: int
    held: bool  # waits for its window or hold beyond its slot: reported as PENDING_TIME_VIOLATION

    @property
    def expires_unsent(self) -> bool:
        return self.expires_at <= self.due_at


def plan_row(pace: Pace, slot: int, timing: Timing) -> RowPlan:
    sending = timing.sending
    due = pace.due(slot, sending)
    held = sending is not None and due > pace.due(slot, None)
    return RowPlan(due, _validity_start(due, pace, slot, timing) + timing.validity_ms, held)


def wait_reason(plan: RowPlan, pace: Pace, slot: int, now: int) -> str | None:
    """Why a row is planned past `now`: its window or hold (`window`), its bulk's sendAt (`schedule`: nothing of the
    bulk goes before it, paced or not) or its bulk's pace (`pace`); None when it is due now."""
    if plan.due_at <= now:
        return None
    if plan.held:
        return "window"
    if pace.base > now:
        return "schedule"
    return "pace" if pace.due(slot, None) > pace.base else None


def _validity_start(due: int, pace: Pace, slot: int, timing: Timing) -> int:
    """Validity starts at the planned send time. A row held overnight by its hold (due just as the hold opens) was
    planned for when the hold began, the end of the previous day's hours, or for its own plan without the hold if
    that was later: the night does not extend its validity, and one that cannot outlast it expires unsent (4100).
    A paced row due later in the open hours starts its validity when due (its slot is counted in open time)."""
    hold = timing.hold
    if hold is None or hold.start_minute is None or not is_open(due, hold) or is_open(due - 1, hold):
        return due
    hold_began = due - (DAY_MS - hold.period_ms())
    return max(hold_began, pace.due(slot, timing.window))


@dataclass(frozen=True, slots=True)
class DryRun:
    first_send_at: int | None
    last_send_at: int | None
    per_hour: list[tuple[int, int]]  # (UTC hour start, messages), ascending, only hours that hold messages
    expire_before_sending: int


def dry_run(pace: Pace, count: int, timing: Timing) -> DryRun:
    """What accepting `count` rows into a new bulk would plan: the same `plan_row` the accept runs."""
    if count < 0:
        raise ValueError("count must not be negative")
    hours: Counter[int] = Counter()
    first = last = None
    expire = 0
    for slot in range(count):
        plan = plan_row(pace, slot, timing)
        if plan.expires_unsent:
            expire += 1
            continue
        hours[plan.due_at - plan.due_at % HOUR_MS] += 1
        first = plan.due_at if first is None else min(first, plan.due_at)
        last = plan.due_at if last is None else max(last, plan.due_at)
    return DryRun(first, last, sorted(hours.items()), expire)
