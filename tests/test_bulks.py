"""Bulk control (extension API) end to end on a fake clock: look up and move a bulk's sendAt, status and progress,
pause / resume / cancel mid-bulk, re-pace, the dry-run plan, and who may see which bulk.

`/kakao/1/bulks...` is not in Infobip's OpenAPI document, so its bodies are checked field by field; error bodies
are Infobip ApiErrors.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.times import format_ms, parse_instant

from .conftest import START_MS, Receiver
from .helpers import register_basics
from .spec import assert_api_error, assert_matches
from .test_scheduling import (
    CANCELED,
    DELIVERED,
    HOOK_URL,
    HOUR,
    MINUTE,
    SECOND,
    Ledger,
    accept,
    assert_outcome,
    assert_paced,
    bulk_body,
    iso,
    logs,
    max_per_window,
    numbers,
    open_gateway,
    outcome,
    play,
    state_of,
    utc,
    window_wire,
)

PROGRESS_KEYS = ("total", "pending", "sent", "delivered", "failed", "expired", "canceled")


# --- helpers ---------------------------------------------------------------------------------------------------------


async def schedule(client: httpx.AsyncClient, bulk_id: str) -> dict[str, Any]:
    response = await client.get("/kakao/1/bulks", params={"bulkId": bulk_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"bulkId", "sendAt"}
    assert body["bulkId"] == bulk_id
    return body


async def reschedule(client: httpx.AsyncClient, bulk_id: str, send_at: str) -> dict[str, Any]:
    response = await client.put("/kakao/1/bulks", params={"bulkId": bulk_id}, json={"sendAt": send_at})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"bulkId", "sendAt"}
    return body


def check_status(body: dict[str, Any], bulk_id: str) -> dict[str, Any]:
    assert set(body) == {"bulkId", "status", "progress", "failovers"}
    assert set(body["failovers"]) == {"total", "deliveredBySms", "byReason"}
    assert body["bulkId"] == bulk_id
    assert body["status"] in ("PENDING", "PAUSED", "PROCESSING", "CANCELED", "FINISHED")
    progress = body["progress"]
    assert set(progress) == set(PROGRESS_KEYS)
    assert all(isinstance(progress[k], int) and progress[k] >= 0 for k in PROGRESS_KEYS)
    assert progress["total"] == sum(progress[k] for k in PROGRESS_KEYS[1:]), progress
    return body


async def bulk_status(client: httpx.AsyncClient, bulk_id: str) -> dict[str, Any]:
    response = await client.get("/kakao/1/bulks/status", params={"bulkId": bulk_id})
    assert response.status_code == 200, response.text
    return check_status(response.json(), bulk_id)


async def set_status(client: httpx.AsyncClient, bulk_id: str, wanted: str) -> dict[str, Any]:
    response = await client.put("/kakao/1/bulks/status", params={"bulkId": bulk_id}, json={"status": wanted})
    assert response.status_code == 200, response.text
    return check_status(response.json(), bulk_id)


async def set_speed(client: httpx.AsyncClient, bulk_id: str, amount: int, unit: str) -> None:
    body = {"amount": amount, "timeUnit": unit}
    response = await client.put("/kakao/1/bulks/speed", params={"bulkId": bulk_id}, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"bulkId": bulk_id, **body}


def progress(status: dict[str, Any], **expected: int) -> None:
    """The progress counters named in `expected` (the others are 0)."""
    assert status["progress"] == {k: expected.get(k, 0) for k in PROGRESS_KEYS}, status


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


@asynccontextmanager
async def other_account(gateway: Gateway, admin: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a second account, holding a key with every scope."""
    response = await admin.post("/admin/1/accounts", json={"name": "tenant-b"})
    assert response.status_code == 200, response.text
    account_id = response.json()["id"]
    response = await admin.post(f"/admin/1/accounts/{account_id}/keys", json={"name": "k"})
    assert response.status_code == 200, response.text
    key = response.json()["key"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {key}"},
    ) as c:
        yield c


