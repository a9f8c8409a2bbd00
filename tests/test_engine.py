"""The delivery engine end to end, through the HTTP API and a fake clock: the sandbox's magic numbers, validity,
scheduling, priority, crash safety and intermediate reports.

Time only moves when a test says so: `clock.advance(...)` and then `gateway.engine.run_until_idle()`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
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
from .helpers import alim_body, pull, register_basics, send, settle
from .spec import assert_matches

HOUR_S = 3600
VALIDITY_48H_S = 48 * HOUR_S
HOOK_URL = "http://hooks.test/dlr"

DELIVERED = ("DELIVERED_TO_HANDSET", "NO_ERROR")
UNKNOWN_USER = ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
BLOCKED_USER = ("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")
LAPSED = ("EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED")
CANCELED = ("EXPIRED_EXPIRED", "EC_MESSAGE_CANCELED")


# --- helpers -----------------------------------------------------------------------------------------------------


def at(seconds: float) -> str:
    """The wire form of START + seconds."""
    return format_ms(START_MS + round(seconds * 1000))


def offset_s(instant: str) -> float:
    """Seconds from START to a wire instant."""
    return (parse_instant(instant) - START_MS) / 1000


def validity(amount: int, unit: str) -> dict[str, Any]:
    return {"options": {"validityPeriod": {"amount": amount, "timeUnit": unit}}}


def outcome(report: dict[str, Any]) -> tuple[str, str]:
    return report["status"]["name"], report["error"]["name"]


def assert_outcome(report: dict[str, Any], expected: tuple[str, str]) -> None:
    """Status and error by name, with the ids and groups the catalogue gives them."""
    assert outcome(report) == expected, report
    assert report["status"] == st.status(expected[0]).wire()
    assert report["error"] == st.error(expected[1]).wire()


async def pull_all(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Every pullable report, validated against the spec, by messageId (at most one per message)."""
    results = await pull(client, limit=1000)
    assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
    by_id = {r["messageId"]: r for r in results}
    assert len(by_id) == len(results), f"more than one report for a message: {results}"
    return by_id


def pushed(receiver: Receiver) -> list[dict[str, Any]]:
    """Every report pushed to the receiver so far (all to HOOK_URL), validated against the spec."""
    for request in receiver.requests:
        assert request["path"] == "/dlr"
    results = receiver.json_results()
    assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
    return results


async def run_for(gateway: Gateway, clock: ManualClock, seconds: float, step: float = 30) -> None:
    """Let `seconds` of fake time pass in steps of `step`, running the engine until idle after each step."""
    end = clock.now_ms() + round(seconds * 1000)
    while clock.now_ms() < end:
        clock.set(min(clock.now_ms() + round(step * 1000), end))
        await gateway.engine.run_until_idle()


async def message_ids(client: httpx.AsyncClient, body: dict[str, Any]) -> list[str]:
    answer = await send(client, body)
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    assert [m["status"]["name"] for m in answer["messages"]] == ["PENDING_ENROUTE"] * len(answer["messages"])
    return [m["messageId"] for m in answer["messages"]]


async def one_message(client: httpx.AsyncClient, to: str, **message: Any) -> str:
    (message_id,) = await message_ids(client, alim_body(to, message=message or None))
    return message_id


async def state_of(gateway: Gateway, message_id: str) -> dict[str, Any]:
    found = await gateway.db.read(msgs.message_state(gateway.default_account_id, message_id))
    assert found is not None
    return found


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


# --- sandbox magic numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "expected"),
    [("821000000001", DELIVERED), ("821000000002", UNKNOWN_USER), ("821000000003", BLOCKED_USER)],
)
async def test_immediate_outcomes(
    client: httpx.AsyncClient, gateway: Gateway, to: str, expected: tuple[str, str]
) -> None:
    await register_basics(client)
    message_id = await one_message(client, to)
    await settle(gateway)
    reports = await pull_all(client)
    assert list(reports) == [message_id]
    report = reports[message_id]
    assert_outcome(report, expected)
    assert report["to"] == to
    assert report["sentAt"] == report["doneAt"] == at(0)
    assert (await state_of(gateway, message_id))["attempts"] == 1  # final on the first answer: no retry
    assert await pull_all(client) == {}


