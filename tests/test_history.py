"""Per-attempt history: every outcome appends one line to messages.history (never rewriting it, bounded), every
webhook push attempt one line to reports.push_history, and the console's timeline tells both.

History beyond 48 hours (issue 17, item 4): finished messages are kept for --history-retention-days and searched with
`GET /kakao/1/messages` and the console's History page, while the Infobip logs keep showing 48 hours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain import status as st
from kakao_gateway.domain.filters import LogFilter
from kakao_gateway.domain.planning import MAX_VALIDITY_MS
from kakao_gateway.store import history, message_queries, outcomes, reports
from kakao_gateway.store.history import HistoryQuery
from kakao_gateway.store.sql import Fetch, Query

from .conftest import API_KEY, START_MS, Receiver
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, register_basics, send
from .spec import assert_api_error, assert_matches, assert_schema
from .test_query_plans import PG_SCAN, SQLITE_SCAN, plans_of
from .test_query_plans import filled as filled  # the fixture
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

    assert await _history(gateway, "history", "message_view", message_id) == [
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
    (row,) = await gateway.db.read(_one("SELECT history FROM message_view WHERE message_id = ?", message_id))
    assert outcomes.HISTORY_BOUND < len(row[0]) < outcomes.HISTORY_BOUND + 200
    assert all(orjson.loads(line)["why"] == "rate" for line in row[0].splitlines())


async def test_an_expired_message_says_so_in_its_history(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = (await send(client, alim_body("821000000001")))["messages"][0]["messageId"]
    later = START_MS + MAX_VALIDITY_MS + MINUTE
    assert (await gateway.db.write(outcomes.expire_queued(later, 10))).changed == 1
    assert await _history(gateway, "history", "message_view", message_id) == [{"at": later, "event": "expired"}]


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

    lines = await _history(gateway, "history", "message_view", message_id)
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
    lines = await _history(gateway, "history", "message_view", message_id)
    assert [line["event"] for line in lines] == ["failover", "final"]
    kakao = (st.status(NOT_A_USER[0]).id, st.error(NOT_A_USER[1]).id)
    assert (lines[0]["status"], lines[0]["error"]) == kakao
    assert lines[1]["status"] == DELIVERED
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        text = (await c.get(f"/console/messages/{message_id}")).text
        assert "Kakao hop ended" in text and "SMS failover hop" in text


# --- history beyond 48 hours: GET /kakao/1/messages ----------------------------------------------------------------

MESSAGES = "/kakao/1/messages"
LOGS = "/kakao-alim/1/logs"
DAY_S = 86_400
DELIVERED_TO = "821000000001"
NOT_A_USER_TO = "821000000002"


def _scalar(sql: str, *params: Any) -> Any:
    rows = yield Fetch(sql, params)
    return rows[0][0]


async def _search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(MESSAGES, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"results", "cursor"}
    for m in body["results"]:
        assert_schema(m["status"], "MessageStatus")
        assert_schema(m["error"], "MessageError")
    return body


async def _found(client: httpx.AsyncClient, **params: Any) -> list[str]:
    return [m["messageId"] for m in (await _search(client, **params))["results"]]


async def _logs(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(LOGS, params=params)
    assert response.status_code == 200, response.text
    assert_matches(response.json(), LOGS, "get", 200)
    return response.json()["results"]  # type: ignore[no-any-return]


async def _step(clock: ManualClock, gateway: Gateway, seconds: float) -> None:
    clock.advance(seconds)
    await gateway.engine.run_until_idle()


def _ids(answer: dict[str, Any]) -> list[str]:
    return [m["messageId"] for m in answer["messages"]]


async def test_a_message_finished_3_days_ago_is_in_the_history_not_in_the_logs(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    old = await send(client, alim_body(DELIVERED_TO, NOT_A_USER_TO))
    await gateway.engine.run_until_idle()
    assert len(await _logs(client)) == 2
    for _ in range(3):
        await _step(clock, gateway, DAY_S)
    recent = await send(client, alim_body(DELIVERED_TO))
    await gateway.engine.run_until_idle()

    assert [e["messageId"] for e in await _logs(client)] == _ids(recent)
    assert await _logs(client, messageId=",".join(_ids(old))) == []
    assert await _logs(client, destination=DELIVERED_TO) == [(await _logs(client))[0]]
    # the logs' walk starts above the old rows now: the floor moved past them
    floor = await gateway.db.read(_scalar("SELECT floor_seq FROM log_floors WHERE channel = 'ALIM'"))
    assert floor == await gateway.db.read(_scalar("SELECT MAX(seq) + 1 FROM messages WHERE bulk_id = ?", old["bulkId"]))

    found = await _search(client, destination=DELIVERED_TO)
    assert [m["messageId"] for m in found["results"]] == [*_ids(recent), _ids(old)[0]]
    assert "cursor" not in found
    delivered = found["results"][1]
    assert delivered["destination"] == DELIVERED_TO and delivered["bulkId"] == old["bulkId"]
    assert delivered["status"]["name"] == "DELIVERED_TO_HANDSET" and delivered["error"]["name"] == "NO_ERROR"
    assert delivered["sentAt"] == delivered["acceptedAt"] == "2026-11-29T04:00:00.000+0000"
    assert delivered["doneAt"].startswith("2026-11-29T04:00") and delivered["channel"] == "KAKAO_ALIM"
    (event,) = delivered["events"]  # the sandbox answers at the submit
    assert event["event"] == "final" and event["at"].startswith("2026-11-29T04:00")
    assert (event["status"], event["error"]) == ("DELIVERED_TO_HANDSET", "NO_ERROR")

    (refused,) = (await _search(client, messageId=_ids(old)[1]))["results"]
    assert refused["status"]["groupName"] == "UNDELIVERABLE" and refused["destination"] == NOT_A_USER_TO
    assert await _found(client, bulkId=old["bulkId"]) == _ids(old)[::-1]


async def test_finished_messages_are_purged_after_the_history_retention(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    old = await send(client, alim_body(DELIVERED_TO))
    await gateway.engine.run_until_idle()
    await _step(clock, gateway, 29 * DAY_S)
    later = await send(client, alim_body(DELIVERED_TO))
    await gateway.engine.run_until_idle()
    await _step(clock, gateway, DAY_S - 60)
    assert await _found(client, destination=DELIVERED_TO) == [*_ids(later), *_ids(old)]
    await _step(clock, gateway, 11 * 60)  # 30 days and 10 minutes: the next purge ran
    assert await _found(client, destination=DELIVERED_TO) == _ids(later)
    assert await _found(client, messageId=_ids(old)[0]) == []
    assert await gateway.db.read(_scalar("SELECT COUNT(*) FROM messages")) == 1


async def test_a_pending_message_has_its_current_status_and_no_done_at(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(DELIVERED_TO, options={"schedule": {"sendAt": "2026-11-30T13:00:00+09:00"}}))
    (pending,) = (await _search(client, messageId=_ids(answer)[0]))["results"]
    assert pending["status"]["groupName"] == "PENDING" and "doneAt" not in pending
    assert pending["events"][0]["event"] == "held" and pending["events"][0]["why"] == "schedule"
    assert pending["events"][0]["until"] == "2026-11-30T04:00:00.000+0000"


async def test_cursor_pages_are_newest_first_and_stable_under_new_messages(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    sent = []
    for i in range(5):
        sent += _ids(await send(client, alim_body(f"82100000{i + 10:04d}")))
        clock.advance(1)
    first = await _search(client, limit="2")
    assert [m["messageId"] for m in first["results"]] == sent[::-1][:2]
    newer = _ids(await send(client, alim_body("821000009999")))
    second = await _search(client, limit="2", cursor=first["cursor"])
    assert [m["messageId"] for m in second["results"]] == sent[::-1][2:4]
    third = await _search(client, limit="2", cursor=second["cursor"])
    assert [m["messageId"] for m in third["results"]] == sent[:1] and "cursor" not in third
    assert (await _found(client, limit="1")) == newer


async def test_search_by_campaign_and_by_when_accepted(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    campaign = {"options": {"campaignReferenceId": "spring"}}
    first = _ids(await send(client, alim_body(DELIVERED_TO, message=campaign)))
    await _step(clock, gateway, 5 * DAY_S)
    second = _ids(await send(client, alim_body(DELIVERED_TO, message=campaign)))
    other = _ids(await send(client, alim_body(DELIVERED_TO)))
    assert await _found(client, campaignReferenceId="spring") == [*second, *first]
    assert await _found(client, campaignReferenceId="autumn") == []
    day2 = {"since": "2026-11-30T13:00:00+09:00", "until": "2026-12-05T04:00:00.000+0000"}
    assert await _found(client, **day2) == [*other, *second]
    assert await _found(client, since="2026-11-30T00:00:00Z", until="2026-12-04T00:00:00Z") == []
    assert await _found(client, until="2026-11-29T13:00:00+09:00") == first
    assert await _found(client, campaignReferenceId="spring", until="2026-11-30T00:00:00Z") == first


async def test_another_account_sees_none_of_them(
    client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient
) -> None:
    from .conftest import api_client
    from .test_auth import create_account, create_key

    await register_basics(client)
    answer = await send(client, alim_body(DELIVERED_TO))
    other = await create_key(admin, await create_account(admin, "tenant-b"))
    async with api_client(gateway, other["key"]) as theirs:
        assert await _found(theirs) == []
        assert await _found(theirs, messageId=_ids(answer)[0]) == []
        assert await _found(theirs, destination=DELIVERED_TO) == []
        assert await _found(theirs, bulkId=answer["bulkId"]) == []
    assert await _found(client) == _ids(answer)


@pytest.mark.parametrize(
    ("params", "prop"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-11-29T04:00:00"}, "until"),  # no offset
        ({"since": "2026-11-29T05:00:00Z", "until": "2026-11-29T04:00:00Z"}, "until"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"destination": "8" * 2049}, "destination"),
    ],
)
async def test_bad_parameters_are_400(client: httpx.AsyncClient, params: dict[str, str], prop: str) -> None:
    response = await client.get(MESSAGES, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    assert prop in [v["property"] for v in body["violations"]]


async def test_a_send_only_key_may_not_search(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    from .conftest import api_client
    from .test_auth import create_account, create_key

    key = await create_key(admin, await create_account(admin, "tenant-c"), ["message:send"])
    async with api_client(gateway, key["key"]) as c:
        response = await c.get(MESSAGES)
        assert response.status_code == 403, response.text
        assert_api_error(response.json())


async def test_the_search_is_in_openapi(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    op = document["paths"][MESSAGES]["get"]
    names = {p["name"] for p in op["parameters"]}
    assert {"destination", "bulkId", "campaignReferenceId", "messageId", "since", "until", "limit", "cursor"} <= names
    assert "400" in op["responses"]


# --- query plans -------------------------------------------------------------------------------------------------

PLAN_EXPECTED = {
    "history by destination": "ix_messages_destination",
    "history by message id": "uq_messages_account_message|sqlite_autoindex_messages|messages_account_id_message_id",
    # PostgreSQL: walking the primary key back is as good when one account has all the rows (as here)
    "history by bulk": "ix_messages_bulk|messages_pkey",
    "history by campaign": "ix_messages_campaign",
    # one account's channel, newest first: PostgreSQL may as well walk the primary key backwards (a LIMIT)
    "history, newest": "ix_messages_logs|messages_pkey",
    "history, accepted between": "ix_messages_logs|messages_pkey",
    "history: rows' seq range": "messages_pkey|^SEARCH messages$",  # each end of the primary key (SQLite: rowid)
    "history: a probe of it": "messages_pkey|INTEGER PRIMARY KEY",
    "logs floor: first visible row": "ix_messages_logs|messages_pkey",
    "logs floor: last row walked past": "ix_messages_logs|messages_pkey",
    "logs floor: raise": "log_floors_pkey|^$",  # an upsert by primary key (SQLite shows no plan for it)
    "logs from the floor": "ix_messages_logs|messages_pkey",
    "logs by destination from the floor": "ix_messages_destination",
}
# the index range is bounded below by the floor: `seq>?` (SQLite), an Index Cond on seq >= (PostgreSQL)
FLOOR_BOUND = re.compile(r"seq>\?|seq >= \$|seq >= \(?COALESCE|seq >= \(InitPlan|\(seq >= \$?\w*\)")


def _driven(op: Any, *answers: Any) -> list[Any]:
    """The statements an operation yields, given the answers to all but the last."""
    statements = [next(op)]
    for answer in answers:
        statements.append(op.send(answer))
    return statements


def _plan_queries(account_id: str) -> Iterator[tuple[str, Query]]:
    now = START_MS
    yield "history by destination", next(history.search(account_id, HistoryQuery(destination=PHONE), 50, None))
    yield "history by message id", next(history.search(account_id, HistoryQuery(message_id="done-7"), 50, None))
    yield "history by bulk", next(history.search(account_id, HistoryQuery(bulk_id="bulk-7"), 50, None))
    yield "history by campaign", next(history.search(account_id, HistoryQuery(campaign_ref="spring"), 50, None))
    yield "history, newest", next(history.search(account_id, HistoryQuery(), 50, 150_000))
    between = HistoryQuery(since=now - DAY_S * 1000, until=now)
    bounds, old = [{"low": 1, "high": 1}], [{"seq": 1, "created_at": 0}]
    seq_range, _, _, _, main = _driven(history.search(account_id, between, 50, None), bounds, old, bounds, old)
    yield "history: rows' seq range", seq_range
    yield "history: a probe of it", _driven(history.first_seq_at(now), [{"low": 1, "high": 200_000}])[1]
    yield "history, accepted between", main
    first, last = _driven(message_queries.next_log_floor(account_id, "ALIM", 1000, now), [{"seq": 5000}])
    yield "logs floor: first visible row", first
    yield "logs floor: last row walked past", last
    yield "logs floor: raise", next(message_queries.raise_log_floors([(account_id, "ALIM", 1000)]))
    yield "logs from the floor", next(message_queries.query_logs(account_id, "ALIM", LogFilter(), 50, None, now))
    by_phone = LogFilter(destinations=(PHONE,))
    yield (
        "logs by destination from the floor",
        next(message_queries.query_logs(account_id, "ALIM", by_phone, 50, None, now)),
    )


PHONE = "821055550000"  # none of the filled rows is to this number


async def test_history_and_logs_floor_queries_use_their_indexes(filled: Gateway) -> None:
    account_id = filled.default_account_id
    await filled.db.write(message_queries.raise_log_floors([(account_id, "ALIM", 100_000)]))
    plans = await plans_of(
        filled, _plan_queries(account_id), "messages", "message_queue", "message_results", "log_floors"
    )
    assert len(plans) == len(PLAN_EXPECTED)
    scans = {n: p for n, p in plans.items() if any(SQLITE_SCAN.search(line) or PG_SCAN.search(line) for line in p)}
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())
    wrong = {
        n: plans[n]
        for n, index in PLAN_EXPECTED.items()
        if not any(re.search(index, line) for line in plans[n] or [""])
    }
    assert not wrong, "\n\n".join(f"{n} (wants {PLAN_EXPECTED[n]}):\n  " + "\n  ".join(p) for n, p in wrong.items())
    unbounded = {n: plans[n] for n in ("logs from the floor", "logs by destination from the floor")}
    unbounded = {n: p for n, p in unbounded.items() if not any(FLOOR_BOUND.search(line) for line in p)}
    assert not unbounded, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in unbounded.items())


# --- the console's History page ----------------------------------------------------------------------------------


async def test_the_console_history_page_finds_old_messages_and_links_their_timelines(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    old = _ids(await send(client, alim_body(DELIVERED_TO, message={"options": {"campaignReferenceId": "spring"}})))
    await gateway.engine.run_until_idle()
    for _ in range(5):
        await _step(clock, gateway, DAY_S)
    others = [_ids(await send(client, alim_body(f"8210000011{i:02d}")))[0] for i in range(51)]
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        page = await c.get("/console/history", params={"destination": "010-0000-0001"})  # as people type it
        assert page.status_code == 200, page.text
        assert f'href="/console/messages/{old[0]}"' in page.text and "DELIVERED_TO_HANDSET" in page.text
        assert 'aria-current="page">History' in page.text
        timeline = await c.get(f"/console/messages/{old[0]}")  # 5 days on: the timeline is still there
        assert timeline.status_code == 200 and "DELIVERED_TO_HANDSET" in timeline.text
        assert old[0] in (await c.get("/console/history", params={"campaignReferenceId": "spring"})).text
        by_day = await c.get("/console/history", params={"since": "2026-11-29", "until": "2026-11-29"})  # KST
        assert old[0] in by_day.text and others[0] not in by_day.text
        first = (await c.get("/console/history")).text
        assert others[-1] in first and old[0] not in first and "cursor=" in first
        cursor = re.search(r'href="/console/history\?cursor=([^"&]+)"', first)
        assert cursor, first
        second = (await c.get("/console/history", params={"cursor": cursor.group(1)})).text
        assert old[0] in second and others[0] in second and others[-1] not in second
        bad = await c.get("/console/history", params={"since": "yesterday"})
        assert bad.status_code == 400 and "since" in bad.text
        korean = await c.get("/console/language/ko", params={"next": "/console/history"}, follow_redirects=True)
        assert "이력" in korean.text and "접수일 시작" in korean.text