def slots(start: int, count: int, interval: int) -> list[int]:
    return [start + i * interval for i in range(count)]


# --- schedule ---------------------------------------------------------------------------------------------------------


async def test_look_up_and_move_a_scheduled_bulk(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    first = START_MS + HOUR
    bulk_id, ids = await accept(
        client, bulk_body(numbers(6), bulk_id="campaign-1", send_at=iso(first, "+09:00"), speed=(1, "MINUTE"))
    )
    assert bulk_id == "campaign-1"
    assert await schedule(client, bulk_id) == {"bulkId": bulk_id, "sendAt": format_ms(first)}
    progress(await bulk_status(client, bulk_id), total=6, pending=6)
    assert (await bulk_status(client, bulk_id))["status"] == "PENDING"

    later = START_MS + 2 * HOUR
    assert await reschedule(client, bulk_id, iso(later, "+0900")) == {"bulkId": bulk_id, "sendAt": format_ms(later)}
    assert await schedule(client, bulk_id) == {"bulkId": bulk_id, "sendAt": format_ms(later)}
    ledger = Ledger()
    await play(gateway, client, ledger, later - 1)
    assert ledger.reports == {}
    assert (await bulk_status(client, bulk_id))["status"] == "PENDING"
    await play(gateway, client, ledger, later + 10 * MINUTE)
    assert ledger.sent_at(ids) == slots(later, 6, MINUTE)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "FINISHED"
    progress(status, total=6, delivered=6)


async def test_reschedule_mid_bulk_moves_only_what_has_not_left(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(10), speed=(1, "MINUTE"), validity=(10, "MINUTES")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 2 * MINUTE + 30 * SECOND)
    assert sorted(ledger.reports) == sorted(ids[:3])
    assert (await bulk_status(client, bulk_id))["status"] == "PROCESSING"

    later = START_MS + 3 * HOUR
    await reschedule(client, bulk_id, iso(later))
    await play(gateway, client, ledger, later - 1)
    assert sorted(ledger.reports) == sorted(ids[:3])
    await play(gateway, client, ledger, later + HOUR)
    assert ledger.sent_at(ids) == slots(START_MS, 3, MINUTE) + slots(later, 7, MINUTE)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())  # validity moved with the plan
    assert_paced(ledger.sent_at(ids), 1, "MINUTE")


async def test_reschedule_into_the_past_means_now_and_keeps_the_pace(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(8), send_at=iso(START_MS + HOUR), speed=(2, "MINUTE")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 10 * MINUTE)
    await reschedule(client, bulk_id, iso(START_MS - HOUR, "+09:00"))
    assert (await schedule(client, bulk_id))["sendAt"] == format_ms(START_MS + 10 * MINUTE)
    await play(gateway, client, ledger, START_MS + HOUR)
    assert ledger.sent_at(ids) == slots(START_MS + 10 * MINUTE, 8, 30 * SECOND)


