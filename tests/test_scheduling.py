"""Scheduling end to end through the HTTP API on a fake clock: sendAt, sending speed limits, delivery time windows,
validity counted from each message's planned send time, restarts mid-bulk and upstream submit rates.

Time moves with `gateway.advance_clock(target)` (what `POST /sandbox/1/clock/advance` does): it stops at every
instant something falls due, so each message leaves exactly when the engine first may send it, and a report's
`sentAt` (the first submit) is the message's departure.

Other scheduling test modules import the helpers below.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain import status as st
from kakao_gateway.domain.times import format_ms, parse_instant
from kakao_gateway.engine.engine import EngineSettings
from kakao_gateway.store import message_queries as msgs
from kakao_gateway.store import outcomes

from .conftest import API_KEY, START_MS, Receiver
from .helpers import SENDER, TEMPLATE_CODE, TEMPLATE_TEXT, TEXT, register_basics
from .spec import assert_api_error, assert_matches

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
UNIT_MS = {"MINUTE": MINUTE, "HOUR": HOUR, "DAY": DAY}
DAY0 = START_MS - 4 * HOUR  # 2026-11-29T00:00:00Z, a Sunday; START is 04:00 UTC on it
ALL_DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
HOOK_URL = "http://hooks.test/dlr"

DELIVERED = ("DELIVERED_TO_HANDSET", "NO_ERROR")
CANCELED = ("UNDELIVERABLE_NOT_SENT", "EC_MESSAGE_CANCELED")
NEVER_LEFT = ("EXPIRED_EXPIRED", "EC_MESSAGE_CANCELED")  # 4100
LAPSED = ("EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED")  # 4101


# --- helpers (shared with test_bulks, test_virtual_clock and test_workers_pg) ---------------------------------------


def utc(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """Epoch ms of DAY0 + `day` days at hour:minute:second UTC."""
    return DAY0 + day * DAY + hour * HOUR + minute * MINUTE + second * SECOND


def iso(ms: int, offset: str = "Z") -> str:
    """An instant written with the given offset style: `Z`, `+09:00` or `+0900` (any hours)."""
    if offset == "Z":
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    text = datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="milliseconds")
    return text if ":" in offset else text[:-3] + text[-2:]


def numbers(count: int, first: int = 0) -> list[str]:
    """Distinct ordinary (always delivered) Korean mobile numbers, none of them a sandbox magic number."""
    return [f"8219{first + i:08d}" for i in range(count)]


def window_wire(
    days: Iterable[str] = ALL_DAYS, start: tuple[int, int] | None = (0, 0), end: tuple[int, int] | None = (12, 0)
) -> dict[str, Any]:
    wire: dict[str, Any] = {"days": list(days)}
    if start is not None and end is not None:
        wire["from"] = {"hour": start[0], "minute": start[1]}
        wire["to"] = {"hour": end[0], "minute": end[1]}
    return wire


def in_window(ms: int, start_h: int = 0, end_h: int = 12) -> bool:
    """Whether `ms` is inside a daily (every day) UTC window [start_h, end_h) with start_h < end_h."""
    hour = (ms % DAY) / HOUR
    return start_h <= hour < end_h


def bulk_body(
    tos: Iterable[str],
    *,
    bulk_id: str | None = None,
    send_at: str | None = None,
    speed: tuple[int, str] | None = None,
    window: dict[str, Any] | None = None,
    validity: tuple[int, str] | None = None,
    hook: str | None = None,
    intermediate: bool = False,
    priority: str | None = None,
    sender: str = SENDER,
) -> dict[str, Any]:
    """One Alim message to every destination in `tos` (in order), with the scheduling options given."""
    message: dict[str, Any] = {
        "sender": sender,
        "destinations": [{"to": to} for to in tos],
        "content": {"type": "TEMPLATE", "templateCode": TEMPLATE_CODE, "text": TEXT},
    }
    message_options: dict[str, Any] = {}
    if window is not None:
        message_options["deliveryTimeWindow"] = window
    if validity is not None:
        message_options["validityPeriod"] = {"amount": validity[0], "timeUnit": validity[1]}
    if message_options:
        message["options"] = message_options
    if hook is not None:
        message["webhooks"] = {"delivery": {"url": hook, "intermediateReport": intermediate}}
    body: dict[str, Any] = {"messages": [message]}
    schedule: dict[str, Any] = {}
    if bulk_id is not None:
        schedule["bulkId"] = bulk_id
    if send_at is not None:
        schedule["sendAt"] = send_at
    if speed is not None:
        schedule["sendingSpeedLimit"] = {"amount": speed[0], "timeUnit": speed[1]}
    options: dict[str, Any] = {}
    if schedule:
        options["schedule"] = schedule
    if priority is not None:
        options["priority"] = priority
    if options:
        body["options"] = options
    return body


async def accept(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[str, list[str]]:
    """Send; every destination must be accepted. Returns the bulkId and the messageIds in request order."""
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    assert {m["status"]["groupName"] for m in answer["messages"]} == {"PENDING"}, answer
    return answer["bulkId"], [m["messageId"] for m in answer["messages"]]


def outcome(report: dict[str, Any]) -> tuple[str, str]:
    return report["status"]["name"], report["error"]["name"]


def assert_outcome(report: dict[str, Any], expected: tuple[str, str]) -> None:
    assert outcome(report) == expected, report
    assert report["status"] == st.status(expected[0]).wire()
    assert report["error"] == st.error(expected[1]).wire()


class Ledger:
    """Every final report seen so far (pulled, or pushed to a receiver), at most one per messageId."""

    def __init__(self) -> None:
        self.reports: dict[str, dict[str, Any]] = {}

    def add(self, results: list[dict[str, Any]]) -> None:
        assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
        for r in results:
            assert r["messageId"] not in self.reports, f"a second final report for {r['messageId']}: {r}"
            self.reports[r["messageId"]] = r

    async def pull(self, client: httpx.AsyncClient) -> int:
        """Pull every pullable report; returns how many were new."""
        total = 0
        while True:
            response = await client.get("/kakao-alim/1/reports", params={"limit": 1000})
            assert response.status_code == 200, response.text
            results = response.json()["results"]
            self.add(results)
            total += len(results)
            if len(results) < 1000:
                return total

    def sent_at(self, ids: Iterable[str]) -> list[int]:
        return [parse_instant(self.reports[i]["sentAt"]) for i in ids]

    def done_at(self, ids: Iterable[str]) -> list[int]:
        return [parse_instant(self.reports[i]["doneAt"]) for i in ids]


async def play(gateway: Gateway, client: httpx.AsyncClient, ledger: Ledger, until: int, chunk: int = 12 * HOUR) -> None:
    """Advance the clock to `until` through every due event, pulling reports at least every `chunk` of time (pulled
    reports and logs only reach 48 h back)."""
    while True:
        await gateway.advance_clock(min(gateway.clock.now_ms() + chunk, until))
        await ledger.pull(client)
        if gateway.clock.now_ms() >= until:
            return


def max_per_window(times: Iterable[int], width_ms: int) -> int:
    """The most instants found in any half-open interval of `width_ms`."""
    ordered = sorted(times)
    best, first = 0, 0
    for last, t in enumerate(ordered):
        while ordered[first] <= t - width_ms:
            first += 1
        best = max(best, last - first + 1)
    return best


async def logs(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/kakao-alim/1/logs", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches(body, "/kakao-alim/1/logs", "get", 200)
    return body["results"]  # type: ignore[no-any-return]


async def state_of(gateway: Gateway, message_id: str) -> dict[str, Any]:
    found = await gateway.db.read(msgs.message_state(gateway.default_account_id, message_id))
    assert found is not None
    return found


async def register_sender(client: httpx.AsyncClient, sender: str) -> None:
    """A second sender with the same approved template."""
    response = await client.post("/kakao/1/senders", json={"sender": sender, "name": sender})
    assert response.status_code == 200, response.text
    body = {"sender": sender, "templateCode": TEMPLATE_CODE, "name": "Order shipped", "text": TEMPLATE_TEXT}
    response = await client.post("/kakao-alim/1/templates", json=body)
    assert response.status_code == 200, response.text


@asynccontextmanager
async def open_gateway(
    settings: Settings, clock: ManualClock, receiver: Receiver
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    """A gateway built like conftest's, with an API client of its own."""
    gw = Gateway(settings, clock=clock, webhook_transport=httpx.ASGITransport(app=receiver.app()))
    await gw.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gw)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {API_KEY}"},
        ) as c:
            yield gw, c
    finally:
        await gw.stop()


