"""The one planning function: due times, expiries and holds for rows of a bulk."""

from __future__ import annotations

import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kakao_gateway.domain.policy import SendPolicy, SmsFailover, decode
from kakao_gateway.domain.row_plan import Pace, Timing, dry_run, plan_row, wait_reason
from kakao_gateway.domain.schedule import Window, is_open

MINUTE = 60_000
HOUR = 60 * MINUTE
MONDAY = 1_795_996_800_000  # 2026-11-30T00:00:00Z
EVERY_DAY = frozenset(range(7))
ADS = Window(EVERY_DAY, 23 * 60, 11 * 60)  # 08:00-20:00 KST as UTC: 23:00-11:00
FAST = settings(max_examples=150, deadline=None)


def test_a_row_held_overnight_keeps_the_validity_of_its_plan_without_the_hold() -> None:
    """At 12:00 UTC (21:00 KST) the ads are closed until 23:00 UTC: held, and its 1-hour validity ran out at
    13:00 UTC, so it expires unsent; with 12 hours it leaves at 23:00 and expires at 00:00."""
    start = MONDAY + 12 * HOUR
    short = plan_row(Pace(start), 0, Timing(None, ADS, HOUR))
    assert (short.due_at, short.expires_at, short.held) == (MONDAY + 23 * HOUR, start + HOUR, True)
    assert short.expires_unsent
    long = plan_row(Pace(start), 0, Timing(None, ADS, 12 * HOUR))
    assert (long.due_at, long.expires_at, long.expires_unsent) == (MONDAY + 23 * HOUR, start + 12 * HOUR, False)


def test_without_a_hold_validity_starts_when_the_row_is_due() -> None:
    window = Window(EVERY_DAY, 9 * 60, 10 * 60)
    plan = plan_row(Pace(MONDAY, 30, "HOUR"), 40, Timing(window, None, HOUR))
    assert plan.held and plan.expires_at == plan.due_at + HOUR
    assert plan_row(Pace(MONDAY), 0, Timing()).held is False


def test_a_policy_survives_its_codec() -> None:
    failover = {"text": "Your order shipped", "sender": "SMS-1", "validityPeriod": {"amount": 2, "timeUnit": "HOURS"}}
    wire = {
        "deliveryTimeWindow": {
            "days": ["MONDAY", "FRIDAY"],
            "from": {"hour": 1, "minute": 30},
            "to": {"hour": 5, "minute": 0},
        }
    }
    policy = SendPolicy(
        Timing(Window.from_wire(wire["deliveryTimeWindow"]), ADS, 30 * MINUTE),
        "ALL_CONSENT",
        SmsFailover("Your order shipped", "SMS-1", tuple(sorted(failover.items()))),
    )
    assert decode(policy.encode(), 30 * MINUTE) == policy
    assert SendPolicy().encode() is None and decode(None, None) == SendPolicy()


def test_timing_is_decoded_from_what_the_row_stores() -> None:
    hours = {"days": ["MONDAY"], "from": {"hour": 23, "minute": 0}, "to": {"hour": 11, "minute": 0}}
    options = json.dumps({"deliveryTimeWindow": {"days": ["MONDAY"]}, "adHours": hours})
    timing = decode(options, 5 * MINUTE).timing
    assert timing == Timing(Window(frozenset({0}), None, None), Window(frozenset({0}), 23 * 60, 11 * 60), 5 * MINUTE)
    assert decode(None, None).timing == Timing()


windows = st.one_of(
    st.none(),
    st.builds(
        lambda days, a, b: Window(frozenset(days), a, b if b != a else (a + 1) % 1440),
        st.sets(st.integers(0, 6), min_size=1),
        st.integers(0, 1439),
        st.integers(0, 1439),
    ),
)


@FAST
@given(
    st.integers(MONDAY, MONDAY + 14 * 24 * HOUR),
    st.one_of(st.none(), st.integers(1, 120)),
    st.sampled_from(["MINUTE", "HOUR", "DAY"]),
    windows,
    st.one_of(st.none(), st.just(ADS)),
    st.integers(0, 48 * HOUR),
    st.integers(1, 60),
)
def test_plans_keep_their_rules(
    start: int, amount: int | None, unit: str, window: Window | None, hold: Window | None, validity: int, count: int
) -> None:
    timing = Timing(window, hold, validity)
    pace = Pace(start, amount, amount and unit)
    try:
        plans = [plan_row(pace, slot, timing) for slot in range(count)]
    except ValueError as error:  # a window that never meets the hold: refused at accept with a 400
        assert "never overlap" in str(error)
        assume(False)
    dues = [p.due_at for p in plans]
    assert dues == sorted(dues) and all(d >= start for d in dues)
    assert all(is_open(d, timing.sending) for d in dues)
    # validity is never longer than asked; a hold never lengthens it; without a hold it starts when due
    assert all(p.expires_at - p.due_at <= validity for p in plans)
    if hold is None:
        assert all(p.expires_at == p.due_at + validity for p in plans)
    run = dry_run(pace, count, timing)
    assert run.expire_before_sending + sum(n for _, n in run.per_hour) == count
    assert run.expire_before_sending == sum(p.expires_unsent for p in plans)


def test_the_reason_a_row_waits() -> None:
    window = Window(EVERY_DAY, 9 * 60, 10 * 60)  # 09:00-10:00 UTC
    now = MONDAY + 12 * HOUR

    def reason(pace: Pace, slot: int, timing: Timing) -> str | None:
        return wait_reason(plan_row(pace, slot, timing), pace, slot, now)

    assert reason(Pace(now), 0, Timing()) is None
    assert reason(Pace(now + HOUR), 0, Timing()) == "schedule"
    assert reason(Pace(now, 1, "MINUTE"), 0, Timing()) is None  # the first of a paced bulk goes at once
    assert reason(Pace(now, 1, "MINUTE"), 5, Timing()) == "pace"
    assert reason(Pace(now), 0, Timing(window)) == "window"
    assert reason(Pace(now + HOUR, 1, "MINUTE"), 5, Timing()) == "schedule"  # nothing goes before the sendAt
    assert reason(Pace(now + HOUR, 1, "MINUTE"), 0, Timing(window)) == "window"  # the window says most