async def test_reschedule_validates_send_at(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, _ = await accept(client, bulk_body(numbers(2), send_at=iso(START_MS + HOUR)))
    for bad in ("soon", "2026-12-01T10:00:00", iso(START_MS + 181 * 24 * HOUR)):
        response = await client.put("/kakao/1/bulks", params={"bulkId": bulk_id}, json={"sendAt": bad})
        body = assert_error(response, 400)
        assert body["violations"][0]["property"] == "sendAt", body
    assert_error(await client.put("/kakao/1/bulks", params={"bulkId": bulk_id}, json={}), 400)
    assert (await schedule(client, bulk_id))["sendAt"] == format_ms(START_MS + HOUR)


# --- status and progress ----------------------------------------------------------------------------------------------


async def test_status_and_progress_through_a_bulk(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """One a minute from +10 min: two delivered, an unknown user (failed), one always unreachable and one never
    answered (both expire after their 5 minutes of validity)."""
    await register_basics(client)
    start = START_MS + 10 * MINUTE
    tos = [*numbers(2), "821000000002", "821000000005", "821000000007"]
    bulk_id, ids = await accept(
        client, bulk_body(tos, send_at=iso(start), speed=(1, "MINUTE"), validity=(5, "MINUTES"))
    )
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "PENDING"
    progress(status, total=5, pending=5)

    ledger = Ledger()
    await play(gateway, client, ledger, start)
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "PROCESSING"
    progress(status, total=5, pending=4, delivered=1)

    await play(gateway, client, ledger, start + 4 * MINUTE + 30 * SECOND)
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "PROCESSING"
    progress(status, total=5, pending=1, sent=1, delivered=2, failed=1)  # 005 retrying, 007 awaiting its result

    await play(gateway, client, ledger, start + HOUR)
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "FINISHED"
    progress(status, total=5, delivered=2, failed=1, expired=2)
    assert [ledger.reports[i]["error"]["id"] for i in ids] == [0, 0, 7002, 4101, 4101]


# --- pause, resume, cancel --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("paused_for", [2 * HOUR, 30 * SECOND, 0], ids=["two-hours", "thirty-seconds", "no-time"])
async def test_pause_and_resume_mid_bulk(client: httpx.AsyncClient, gateway: Gateway, paused_for: int) -> None:
    """30/HOUR, 40 messages; paused at 19 min (10 have left: 0, 2, ..., 18 min). Nothing leaves while paused;
    resumed, the bulk carries on one every 2 min, never sooner than 2 min after the last departure: no burst."""
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(40), speed=(30, "HOUR"), validity=(10, "MINUTES")))
    ledger = Ledger()
    pause_at = START_MS + 19 * MINUTE
    await play(gateway, client, ledger, pause_at)
    assert len(ledger.reports) == 10

    status = await set_status(client, bulk_id, "PAUSED")
    assert status["status"] == "PAUSED"
    progress(status, total=40, pending=30, delivered=10)
    assert (await set_status(client, bulk_id, "PAUSED"))["status"] == "PAUSED"  # idempotent
    resume_at = pause_at + paused_for
    await play(gateway, client, ledger, resume_at)
    assert len(ledger.reports) == 10
    assert (await bulk_status(client, bulk_id))["status"] == "PAUSED"

    status = await set_status(client, bulk_id, "PROCESSING")
    assert status["status"] == "PROCESSING"
    await play(gateway, client, ledger, resume_at + 2 * HOUR)
    assert sorted(ledger.reports) == sorted(ids)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())  # validity moved with the plan
    times = ledger.sent_at(ids)
    restart = max(resume_at, START_MS + 20 * MINUTE)
    assert times == slots(START_MS, 10, 2 * MINUTE) + slots(restart, 30, 2 * MINUTE)
    assert_paced(times, 30, "HOUR")
    progress(await bulk_status(client, bulk_id), total=40, delivered=40)


async def test_pause_holds_retries_too(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """The provider fails the first attempt (retry due 30 s later); paused at 10 s, the retry waits for resume."""
    await register_basics(client)
    bulk_id, (message_id,) = await accept(client, bulk_body(["821000000006"]))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 10 * SECOND)
    assert (await state_of(gateway, message_id))["attempts"] == 1
    await set_status(client, bulk_id, "PAUSED")
    await play(gateway, client, ledger, START_MS + HOUR)
    assert ledger.reports == {}
    assert (await state_of(gateway, message_id))["attempts"] == 1
    progress(await bulk_status(client, bulk_id), total=1, pending=1)

    await set_status(client, bulk_id, "PROCESSING")
    await play(gateway, client, ledger, START_MS + 2 * HOUR)
    report = ledger.reports[message_id]
    assert_outcome(report, DELIVERED)
    assert report["sentAt"] == format_ms(START_MS)
    assert report["doneAt"] == format_ms(START_MS + HOUR)