def assert_paced(times: list[int], amount: int, unit: str) -> None:
    """No sliding window of one unit holds more than `amount` departures."""
    assert max_per_window(times, UNIT_MS[unit]) <= amount, sorted(times)


# --- sendAt ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+09:00", "+0900", "Z", "-05:30"])
async def test_send_at_in_any_offset_style_is_the_same_instant(
    client: httpx.AsyncClient, gateway: Gateway, offset: str
) -> None:
    await register_basics(client)
    send_at = START_MS + 90 * MINUTE
    wire = iso(send_at, offset)
    assert wire.endswith(offset)
    bulk_id, ids = await accept(client, bulk_body(numbers(2), send_at=wire))
    response = await client.get("/kakao/1/bulks", params={"bulkId": bulk_id})
    assert response.status_code == 200, response.text
    assert response.json() == {"bulkId": bulk_id, "sendAt": format_ms(send_at)}

    ledger = Ledger()
    await play(gateway, client, ledger, send_at - 1)
    assert ledger.reports == {}
    waiting = await logs(client, bulkId=bulk_id)
    assert sorted(e["messageId"] for e in waiting) == sorted(ids)
    assert {e["status"]["groupName"] for e in waiting} == {"PENDING"}

    await play(gateway, client, ledger, send_at)
    assert sorted(ledger.reports) == sorted(ids)
    for i in ids:
        assert_outcome(ledger.reports[i], DELIVERED)
    assert ledger.sent_at(ids) == ledger.done_at(ids) == [send_at, send_at]