async def test_status_and_error_ids_of_the_magic_numbers(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    ids = await message_ids(client, alim_body("821000000001", "821000000002", "821000000003"))
    await settle(gateway)
    reports = await pull_all(client)
    got = [(reports[i]["status"]["id"], reports[i]["error"]["id"], reports[i]["error"]["permanent"]) for i in ids]
    assert got == [(5, 0, False), (9, 7002, True), (9, 7003, True)]


async def test_unreachable_for_ten_minutes_is_delivered_when_validity_allows(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000004")
    await settle(gateway)
    await run_for(gateway, clock, 599)
    assert await pull_all(client) == {}
    retried = await state_of(gateway, message_id)
    assert retried["attempts"] > 1
    assert retried["state"] == "queued"
    assert retried["error_id"] == st.error("EC_ABSENT_SUBSCRIBER").id

    await run_for(gateway, clock, 20 * 60)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, DELIVERED)
    assert report["sentAt"] == at(0)
    assert 600 <= offset_s(report["doneAt"]) <= 20 * 60  # reachable again after 10 min; one backoff later at most


async def test_unreachable_for_ten_minutes_expires_within_short_validity(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000004", **validity(5, "MINUTES"))
    await settle(gateway)
    await run_for(gateway, clock, 5 * 60)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, LAPSED)
    assert report["error"]["id"] == 4101
    assert report["status"]["id"] == 15
    assert offset_s(report["doneAt"]) <= 5 * 60
    assert (await state_of(gateway, message_id))["attempts"] > 1
    await run_for(gateway, clock, 30 * 60, step=60)
    assert await pull_all(client) == {}  # never delivered later, and no second report


async def test_last_retry_is_made_just_before_validity_ends(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """The backoff would next try at 15.5 min, after the 12 min validity: the engine instead makes one last attempt
    1 s before validity ends (the user is reachable again from 10 min), rather than expiring early."""
    await register_basics(client)
    message_id = await one_message(client, "821000000004", **validity(12, "MINUTES"))  # reachable again at 10 min
    await settle(gateway)
    await run_for(gateway, clock, 12 * 60 - 2)
    assert await pull_all(client) == {}  # no early expiry while validity lasts
    await run_for(gateway, clock, 1)
    report = (await pull_all(client))[message_id]
    assert outcome(report) == DELIVERED
    assert report["doneAt"] == format_ms(START_MS + (12 * 60 - 1) * 1000)


async def test_always_unreachable_is_retried_until_validity_ends(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000005", **validity(10, "MINUTES"))
    await settle(gateway)
    await run_for(gateway, clock, 5 * 60)
    assert await pull_all(client) == {}
    assert (await state_of(gateway, message_id))["attempts"] >= 3

    await run_for(gateway, clock, 5 * 60)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, LAPSED)
    assert (report["status"]["id"], report["error"]["id"]) == (15, 4101)
    assert offset_s(report["doneAt"]) <= 10 * 60


async def test_provider_error_then_delivered_on_retry(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000006")
    await settle(gateway)
    assert await pull_all(client) == {}
    first = await state_of(gateway, message_id)
    assert (first["state"], first["attempts"]) == ("queued", 1)
    assert first["error_id"] == st.error("EC_PROVIDER_INTERNAL_ERROR").id

    await run_for(gateway, clock, 5 * 60)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, DELIVERED)
    assert report["sentAt"] == at(0)
    assert 0 < offset_s(report["doneAt"]) <= 60
    assert (await state_of(gateway, message_id))["attempts"] == 2


async def test_never_answering_upstream_is_retried_until_validity_ends(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000007", **validity(10, "MINUTES"))
    await settle(gateway)
    assert (await state_of(gateway, message_id))["state"] == "sent"  # accepted upstream, result awaited
    await run_for(gateway, clock, 5 * 60)
    assert await pull_all(client) == {}
    assert (await state_of(gateway, message_id))["attempts"] >= 2

    await run_for(gateway, clock, 5 * 60)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, LAPSED)
    assert (report["status"]["id"], report["error"]["id"]) == (15, 4101)
    assert offset_s(report["doneAt"]) <= 10 * 60
    await run_for(gateway, clock, 10 * 60)
    assert await pull_all(client) == {}


@pytest.mark.parametrize(
    ("to", "expected", "done_s"),
    [
        ("821000000001", DELIVERED, 5),
        ("821000000002", UNKNOWN_USER, 5),
        ("821000000003", BLOCKED_USER, 5),
        ("821000000006", DELIVERED, 35),  # the provider error answers the submit; the retry after 30 s takes 5 s
    ],
)
async def test_sandbox_latency_delays_the_report(
    settings: Settings, clock: ManualClock, receiver: Receiver, to: str, expected: tuple[str, str], done_s: int
) -> None:
    async with open_gateway(dataclasses.replace(settings, sandbox_latency_ms=5000), clock, receiver) as (gw, c):
        await register_basics(c)
        message_id = await one_message(c, to)
        await settle(gw)
        await run_for(gw, clock, done_s - 0.001, step=1)
        assert await pull_all(c) == {}
        logs = (await c.get("/kakao-alim/1/logs")).json()
        assert_matches(logs, "/kakao-alim/1/logs", "get", 200)
        assert [e["status"]["name"] for e in logs["results"]] == ["PENDING_WAITING_DELIVERY"]

        await run_for(gw, clock, 0.001)
        report = (await pull_all(c))[message_id]
        assert_outcome(report, expected)
        assert report["sentAt"] == at(0)
        assert report["doneAt"] == at(done_s)


# --- validity ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "lapses_after_s"),
    [
        (None, VALIDITY_48H_S),
        ((90, "SECONDS"), 90),
        ((2, "MINUTES"), 120),
        ((3, "HOURS"), 3 * HOUR_S),
        ((48, "HOURS"), VALIDITY_48H_S),
        ((100, "HOURS"), VALIDITY_48H_S),  # more than 48 h is silently set to 48 h
        ((5000, "MINUTES"), VALIDITY_48H_S),
    ],
)
async def test_validity_period_and_its_units(
    client: httpx.AsyncClient,
    gateway: Gateway,
    clock: ManualClock,
    period: tuple[int, str] | None,
    lapses_after_s: int,
) -> None:
    """Two messages 1 s apart with the same validity; the engine first runs when the older one's validity ends:
    it never left, so it expires with 4100, while the younger one still goes out."""
    await register_basics(client)
    message = validity(*period) if period else {}
    older = await one_message(client, "821000000001", **message)
    clock.advance(1)
    younger = await one_message(client, "821000000001", **message)
    clock.set(START_MS + lapses_after_s * 1000)
    await settle(gateway)
    reports = await pull_all(client)
    assert_outcome(reports[older], CANCELED)
    assert (reports[older]["status"]["id"], reports[older]["error"]["id"]) == (15, 4100)
    assert reports[older]["doneAt"] == at(lapses_after_s)
    assert_outcome(reports[younger], DELIVERED)


async def test_message_never_claimed_before_validity_lapses_is_canceled(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000001", **validity(1, "MINUTES"))
    clock.advance(10 * 60)  # the engine does not run in the meantime (as if it were stopped)
    await settle(gateway)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, CANCELED)
    assert report["error"]["id"] == 4100
    assert report["error"]["permanent"] is True
    assert report["doneAt"] == at(10 * 60)
    assert (await state_of(gateway, message_id))["attempts"] == 0  # never went upstream


@pytest.mark.parametrize("period", [None, (100, "HOURS")], ids=["default", "100-hours"])
async def test_always_unreachable_expires_at_48_hours(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, period: tuple[int, str] | None
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000005", **(validity(*period) if period else {}))
    await settle(gateway)
    await run_for(gateway, clock, 47 * HOUR_S, step=600)
    assert await pull_all(client) == {}
    await run_for(gateway, clock, HOUR_S, step=600)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, LAPSED)
    # The last retry that still fits is at most one capped backoff (10 min) before the 48 h are up.
    assert VALIDITY_48H_S - 600 <= offset_s(report["doneAt"]) <= VALIDITY_48H_S
    assert (await state_of(gateway, message_id))["expires_at"] == START_MS + VALIDITY_48H_S * 1000


# --- scheduling --------------------------------------------------------------------------------------------------

SEND_AT_S = HOUR_S
KST = timezone(timedelta(hours=9))
# START + 1 h written in Korean time, e.g. 2026-11-29T14:00:00.000+09:00
SEND_AT = datetime.fromtimestamp(START_MS / 1000 + SEND_AT_S, KST).isoformat(timespec="milliseconds")


def scheduled(to: str, *, send_at: str = SEND_AT, **message: Any) -> dict[str, Any]:
    return alim_body(to, message=message or None, options={"schedule": {"sendAt": send_at}})


async def test_scheduled_message_waits_for_send_at(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    assert SEND_AT.endswith("+09:00")
    assert parse_instant(SEND_AT) == START_MS + SEND_AT_S * 1000
    await register_basics(client)
    # Validity 30 min: were it counted from acceptance, the message would be canceled before sendAt.
    (message_id,) = await message_ids(client, scheduled("821000000001", **validity(30, "MINUTES")))
    await settle(gateway)
    await run_for(gateway, clock, SEND_AT_S - 1, step=60)
    assert await pull_all(client) == {}
    waiting = await state_of(gateway, message_id)
    assert (waiting["state"], waiting["attempts"]) == ("queued", 0)
    assert waiting["expires_at"] == START_MS + (SEND_AT_S + 30 * 60) * 1000

    await run_for(gateway, clock, 1)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, DELIVERED)
    assert report["sentAt"] == report["doneAt"] == at(SEND_AT_S)


async def test_scheduled_message_validity_starts_at_send_at(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    (message_id,) = await message_ids(client, scheduled("821000000005", **validity(30, "MINUTES")))
    await settle(gateway)
    await run_for(gateway, clock, SEND_AT_S - 1, step=60)
    assert await pull_all(client) == {}
    await run_for(gateway, clock, 1)
    assert (await state_of(gateway, message_id))["attempts"] == 1  # first attempt exactly at sendAt
    await run_for(gateway, clock, 15 * 60)
    assert await pull_all(client) == {}  # retrying: 75 min after acceptance, but only 15 min into its validity
    await run_for(gateway, clock, 15 * 60)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, LAPSED)  # 4101: it was sent, so not 4100
    assert report["sentAt"] == at(SEND_AT_S)
    assert SEND_AT_S < offset_s(report["doneAt"]) <= SEND_AT_S + 30 * 60


async def test_scheduled_message_canceled_when_never_sent_within_validity(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    (message_id,) = await message_ids(client, scheduled("821000000001", **validity(10, "MINUTES")))
    clock.advance(SEND_AT_S + 10 * 60)  # the engine was down from acceptance until validity ended
    await settle(gateway)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, CANCELED)
    assert report["doneAt"] == at(SEND_AT_S + 10 * 60)


# --- priority ----------------------------------------------------------------------------------------------------


async def test_high_priority_leaves_first_then_standard_then_low(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    priority_of: dict[str, str] = {}
    for priority in ("LOW", "STANDARD", "HIGH"):  # accepted lowest first, all due now
        body = alim_body("821000000001", "821000000001", options={"priority": priority})
        for message_id in await message_ids(client, body):
            priority_of[message_id] = priority
    gateway.engine.settings = EngineSettings(claim_batch=1)

    order: list[str] = []
    while await gateway.engine.run_once():  # pass by pass, at one instant: what left in this pass?
        results = await pull(client)
        assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
        assert all(outcome(r) == DELIVERED for r in results)
        order.extend(priority_of[r["messageId"]] for r in results)
    assert order == ["HIGH", "HIGH", "STANDARD", "STANDARD", "LOW", "LOW"]
    assert await pull_all(client) == {}


async def test_claim_batch_bounds_each_engine_pass(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    await gateway.engine.run_until_idle()  # the template's sandbox inspection is decided first (one transition)
    ids = await message_ids(client, alim_body("821000000001", "821000000001", "821000000001"))
    gateway.engine.settings = EngineSettings(claim_batch=1)
    for _ in ids:
        assert await gateway.engine.run_once() == 1
        assert len(await pull_all(client)) == 1
    assert await gateway.engine.run_once() == 0


async def test_priority_order_in_pulled_reports(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    priority_of: dict[str, str] = {}
    for priority in ("LOW", "STANDARD", "HIGH"):
        (message_id,) = await message_ids(client, alim_body("821000000001", options={"priority": priority}))
        priority_of[message_id] = priority
    gateway.engine.settings = EngineSettings(claim_batch=1)
    await settle(gateway)
    results = await pull(client)
    assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
    assert [priority_of[r["messageId"]] for r in results] == ["HIGH", "STANDARD", "LOW"]


# --- crash safety ------------------------------------------------------------------------------------------------


async def test_claims_of_a_dead_worker_are_rescued_after_the_lease(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    ids = await message_ids(client, alim_body("821000000001", "821000000002", "821000000006", "821000000001"))
    claimed = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 100, "dead-worker", 30_000))
    assert sorted(c.message_id for c in claimed) == sorted(ids)

    await settle(gateway)
    await run_for(gateway, clock, 29, step=1)
    assert await pull_all(client) == {}  # the lease still holds: nobody else touches them
    assert {(await state_of(gateway, i))["state"] for i in ids} == {"inflight"}

    await run_for(gateway, clock, 2, step=1)
    reports = await pull_all(client)
    assert sorted(reports) == sorted(ids)
    assert [outcome(reports[i]) for i in ids] == [DELIVERED, UNKNOWN_USER, DELIVERED, DELIVERED]
    for i in ids:
        assert reports[i]["doneAt"] == at(30)

    # The dead worker wakes up and reports what it did: its lease is gone, so nothing changes.
    late = [
        outcomes.Outcome(c.seq, "final", st.status("DELIVERED_TO_HANDSET").id, 0, owner="dead-worker") for c in claimed
    ]
    assert (await gateway.db.write(outcomes.record(late, clock.now_ms()))).changed == 0
    await run_for(gateway, clock, 10 * 60, step=60)
    assert await pull_all(client) == {}  # exactly one final report per message


async def test_accepted_messages_survive_a_restart(
    client: httpx.AsyncClient, gateway: Gateway, settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    await register_basics(client)
    ids = await message_ids(client, alim_body("821000000001", "821000000002", "821000000006"))
    await gateway.stop()  # accepted (200), never worked on

    clock.advance(5)
    async with open_gateway(settings, clock, receiver) as (gw, c):
        await settle(gw)
        await run_for(gw, clock, 5 * 60)
        reports = await pull_all(c)
        assert sorted(reports) == sorted(ids)
        assert [outcome(reports[i]) for i in ids] == [DELIVERED, UNKNOWN_USER, DELIVERED]
        await run_for(gw, clock, 10 * 60, step=60)
        assert await pull_all(c) == {}


async def test_a_claim_held_by_a_stopped_gateway_is_rescued_by_the_next_one(
    client: httpx.AsyncClient, gateway: Gateway, settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    await register_basics(client)
    (held,) = await message_ids(client, alim_body("821000000001"))
    (claimed,) = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 100, gateway.engine.owner, 30_000))
    assert claimed.message_id == held
    ids = [held, *await message_ids(client, alim_body("821000000001", "821000000001"))]
    await gateway.stop()  # died holding one row, with two more accepted

    async with open_gateway(settings, clock, receiver) as (gw, c):
        await settle(gw)
        first = await pull_all(c)
        assert sorted(first) == sorted(i for i in ids if i != claimed.message_id)
        await run_for(gw, clock, 29, step=1)
        assert await pull_all(c) == {}
        await run_for(gw, clock, 2, step=1)
        rescued = await pull_all(c)
        assert list(rescued) == [claimed.message_id]
        assert_outcome(rescued[claimed.message_id], DELIVERED)
        assert rescued[claimed.message_id]["doneAt"] == at(30)
        await run_for(gw, clock, 10 * 60, step=60)
        assert await pull_all(c) == {}


async def test_result_lost_with_a_restart_is_retried_after_the_result_timeout(
    settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    slow = dataclasses.replace(settings, sandbox_latency_ms=5000)
    async with open_gateway(slow, clock, receiver) as (gw, c):
        await register_basics(c)
        message_id = await one_message(c, "821000000001")
        await settle(gw)
        assert (await state_of(gw, message_id))["state"] == "sent"
    # stopped before the upstream's late result arrived: the sandbox forgot it
    async with open_gateway(slow, clock, receiver) as (gw, c):
        await run_for(gw, clock, 59, step=1)
        assert await pull_all(c) == {}
        await run_for(gw, clock, 5 * 60, step=1)
        report = (await pull_all(c))[message_id]
        assert_outcome(report, DELIVERED)
        assert 60 < offset_s(report["doneAt"]) <= 5 * 60
        await run_for(gw, clock, 10 * 60, step=60)
        assert await pull_all(c) == {}


# --- intermediate reports ----------------------------------------------------------------------------------------


def hooked(intermediate: bool) -> dict[str, Any]:
    return {"webhooks": {"delivery": {"url": HOOK_URL, "intermediateReport": intermediate}}}


async def test_intermediate_report_then_final_is_pushed(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await register_basics(client)
    message_id = await one_message(client, "821000000006", **hooked(True))
    await settle(gateway)
    (intermediate,) = pushed(receiver)
    assert intermediate["messageId"] == message_id
    assert intermediate["status"]["groupName"] == "PENDING"
    assert_outcome(intermediate, ("PENDING_ENROUTE", "EC_PROVIDER_INTERNAL_ERROR"))
    assert intermediate["error"]["id"] == 7050

    await run_for(gateway, clock, 5 * 60)
    first, final = pushed(receiver)
    assert first == intermediate
    assert final["messageId"] == message_id
    assert_outcome(final, DELIVERED)
    assert 0 < offset_s(final["doneAt"]) <= 60
    assert await pull_all(client) == {}  # pushed, so not in the pull queue


async def test_no_intermediate_report_unless_asked_or_needed(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await register_basics(client)
    retried = await one_message(client, "821000000006", **hooked(False))
    direct = await one_message(client, "821000000001", **hooked(True))
    await settle(gateway)
    await run_for(gateway, clock, 5 * 60)
    reports = pushed(receiver)
    assert sorted(r["messageId"] for r in reports) == sorted([retried, direct])
    assert all(outcome(r) == DELIVERED for r in reports)