async def test_messages_added_to_a_paused_bulk_wait_too(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, first = await accept(client, bulk_body(numbers(2), bulk_id="grow", speed=(1, "MINUTE")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 30 * SECOND)
    await set_status(client, bulk_id, "PAUSED")
    _, more = await accept(client, bulk_body(numbers(2, first=10), bulk_id="grow", speed=(1, "MINUTE")))
    await play(gateway, client, ledger, START_MS + HOUR)
    assert list(ledger.reports) == first[:1]
    progress(await bulk_status(client, bulk_id), total=4, pending=3, delivered=1)
    await set_status(client, bulk_id, "PROCESSING")
    await play(gateway, client, ledger, START_MS + 2 * HOUR)
    assert ledger.sent_at(first + more) == [START_MS, *slots(START_MS + HOUR, 3, MINUTE)]


async def test_cancel_mid_bulk(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    """30/HOUR over 20 messages, the first 10 with a webhook. Canceled after 5 have left: the other 15 end at once
    with a final UNDELIVERABLE_NOT_SENT / EC_MESSAGE_CANCELED (4100), pushed to the webhook or pulled."""
    await register_basics(client)
    body = bulk_body(numbers(10), speed=(30, "HOUR"), hook=HOOK_URL)
    body["messages"].append(bulk_body(numbers(10, first=50))["messages"][0])
    bulk_id, ids = await accept(client, body)
    hooked, plain = ids[:10], ids[10:]
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 9 * MINUTE)
    assert len(receiver.json_results()) == 5

    cancel_at = START_MS + 9 * MINUTE
    status = await set_status(client, bulk_id, "CANCELED")
    assert status["status"] == "CANCELED"
    progress(status, total=20, delivered=5, canceled=15)

    pulled = await ledger.pull(client)
    assert pulled == 10
    await gateway.engine.run_until_idle()  # push the webhook's share
    pushed = receiver.json_results()
    ledger.add(pushed)
    assert sorted(ledger.reports) == sorted(ids)
    assert [r["messageId"] for r in pushed[:5]] == hooked[:5]
    for message_id in hooked[:5]:
        assert_outcome(ledger.reports[message_id], DELIVERED)
    for message_id in hooked[5:] + plain:
        report = ledger.reports[message_id]
        assert_outcome(report, CANCELED)
        assert (report["status"]["id"], report["error"]["id"]) == (31, 4100)
        assert report["doneAt"] == format_ms(cancel_at)

    await play(gateway, client, ledger, START_MS + 2 * 24 * HOUR)  # nothing else leaves, no second report
    assert len(receiver.json_results()) == len(pushed)
    assert len(ledger.reports) == 20
    entries = {e["messageId"]: e for e in await logs(client, bulkId=bulk_id)}
    assert Counter(e["status"]["name"] for e in entries.values()) == Counter(
        {"DELIVERED_TO_HANDSET": 5, "UNDELIVERABLE_NOT_SENT": 15}
    )
    progress(await bulk_status(client, bulk_id), total=20, delivered=5, canceled=15)


async def test_a_canceled_bulk_stays_canceled(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, _ = await accept(client, bulk_body(numbers(3), bulk_id="gone", send_at=iso(START_MS + HOUR)))
    await set_status(client, bulk_id, "CANCELED")
    assert (await set_status(client, bulk_id, "CANCELED"))["status"] == "CANCELED"  # idempotent

    params = {"bulkId": bulk_id}
    for wanted in ("PROCESSING", "PAUSED"):
        assert_error(await client.put("/kakao/1/bulks/status", params=params, json={"status": wanted}), 409)
    assert_error(await client.put("/kakao/1/bulks", params=params, json={"sendAt": iso(START_MS + 2 * HOUR)}), 409)
    assert_error(await client.put("/kakao/1/bulks/speed", params=params, json={"amount": 5, "timeUnit": "HOUR"}), 409)

    # more messages sent into the canceled bulk never leave either: they end canceled at once
    response = await client.post("/kakao-alim/1/messages", json=bulk_body(numbers(1, first=7), bulk_id="gone"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    assert answer["bulkId"] == bulk_id
    (late,) = [m["messageId"] for m in answer["messages"]]
    assert answer["messages"][0]["status"]["groupName"] != "PENDING"
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 2 * HOUR)
    assert len(ledger.reports) == 4
    assert_outcome(ledger.reports[late], CANCELED)
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "CANCELED"
    progress(status, total=4, canceled=4)


# --- re-pacing --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "interval"),
    [(60, "HOUR", MINUTE), (4, "MINUTE", 15 * SECOND), (30, "HOUR", 2 * MINUTE)],
    ids=["faster", "per-minute", "same"],
)
async def test_repace_mid_bulk(
    client: httpx.AsyncClient, gateway: Gateway, amount: int, unit: str, interval: int
) -> None:
    """30/HOUR, 60 messages; re-paced at 19 min (10 left at 0, 2, ..., 18 min): the other 50 follow the new pace
    from one new interval after the last departure, and no window of the new unit holds more than the new amount."""
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(60), speed=(30, "HOUR")))
    ledger = Ledger()
    change_at = START_MS + 19 * MINUTE
    await play(gateway, client, ledger, change_at)
    await set_speed(client, bulk_id, amount, unit)
    await play(gateway, client, ledger, START_MS + 4 * HOUR)
    assert sorted(ledger.reports) == sorted(ids)
    times = ledger.sent_at(ids)
    restart = max(change_at, START_MS + 18 * MINUTE + interval)
    assert times == slots(START_MS, 10, 2 * MINUTE) + slots(restart, 50, interval)
    assert_paced(times, max(amount * HOUR // {"HOUR": HOUR, "MINUTE": MINUTE}[unit], 30), "HOUR")
    assert_paced(times, amount, unit)


async def test_slowing_down_holds_the_new_limit_in_every_window_after_the_change(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """30/HOUR, re-paced to 6/HOUR at 19 min: any hour in which a message leaves at the new pace holds at most 6."""
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(30), speed=(30, "HOUR")))
    ledger = Ledger()
    change_at = START_MS + 19 * MINUTE
    await play(gateway, client, ledger, change_at)
    await set_speed(client, bulk_id, 6, "HOUR")
    await play(gateway, client, ledger, START_MS + 6 * HOUR)
    times = sorted(ledger.sent_at(ids))
    new = [t for t in times if t > change_at]
    assert len(new) == 20
    for t in new:  # the hour ending with each new departure
        assert sum(1 for u in times if t - HOUR < u <= t) <= 6, (t - START_MS) // MINUTE


async def test_repace_a_paused_bulk_then_resume(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(12), speed=(1, "MINUTE")))
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 90 * SECOND)
    await set_status(client, bulk_id, "PAUSED")
    await set_speed(client, bulk_id, 2, "MINUTE")
    assert (await bulk_status(client, bulk_id))["status"] == "PAUSED"
    await play(gateway, client, ledger, START_MS + HOUR)
    assert len(ledger.reports) == 2
    await set_status(client, bulk_id, "PROCESSING")
    await play(gateway, client, ledger, START_MS + 2 * HOUR)
    assert ledger.sent_at(ids) == slots(START_MS, 2, MINUTE) + slots(START_MS + HOUR, 10, 30 * SECOND)


