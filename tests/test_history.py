"""Per-attempt history: every outcome appends one line to messages.history (never rewriting it, bounded), every
webhook push attempt one line to reports.push_history, and the console's timeline tells both."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain import status as st
from kakao_gateway.domain.planning import MAX_VALIDITY_MS
from kakao_gateway.store import outcomes, reports
from kakao_gateway.store.sql import Fetch

from .conftest import API_KEY, START_MS, Receiver
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, register_basics, send
from .test_sms_failover import NOT_A_USER, failover_message

MINUTE = 60_000
ABSENT = st.error("EC_ABSENT_SUBSCRIBER").id
DELIVERED = st.status("DELIVERED_TO_HANDSET").id
NO_ERROR = st.error("NO_ERROR").id
HOOK = "http://hooks.test/dlr"


async def _history(gateway: Gateway, column: str, table: str, message_id: str) -> list[dict[str, Any]]:
    rows = await gateway.db.read(_one(f"SELECT {column} FROM {table} WHERE message_id = ? ORDER BY seq", message_id))
    return [orjson.loads(line) for row in rows if row[0] for line in row[0].splitlines()]


def _one(sql: str, message_id: str) -> Any:
    rows = yield Fetch(sql, (message_id,))
    return rows


async def test_each_outcome_appends_one_history_line(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = (await send(client, alim_body("821000000001")))["messages"][0]["messageId"]
    owner = gateway.engine.owner
    t0 = clock.now_ms()

    async def claim_and_record(make: Any) -> None:
        (c,) = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 10, owner, 30_000))
        recorded = await gateway.db.write(outcomes.record([make(c.seq)], clock.now_ms()))
        assert recorded.changed == 1

    await claim_and_record(lambda seq: outcomes.Outcome(seq, "release", 0, 0, t0 + 1000, owner, why="window"))
    clock.set(t0 + 1000)
    await claim_and_record(lambda seq: outcomes.Outcome(seq, "retry", 1, ABSENT, t0 + 5000, owner, departed=t0 + 1000))
    clock.set(t0 + 5000)
    await claim_and_record(lambda seq: outcomes.Outcome(seq, "sent", 1, NO_ERROR, t0 + 9000, owner, departed=t0))
    (row,) = await gateway.db.read(_one("SELECT seq FROM messages WHERE message_id = ?", message_id))
    await gateway.db.write(outcomes.record([outcomes.Outcome(row[0], "final", DELIVERED, NO_ERROR)], t0 + 6000))

    assert await _history(gateway, "history", "messages", message_id) == [
        {"at": t0, "event": "held", "until": t0 + 1000, "why": "window"},
        {"at": t0 + 1000, "event": "retry", "error": ABSENT, "until": t0 + 5000},
        {"at": t0 + 5000, "event": "submitted", "error": NO_ERROR},
        {"at": t0 + 6000, "event": "final", "status": DELIVERED, "error": NO_ERROR},
    ]


async def test_history_stops_growing_past_its_bound(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = (await send(client, alim_body("821000000001")))["messages"][0]["messageId"]
    owner = gateway.engine.owner
    for _ in range(200):
        (c,) = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 10, owner, 30_000))
        held = outcomes.Outcome(c.seq, "release", 0, 0, clock.now_ms(), owner, why="rate")
        await gateway.db.write(outcomes.record([held], clock.now_ms()))
    (row,) = await gateway.db.read(_one("SELECT history FROM messages WHERE message_id = ?", message_id))
    assert outcomes.HISTORY_BOUND < len(row[0]) < outcomes.HISTORY_BOUND + 200
    assert all(orjson.loads(line)["why"] == "rate" for line in row[0].splitlines())


async def test_an_expired_message_says_so_in_its_history(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = (await send(client, alim_body("821000000001")))["messages"][0]["messageId"]
    later = START_MS + MAX_VALIDITY_MS + MINUTE
    assert (await gateway.db.write(outcomes.expire_queued(later, 10))).changed == 1
    assert await _history(gateway, "history", "messages", message_id) == [{"at": later, "event": "expired"}]


async def test_record_pushes_appends_each_attempt(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    body = alim_body("821000000001", message={"webhooks": {"delivery": {"url": HOOK}}})
    message_id = (await send(client, body))["messages"][0]["messageId"]
    receiver.status = 500
    await gateway.engine.run_until_idle()
    (row,) = await gateway.db.read(_one("SELECT seq FROM reports WHERE message_id = ?", message_id))
    seq = row[0]
    now = clock.now_ms()
    await gateway.db.write(reports.record_pushes([], [(seq, "ConnectError: refused", now + MINUTE)], now + 1))
    await gateway.db.write(reports.record_pushes([seq], [], now + 2, status=204, latency_ms=7))
    pushes = await _history(gateway, "push_history", "reports", message_id)
    assert pushes[-2:] == [
        {"at": now + 1, "status": None, "ms": None, "error": "ConnectError: refused", "next": now + MINUTE},
        {"at": now + 2, "status": 204, "ms": 7},
    ]
    assert pushes[0]["status"] == 500 and pushes[0]["error"] == "HTTP 500" and pushes[0]["ms"] >= 0


async def test_the_timeline_shows_each_retry_and_each_push_attempt(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    """Unreachable for 10 minutes: each temporary failure is retried; the report's webhook answers 500, then 200."""
    await register_basics(client)
    receiver.status = 500
    body = alim_body("821000000004", message={"webhooks": {"delivery": {"url": HOOK}}})
    message_id = (await send(client, body))["messages"][0]["messageId"]
    await gateway.advance_clock(START_MS + 20 * MINUTE)  # delivered after 15.5 minutes, pushed twice since
    assert receiver.requests, "the webhook was tried"
    receiver.status = 200
    await gateway.advance_clock(START_MS + 60 * MINUTE)

    lines = await _history(gateway, "history", "messages", message_id)
    retries = [line for line in lines if line["event"] == "retry"]
    assert len(retries) >= 2 and all(r["error"] == ABSENT and r["until"] > r["at"] for r in retries)
    assert lines[-1]["event"] == "final" and lines[-1]["status"] == DELIVERED
    pushes = await _history(gateway, "push_history", "reports", message_id)
    assert [p["status"] for p in pushes][-2:] == [500, 200] and all(p["ms"] >= 0 for p in pushes)

    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        page = await c.get(f"/console/messages/{message_id}")
        assert page.status_code == 200, page.text
        text = page.text
        assert text.count("Attempt ") >= len(retries) and "EC_ABSENT_SUBSCRIBER" in text
        assert "next attempt" in text
        assert "HTTP 500" in text and "HTTP 200" in text and " ms" in text and "next try" in text
        assert "Webhook pushed" in text


async def test_a_failover_is_a_line_of_its_own(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Not a Kakao user: the Kakao hop's final result starts the SMS hop (a failover line), whose own final ends it."""
    await register_basics(client)
    message_id = await failover_message(client, "821000000002")
    await gateway.engine.run_until_idle()
    lines = await _history(gateway, "history", "messages", message_id)
    assert [line["event"] for line in lines] == ["failover", "final"]
    kakao = (st.status(NOT_A_USER[0]).id, st.error(NOT_A_USER[1]).id)
    assert (lines[0]["status"], lines[0]["error"]) == kakao
    assert lines[1]["status"] == DELIVERED
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        text = (await c.get(f"/console/messages/{message_id}")).text
        assert "Kakao hop ended" in text and "SMS failover hop" in text