async def test_send_at_in_the_past_means_now(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(1), send_at=iso(START_MS - DAY, "+09:00")))
    response = await client.get("/kakao/1/bulks", params={"bulkId": bulk_id})
    assert response.json() == {"bulkId": bulk_id, "sendAt": format_ms(START_MS)}
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS)
    assert_outcome(ledger.reports[ids[0]], DELIVERED)
    assert ledger.sent_at(ids) == [START_MS]


@pytest.mark.parametrize(
    ("ahead_ms", "accepted"),
    [(180 * DAY, True), (180 * DAY + SECOND, False), (365 * DAY, False)],
    ids=["180-days", "180-days-and-1-s", "a-year"],
)
async def test_send_at_at_most_180_days_ahead(
    client: httpx.AsyncClient, gateway: Gateway, ahead_ms: int, accepted: bool
) -> None:
    await register_basics(client)
    body = bulk_body(numbers(1), send_at=iso(START_MS + ahead_ms, "+0900"))
    response = await client.post("/kakao-alim/1/messages", json=body)
    if accepted:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400, response.text
    error = response.json()
    assert_api_error(error)
    assert [v["property"] for v in error["violations"]] == ["options.schedule.sendAt"]
    assert await logs(client) == []  # nothing was stored


async def test_unparseable_send_at_is_400(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    for bad in ("tomorrow", "2026-12-01T10:00:00", "2026-13-01T10:00:00Z"):
        response = await client.post("/kakao-alim/1/messages", json=bulk_body(numbers(1), send_at=bad))
        assert response.status_code == 400, (bad, response.text)
        assert_api_error(response.json())
    assert await logs(client) == []


# --- sending speed limits --------------------------------------------------------------------------------------------


def open_ms_between(a: int, b: int, start_h: int = 0, end_h: int = 12) -> int:
    """Open time of a daily [start_h, end_h) UTC window between instants a <= b."""
    total = 0
    day = a // DAY * DAY
    while day < b:
        lo, hi = max(a, day + start_h * HOUR), min(b, day + end_h * HOUR)
        total += max(0, hi - lo)
        day += DAY
    return total


async def test_hourly_limit_over_a_window_that_closes_overnight(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """30/HOUR, 100 messages, window every day 00:00-12:00 UTC, starting at 11:00: 30 leave before the window closes,
    the other 70 the next morning, two minutes apart; never more than 30 in an hour, never outside the window."""
    await register_basics(client)
    send_at = utc(0, 11)
    bulk_id, ids = await accept(
        client, bulk_body(numbers(100), send_at=iso(send_at, "+09:00"), speed=(30, "HOUR"), window=window_wire())
    )
    ledger = Ledger()
    await play(gateway, client, ledger, utc(0, 11, 58, 59))
    assert len(ledger.reports) == 30
    await play(gateway, client, ledger, utc(1, 0) - 1)
    assert len(ledger.reports) == 30  # the window is closed overnight
    await play(gateway, client, ledger, utc(2, 0))
    assert sorted(ledger.reports) == sorted(ids)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())

    times = ledger.sent_at(ids)
    assert times == sorted(times) and len(set(times)) == len(times)  # order kept, one at a time
    assert all(in_window(t) for t in times)
    assert_paced(times, 30, "HOUR")
    assert times[0] == send_at
    assert times[29] == utc(0, 11, 58)
    assert times[30] == utc(1, 0)
    assert times[-1] == utc(1, 2, 18)
    # While open, the bulk goes at the full rate: 99 intervals in 99 * 2 minutes of open time.
    open_ms = open_ms_between(times[0], times[-1])
    rate_per_hour = (len(times) - 1) / (open_ms / HOUR)
    assert rate_per_hour >= 0.99 * 30
    status = (await client.get("/kakao/1/bulks/status", params={"bulkId": bulk_id})).json()
    assert status["status"] == "FINISHED"
    assert status["progress"]["delivered"] == 100


@pytest.mark.parametrize(
    ("amount", "unit", "count"),
    [(10, "MINUTE", 25), (7, "MINUTE", 15), (3, "DAY", 7), (45, "HOUR", 50)],
)
async def test_speed_limit_units(
    client: httpx.AsyncClient, gateway: Gateway, amount: int, unit: str, count: int
) -> None:
    await register_basics(client)
    _, ids = await accept(client, bulk_body(numbers(count), speed=(amount, unit)))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 4 * DAY)
    assert sorted(ledger.reports) == sorted(ids)
    times = ledger.sent_at(ids)
    assert times == sorted(times)
    assert_paced(times, amount, unit)
    unit_ms = UNIT_MS[unit]
    # Evenly spaced from now: message i at i * unit / amount (rounded down to the ms), so at the full rate.
    assert times == [START_MS + i * unit_ms // amount for i in range(count)]
    assert max_per_window(times, unit_ms) == min(amount, count)


async def test_speed_limit_across_a_window_that_wraps_past_midnight(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """10/HOUR, 50 messages, open only Monday 22:00 to Tuesday 02:00 UTC: 40 leave in the first period (four open
    hours), the last 10 a week later. Validity (1 h) counts from each planned send time, so none expires."""
    await register_basics(client)
    window = window_wire(["MONDAY"], (22, 0), (2, 0))
    _, ids = await accept(client, bulk_body(numbers(50), speed=(10, "HOUR"), window=window, validity=(1, "HOURS")))
    ledger = Ledger()
    await play(gateway, client, ledger, utc(9))
    assert sorted(ledger.reports) == sorted(ids)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())
    times = ledger.sent_at(ids)
    assert times == sorted(times)
    assert_paced(times, 10, "HOUR")
    monday, next_monday = utc(1, 22), utc(8, 22)
    assert times[:40] == [monday + i * 6 * MINUTE for i in range(40)]
    assert times[40:] == [next_monday + i * 6 * MINUTE for i in range(10)]


async def test_high_priority_bulk_overtakes_a_paced_one(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Smoke test of priority across bulks (see test_engine for the full ordering)."""
    await register_basics(client)
    await gateway.engine.run_until_idle()  # the template's sandbox inspection is decided first (one transition)
    _, low = await accept(client, bulk_body(numbers(3), priority="LOW"))
    _, high = await accept(client, bulk_body(numbers(3, first=10), priority="HIGH", speed=(60, "MINUTE")))
    gateway.engine.settings = EngineSettings(claim_batch=1)
    ledger = Ledger()
    assert await gateway.engine.run_once() == 1
    await ledger.pull(client)
    assert list(ledger.reports) == [high[0]]
    await play(gateway, client, ledger, START_MS + MINUTE)
    assert sorted(ledger.reports) == sorted(low + high)


async def test_messages_added_to_a_paced_bulk_take_the_next_slots(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """A second request into the same bulkId continues its pace; once the bulk's slots have all passed, the newcomers
    start from their own request (one interval after the last departure at the earliest)."""
    await register_basics(client)
    _, first = await accept(client, bulk_body(numbers(5), bulk_id="grow", speed=(30, "HOUR")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 5 * MINUTE)
    _, second = await accept(client, bulk_body(numbers(5, first=10), bulk_id="grow", speed=(30, "HOUR")))
    await play(gateway, client, ledger, START_MS + 30 * MINUTE)
    _, third = await accept(client, bulk_body(numbers(5, first=20), bulk_id="grow", speed=(30, "HOUR")))
    await play(gateway, client, ledger, START_MS + 2 * HOUR)
    times = ledger.sent_at(first + second + third)
    assert times[:10] == [START_MS + i * 2 * MINUTE for i in range(10)]
    assert times[10:] == [START_MS + 30 * MINUTE + i * 2 * MINUTE for i in range(5)]
    assert_paced(times, 30, "HOUR")


async def test_messages_added_to_a_paced_bulk_while_its_window_is_closed(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """30/HOUR under a 00:00-12:00 window from 11:00: 100 messages fill 11:00-11:58 and 00:00-02:18. 30 more into the
    same bulk at 15:00 (closed) must follow them (02:20 onwards), not share 00:00-00:58 with them."""
    await register_basics(client)
    body = bulk_body(numbers(100), bulk_id="grow", send_at=iso(utc(0, 11)), speed=(30, "HOUR"), window=window_wire())
    _, first = await accept(client, body)
    ledger = Ledger()
    await play(gateway, client, ledger, utc(0, 15))
    _, more = await accept(
        client, bulk_body(numbers(30, first=200), bulk_id="grow", speed=(30, "HOUR"), window=window_wire())
    )
    await play(gateway, client, ledger, utc(2))
    times = ledger.sent_at(first + more)
    assert_paced(times, 30, "HOUR")


@pytest.mark.parametrize(
    ("window", "accepted"),
    [
        (window_wire(start=(9, 0), end=(10, 0)), True),
        (window_wire(start=(23, 30), end=(0, 30)), True),
        (window_wire(["MONDAY"], None, None), True),
        (window_wire(start=(9, 0), end=(9, 59)), False),
        (window_wire(start=(23, 30), end=(0, 29)), False),
        (window_wire(start=(9, 0), end=(9, 0)), False),
        ({"days": ["MONDAY"], "from": {"hour": 9, "minute": 0}}, False),
        ({"days": ["MONDAY"], "to": {"hour": 9, "minute": 0}}, False),
        ({"days": []}, False),
        ({"days": ["MONDAY"], "from": {"hour": 24, "minute": 0}, "to": {"hour": 3, "minute": 0}}, False),
        ({"days": ["FUNDAY"]}, False),
    ],
)
async def test_delivery_time_window_validation(
    client: httpx.AsyncClient, gateway: Gateway, window: dict[str, Any], accepted: bool
) -> None:
    await register_basics(client)
    response = await client.post("/kakao-alim/1/messages", json=bulk_body(numbers(1), window=window))
    if accepted:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400, response.text
    error = response.json()
    assert_api_error(error)
    assert all(v["property"].startswith("messages[0].options.deliveryTimeWindow") for v in error["violations"]), error


# --- delivery time windows -------------------------------------------------------------------------------------------


async def test_message_held_by_its_window_reports_pending_time_violation_once(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    """START is 04:00 UTC; the window opens at 06:00. Held messages log PENDING_TIME_VIOLATION (group PENDING); those
    asking for intermediate reports get exactly one such push, then their final report at 06:00."""
    await register_basics(client)
    window = window_wire(start=(6, 0), end=(18, 0))
    _, hooked = await accept(client, bulk_body(numbers(2), window=window, hook=HOOK_URL, intermediate=True))
    _, quiet = await accept(client, bulk_body(numbers(1, first=5), window=window, hook=HOOK_URL))
    _, pulled = await accept(client, bulk_body(numbers(1, first=9), window=window))
    ledger = Ledger()
    await play(gateway, client, ledger, utc(0, 5, 59, 59))
    assert ledger.reports == {}

    entries = await logs(client)
    assert sorted(e["messageId"] for e in entries) == sorted(hooked + quiet + pulled)
    for e in entries:
        assert e["status"] == st.status("PENDING_TIME_VIOLATION").wire()
        assert e["status"]["groupName"] == "PENDING"
    pending = await logs(client, generalStatus="PENDING")
    assert len(pending) == 4

    intermediate = receiver.json_results()
    assert_matches({"results": intermediate}, "/kakao-alim/1/reports", "get", 200)
    assert sorted(r["messageId"] for r in intermediate) == sorted(hooked)  # once each, none for the others
    for r in intermediate:
        assert r["status"]["name"] == "PENDING_TIME_VIOLATION"
        assert r["status"]["groupName"] == "PENDING"

    await play(gateway, client, ledger, utc(0, 6))
    pushed = receiver.json_results()
    finals = [r for r in pushed if r["status"]["groupName"] != "PENDING"]
    assert sorted(r["messageId"] for r in finals) == sorted(hooked + quiet)
    assert Counter(r["messageId"] for r in pushed) == Counter({**dict.fromkeys(hooked, 2), **dict.fromkeys(quiet, 1)})
    ledger.add(finals)
    assert sorted(ledger.reports) == sorted(hooked + quiet + pulled)
    for i in hooked + quiet + pulled:
        assert_outcome(ledger.reports[i], DELIVERED)
        assert ledger.reports[i]["sentAt"] == format_ms(utc(0, 6))
    await play(gateway, client, ledger, utc(2))
    assert len(receiver.json_results()) == len(pushed)


async def test_window_on_other_days_only(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Whole days (no from/to): Sunday START, window Tuesday and Thursday only."""
    await register_basics(client)
    _, ids = await accept(client, bulk_body(numbers(3), window=window_wire(["TUESDAY", "THURSDAY"], None, None)))
    ledger = Ledger()
    await play(gateway, client, ledger, utc(2) - 1)
    assert ledger.reports == {}
    await play(gateway, client, ledger, utc(2))
    assert ledger.sent_at(ids) == [utc(2)] * 3


@pytest.mark.parametrize(
    ("to", "sent", "attempts_by_close"),
    [
        ("821000000006", utc(0, 11, 59, 50), 1),  # the retry after 30 s would be at 12:00:20
        ("821000000004", utc(0, 11, 55), 4),  # 11:55, 11:55:30, 11:56:30, 11:58:30; then 12:02:30
    ],
)
async def test_retries_pause_outside_the_window(
    client: httpx.AsyncClient, gateway: Gateway, to: str, sent: int, attempts_by_close: int
) -> None:
    await register_basics(client)
    _, (message_id,) = await accept(client, bulk_body([to], send_at=iso(sent), window=window_wire()))
    ledger = Ledger()
    await play(gateway, client, ledger, utc(0, 12))
    assert ledger.reports == {}
    assert (await state_of(gateway, message_id))["attempts"] == attempts_by_close
    await play(gateway, client, ledger, utc(1) - 1)
    assert ledger.reports == {}
    assert (await state_of(gateway, message_id))["attempts"] == attempts_by_close  # no attempt while closed
    (entry,) = await logs(client)
    assert entry["status"]["groupName"] == "PENDING"

    await play(gateway, client, ledger, utc(1))
    report = ledger.reports[message_id]
    assert_outcome(report, DELIVERED)
    assert report["sentAt"] == format_ms(sent)
    assert report["doneAt"] == format_ms(utc(1))
    assert (await state_of(gateway, message_id))["attempts"] == attempts_by_close + 1


async def test_validity_starts_at_each_planned_send_time(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Validity 30 min on a 30/HOUR bulk of 40 that starts at 11:30 under a 00:00-12:00 window: the last 25 leave
    the next morning, up to 13 hours after acceptance, and none expires."""
    await register_basics(client)
    _, ids = await accept(
        client,
        bulk_body(
            numbers(40), send_at=iso(utc(0, 11, 30)), speed=(30, "HOUR"), window=window_wire(), validity=(30, "MINUTES")
        ),
    )
    ledger = Ledger()
    await play(gateway, client, ledger, utc(2))
    assert sorted(ledger.reports) == sorted(ids)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())
    times = ledger.sent_at(ids)
    assert times[14] == utc(0, 11, 58)
    assert times[15] == utc(1, 0)
    assert times[-1] == utc(1, 0, 48)


async def test_validity_ending_in_a_closed_window_after_leaving_is_4101(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """Always unreachable, sent at 11:50 with 30 min validity: retried until the window closes at 12:00, then
    nothing until validity ends at 12:20 inside the closed window: EXPIRED_EXPIRED with 4101 at 12:20."""
    await register_basics(client)
    body = bulk_body(["821000000005"], send_at=iso(utc(0, 11, 50)), window=window_wire(), validity=(30, "MINUTES"))
    _, (message_id,) = await accept(client, body)
    ledger = Ledger()
    await play(gateway, client, ledger, utc(0, 12))
    attempts = (await state_of(gateway, message_id))["attempts"]
    assert attempts >= 3
    await play(gateway, client, ledger, utc(0, 12, 20) - 1)
    assert ledger.reports == {}
    await play(gateway, client, ledger, utc(0, 12, 20))
    report = ledger.reports[message_id]
    assert_outcome(report, LAPSED)
    assert (report["status"]["id"], report["error"]["id"]) == (15, 4101)
    assert report["sentAt"] == format_ms(utc(0, 11, 50))
    assert report["doneAt"] == format_ms(utc(0, 12, 20))
    assert (await state_of(gateway, message_id))["attempts"] == attempts  # none while closed
    await play(gateway, client, ledger, utc(2))
    assert list(ledger.reports) == [message_id]


async def test_validity_ending_in_a_closed_window_before_leaving_is_4100(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """Due at 11:59 with 2 min validity, but the engine is down until 12:30: it never left, so 4100."""
    await register_basics(client)
    clock.set(utc(0, 11, 59))
    _, (message_id,) = await accept(client, bulk_body(numbers(1), window=window_wire(), validity=(2, "MINUTES")))
    clock.set(utc(0, 12, 30))
    ledger = Ledger()
    await play(gateway, client, ledger, utc(0, 12, 30))
    report = ledger.reports[message_id]
    assert_outcome(report, NEVER_LEFT)
    assert (report["status"]["id"], report["error"]["id"]) == (15, 4100)
    assert report["doneAt"] == format_ms(utc(0, 12, 30))
    assert (await state_of(gateway, message_id))["attempts"] == 0


async def test_a_message_dispatched_late_is_still_held_by_its_window(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """Due at 11:59:00 under a 00:00-12:00 window, but the engine only runs again at 12:00:30 (it was down): the
    window is closed by then, so the message must wait for 00:00 (its 48 h validity allows it)."""
    await register_basics(client)
    clock.set(utc(0, 11, 59))
    _, (message_id,) = await accept(client, bulk_body(numbers(1), window=window_wire()))
    clock.set(utc(0, 12, 0, 30))
    ledger = Ledger()
    await play(gateway, client, ledger, utc(2))
    report = ledger.reports[message_id]
    assert_outcome(report, DELIVERED)
    assert in_window(parse_instant(report["sentAt"])), report


# --- restarts --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "holding", [pytest.param(False, id="clean-stop"), pytest.param(True, id="dies-holding-a-claim")]
)
async def test_restart_mid_bulk_loses_nothing_and_sends_nothing_twice(
    client: httpx.AsyncClient,
    gateway: Gateway,
    settings: Settings,
    clock: ManualClock,
    receiver: Receiver,
    holding: bool,
) -> None:
    """30/HOUR, 60 messages (one every 2 min). The gateway stops after 50 minutes (26 sent) and a new one on the same
    database carries on: every message delivered exactly once, and never more than 30 in any sliding hour. A claim
    held by the stopped gateway is rescued when its 30 s lease ends and departs then; that departure counts against
    the bulk's pace, so later messages that would make 31 in an hour leave a little after their slot."""
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(60), speed=(30, "HOUR")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 50 * MINUTE - 1)
    assert len(ledger.reports) == 25
    if holding:  # the gateway claims the row due at 50:00, then dies before submitting it
        clock.set(START_MS + 50 * MINUTE)
        claimed = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 100, gateway.engine.owner, 30_000))
        assert [c.message_id for c in claimed] == [ids[25]]
    await gateway.stop()

    async with open_gateway(settings, clock, receiver) as (gw, c):
        await play(gw, c, ledger, START_MS + 3 * HOUR)
        assert sorted(ledger.reports) == sorted(ids)
        assert all(outcome(r) == DELIVERED for r in ledger.reports.values())
        for index, i in enumerate(ids):  # the rescued claim counts as an attempt of its own
            assert (await state_of(gw, i))["attempts"] == (2 if holding and index == 25 else 1)
        times = ledger.sent_at(ids)
        planned = [START_MS + i * 2 * MINUTE for i in range(60)]
        if holding:  # on its slot, or after it by at most the rescue's 30 s
            late = [(i, t - p) for i, (t, p) in enumerate(zip(times, planned, strict=True)) if t != p]
            assert late and all(0 < d <= 30 * SECOND for _, d in late), late
            assert times[:50] == planned[:50]
        else:
            assert times == planned
        status = (await c.get("/kakao/1/bulks/status", params={"bulkId": bulk_id})).json()
        assert status["progress"]["delivered"] == 60
        assert status["status"] == "FINISHED"
        await play(gw, c, ledger, START_MS + 2 * DAY)  # and no second report later
        departures = ledger.done_at(ids)  # the rescued one really left 30 s after its slot
        assert departures[25] == START_MS + 50 * MINUTE + (30 * SECOND if holding else 0)
        assert_paced(departures, 30, "HOUR")