async def test_repace_validates_its_body(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    bulk_id, _ = await accept(client, bulk_body(numbers(2), speed=(1, "MINUTE")))
    params = {"bulkId": bulk_id}
    for bad in ({"amount": 0, "timeUnit": "HOUR"}, {"amount": 5, "timeUnit": "WEEK"}, {"timeUnit": "HOUR"}):
        assert_error(await client.put("/kakao/1/bulks/speed", params=params, json=bad), 400)


# --- dry-run plan -----------------------------------------------------------------------------------------------------


PLANS: dict[str, dict[str, Any]] = {
    "overnight": {
        "count": 100,
        "send_at": utc(0, 11),
        "speed": (30, "HOUR"),
        "window": window_wire(),
        "first": utc(0, 11),
        "last": utc(1, 2, 18),
        "per_hour": [(utc(0, 11), 30), (utc(1, 0), 30), (utc(1, 1), 30), (utc(1, 2), 10)],
    },
    "wrapping-window": {
        "count": 25,
        "send_at": None,
        "speed": (10, "MINUTE"),
        "window": window_wire(["MONDAY", "WEDNESDAY"], (23, 59), (1, 0)),
        "first": utc(1, 23, 59),
        "last": utc(1, 23, 59) + 24 * 6 * SECOND,
        "per_hour": [(utc(1, 23), 10), (utc(2, 0), 15)],
    },
    "unpaced": {
        "count": 5,
        "send_at": START_MS + 30 * MINUTE,
        "speed": None,
        "window": None,
        "first": START_MS + 30 * MINUTE,
        "last": START_MS + 30 * MINUTE,
        "per_hour": [(START_MS, 5)],
    },
}


@pytest.mark.parametrize("name", list(PLANS))
async def test_plan_is_a_dry_run_of_the_send(client: httpx.AsyncClient, gateway: Gateway, name: str) -> None:
    case = PLANS[name]
    await register_basics(client)
    body = bulk_body(
        numbers(case["count"]),
        send_at=iso(case["send_at"], "+09:00") if case["send_at"] else None,
        speed=case["speed"],
        window=case["window"],
    )
    response = await client.post("/kakao/1/bulks/plan", json=body)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan == {
        "messages": case["count"],
        "firstSendAt": format_ms(case["first"]),
        "lastSendAt": format_ms(case["last"]),
        "expireBeforeSending": 0,
        "perHour": [{"hour": format_ms(h), "messages": n} for h, n in case["per_hour"]],
    }
    assert await logs(client) == []  # nothing was sent or stored

    _, ids = await accept(client, body)
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + 4 * 24 * HOUR)
    times = ledger.sent_at(ids)
    assert min(times) == parse_instant(plan["firstSendAt"])
    assert max(times) == parse_instant(plan["lastSendAt"])
    actual = Counter(format_ms(t - t % HOUR) for t in times)
    assert actual == Counter({p["hour"]: p["messages"] for p in plan["perHour"]})


async def test_plan_counts_only_destinations_that_would_be_sent(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    body = bulk_body([*numbers(3), "12345", *numbers(3, first=3)], speed=(1, "MINUTE"))
    plan = (await client.post("/kakao/1/bulks/plan", json=body)).json()
    response = await client.post("/kakao-alim/1/messages", json=body)
    sent = [m["messageId"] for m in response.json()["messages"] if m["status"]["groupName"] == "PENDING"]
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + HOUR)
    assert max(ledger.sent_at(sent)) == parse_instant(plan["lastSendAt"])


async def test_plan_validates_like_a_send(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    too_far = bulk_body(numbers(1), send_at=iso(START_MS + 181 * 24 * HOUR))
    assert_error(await client.post("/kakao/1/bulks/plan", json=too_far), 400)
    assert_error(await client.post("/kakao/1/bulks/plan", json={"messages": []}), 400)
    bad_window = bulk_body(numbers(1), window=window_wire(start=(10, 0), end=(10, 30)))
    assert_error(await client.post("/kakao/1/bulks/plan", json=bad_window), 400)
    assert_error(await client.post("/kakao-alim/1/messages", json=bad_window), 400)


# --- who may see which bulk -------------------------------------------------------------------------------------------

CONTROL_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/kakao/1/bulks", None),
    ("PUT", "/kakao/1/bulks", {"sendAt": "2026-12-01T10:00:00.000+09:00"}),
    ("GET", "/kakao/1/bulks/status", None),
    ("PUT", "/kakao/1/bulks/status", {"status": "PAUSED"}),
    ("PUT", "/kakao/1/bulks/status", {"status": "CANCELED"}),
    ("PUT", "/kakao/1/bulks/speed", {"amount": 5, "timeUnit": "MINUTE"}),
]


async def call(client: httpx.AsyncClient, method: str, path: str, body: Any, **params: str) -> httpx.Response:
    return await client.request(method, path, params=params, json=body)