async def test_restart_after_downtime_keeps_the_speed_limit(
    client: httpx.AsyncClient, gateway: Gateway, settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    """30/HOUR, 60 messages; the gateway is down from 50 min to 110 min. On restart the bulk must carry on at its
    pace (late), not send the 30 overdue messages at once."""
    await register_basics(client)
    _, ids = await accept(client, bulk_body(numbers(60), speed=(30, "HOUR")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 50 * MINUTE - 1)
    await gateway.stop()
    clock.set(START_MS + 110 * MINUTE)
    async with open_gateway(settings, clock, receiver) as (gw, c):
        await play(gw, c, ledger, START_MS + DAY)
        assert sorted(ledger.reports) == sorted(ids)
        assert_paced(ledger.done_at(ids), 30, "HOUR")


# --- upstream submit rates -------------------------------------------------------------------------------------------


async def run_seconds(gateway: Gateway, clock: ManualClock, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        await gateway.engine.run_until_idle()


async def test_overall_submit_rate(settings: Settings, clock: ManualClock, receiver: Receiver) -> None:
    """10 per second overall: 100 due messages of two senders leave over 10 seconds, at most 10 in each second."""
    async with open_gateway(dataclasses.replace(settings, max_submit_rate=10), clock, receiver) as (gw, c):
        await register_basics(c)
        await register_sender(c, "OTHER-CHANNEL")
        _, ids = await accept(c, bulk_body(numbers(60)))
        _, more = await accept(c, bulk_body(numbers(40, first=100), sender="OTHER-CHANNEL"))
        await gw.engine.run_until_idle()
        await run_seconds(gw, clock, 15)
        ledger = Ledger()
        await ledger.pull(c)
        assert sorted(ledger.reports) == sorted(ids + more)
        per_second = Counter(t // SECOND for t in ledger.done_at(ids + more))
        assert max(per_second.values()) <= 10
        assert max(per_second) - min(per_second) == 9  # and at the full rate: 10 seconds for 100
        assert ledger.done_at(ids) == sorted(ledger.done_at(ids))  # in order


async def test_overall_submit_rate_holds_in_every_sliding_second(
    settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    async with open_gateway(dataclasses.replace(settings, max_submit_rate=10), clock, receiver) as (gw, c):
        await register_basics(c)
        _, ids = await accept(c, bulk_body(numbers(100)))
        ledger = Ledger()
        await play(gw, c, ledger, START_MS + MINUTE)
        assert sorted(ledger.reports) == sorted(ids)
        assert max_per_window(ledger.done_at(ids), SECOND) <= 10


async def test_submit_rate_per_sender(settings: Settings, clock: ManualClock, receiver: Receiver) -> None:
    """5 per second per sender: the busy sender's 30 messages take 6 seconds; the other sender's 5 leave at once."""
    tuned = dataclasses.replace(settings, max_submit_rate_per_sender=5)
    async with open_gateway(tuned, clock, receiver) as (gw, c):
        await register_basics(c)
        await register_sender(c, "OTHER-CHANNEL")
        _, busy = await accept(c, bulk_body(numbers(30)))
        _, other = await accept(c, bulk_body(numbers(5, first=100), sender="OTHER-CHANNEL"))
        await gw.engine.run_until_idle()
        await run_seconds(gw, clock, 10)
        ledger = Ledger()
        await ledger.pull(c)
        assert sorted(ledger.reports) == sorted(busy + other)
        per_second = Counter(t // SECOND for t in ledger.done_at(busy))
        assert max(per_second.values()) <= 5
        assert len(per_second) == 6
        assert ledger.done_at(other) == [START_MS] * 5


async def test_throttled_messages_stay_inside_their_window(
    settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    """10 per second overall, 50 messages due at 11:59:58 under a window closing at 12:00: 20 get out in time, the
    rest must wait for the window to open again at 00:00."""
    clock.set(utc(0, 11, 59, 58))
    async with open_gateway(dataclasses.replace(settings, max_submit_rate=10), clock, receiver) as (gw, c):
        await register_basics(c)
        _, ids = await accept(c, bulk_body(numbers(50), window=window_wire()))
        ledger = Ledger()
        await play(gw, c, ledger, utc(2))
        assert sorted(ledger.reports) == sorted(ids)
        assert all(in_window(t) for t in ledger.done_at(ids)), sorted(ledger.done_at(ids))