async def test_unknown_bulk_is_404(client: httpx.AsyncClient, gateway: Gateway) -> None:
    for method, path, body in CONTROL_CALLS:
        error = assert_error(await call(client, method, path, body, bulkId="no-such-bulk"), 404)
        assert error["violations"][0]["property"] == "bulkId"


async def test_missing_bulk_id_is_400(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    await accept(client, bulk_body(numbers(1), bulk_id="b-1", send_at=iso(START_MS + HOUR)))
    for method, path, body in CONTROL_CALLS:
        for params in ({}, {"bulkId": ""}):
            error = assert_error(await call(client, method, path, body, **params), 400)
            assert [v["property"] for v in error["violations"]] == ["bulkId"]


async def test_another_account_cannot_see_or_control_the_bulk(
    client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient
) -> None:
    await register_basics(client)
    bulk_id, ids = await accept(client, bulk_body(numbers(3), bulk_id="mine", send_at=iso(START_MS + HOUR)))
    async with other_account(gateway, admin) as intruder:
        for method, path, body in CONTROL_CALLS:
            assert_error(await call(intruder, method, path, body, bulkId=bulk_id), 404)
    assert await schedule(client, bulk_id) == {"bulkId": bulk_id, "sendAt": format_ms(START_MS + HOUR)}
    status = await bulk_status(client, bulk_id)
    assert status["status"] == "PENDING"
    progress(status, total=3, pending=3)
    ledger = Ledger()
    await play(gateway, client, ledger, START_MS + HOUR)
    assert ledger.sent_at(ids) == [START_MS + HOUR] * 3


async def test_bulk_ids_are_per_account(client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient) -> None:
    await register_basics(client)
    await accept(client, bulk_body(numbers(2), bulk_id="shared-name", send_at=iso(START_MS + HOUR)))
    async with other_account(gateway, admin) as other:
        await register_basics(other)
        await accept(other, bulk_body(numbers(1), bulk_id="shared-name", send_at=iso(START_MS + 2 * HOUR)))
        await set_status(other, "shared-name", "CANCELED")
        progress(await bulk_status(other, "shared-name"), total=1, canceled=1)
    status = await bulk_status(client, "shared-name")
    assert status["status"] == "PENDING"
    progress(status, total=2, pending=2)
    assert (await schedule(client, "shared-name"))["sendAt"] == format_ms(START_MS + HOUR)


async def test_bulk_control_needs_credentials(gateway: Gateway) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)), base_url="http://gateway.test"
    ) as anonymous:
        for method, path, body in CONTROL_CALLS:
            assert_error(await call(anonymous, method, path, body, bulkId="any"), 401)
        assert_error(await anonymous.post("/kakao/1/bulks/plan", json={}), 401)


def test_pacing_helper_counts_half_open_windows() -> None:
    assert max_per_window([0, 1000, 2000], 1000) == 1
    assert max_per_window([0, 999, 1000], 1000) == 2


# --- rows awaiting an upstream result when the bulk is paused or canceled -------------------------------------------


@pytest.mark.parametrize("wanted", ["PAUSED", "CANCELED"])
async def test_a_row_awaiting_its_result_is_not_retried_once_the_bulk_is_stopped(
    settings: Settings, clock: ManualClock, receiver: Receiver, wanted: str
) -> None:
    """With 5 s of upstream latency, an unreachable user's first attempt is still awaiting its result when the bulk
    is paused (or canceled) at +1 s; the temporary result then comes back: no retry may leave while stopped."""
    slow = dataclasses.replace(settings, sandbox_latency_ms=5000)
    async with open_gateway(slow, clock, receiver) as (gw, c):
        await register_basics(c)
        bulk_id, (message_id,) = await accept(c, bulk_body(["821000000004"]))
        ledger = Ledger()
        await play(gw, c, ledger, START_MS + SECOND)
        assert (await state_of(gw, message_id))["state"] == "sent"
        await set_status(c, bulk_id, wanted)
        await play(gw, c, ledger, START_MS + HOUR)
        assert (await state_of(gw, message_id))["attempts"] == 1
        assert all(outcome(r) != DELIVERED for r in ledger.reports.values())
