"""One accept path (service/intake.py): a send reads what the account says in one store operation and writes its rows
in one more; Sangdam gets the dealer check Alim and Brand have. Inbound Sangdam messages an upstream pushes are
stored and forwarded once, however often (and however concurrently) they are pushed: the unique index of their
upstream id refuses the copy in the statement that would store it (migration 0028)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.connectors.infobip.config import report_token
from kakao_gateway.connectors.upstreams import kakao_route
from kakao_gateway.store import account_view
from kakao_gateway.store import sangdam_sessions as sessions
from kakao_gateway.store.migrate import upgrade
from kakao_gateway.store.sql import Execute, Op, Query

from .conftest import START_MS, Receiver
from .helpers import SENDER, alim_body, register_basics, settle
from .sangdam_helpers import inbound_results, sangdam_body, setup_sender, user_writes
from .sangdam_helpers import send as sangdam_send
from .spec import assert_api_error, assert_matches
from .test_query_plans import plans_of

USER = "kakao-user-1"
OWN_UPSTREAM = "infobip+http://ACCOUNT-KEY@127.0.0.1:9"


class OpLog:
    """The store operations the gateway runs, by name, as they start."""

    def __init__(self, gateway: Gateway) -> None:
        self.names: list[str] = []
        db = gateway.db
        read, write = db.read, db.write

        async def logged_read(op: Op[Any]) -> Any:
            self.names.append(op.__name__)
            return await read(op)

        async def logged_write(op: Op[Any]) -> Any:
            self.names.append(op.__name__)
            return await write(op)

        db.read = logged_read  # type: ignore[method-assign]
        db.write = logged_write  # type: ignore[method-assign]

    def after_auth(self) -> list[str]:
        """The operations after signing in (the key lookup and its use are the API edge's, not the send's)."""
        return [n for n in self.names if n not in {"find_key", "touch_key", "account_of_key"}]


# --- one read, one write ---------------------------------------------------------------------------------------------


async def test_an_alim_send_reads_the_account_once_and_writes_once(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    await client.put("/kakao/1/sms/settings", json={"defaultSender": "KAKAO-GW"})
    body = alim_body(
        "821012345678",
        "821000000000",  # not a mobile number: rejected per destination
        message={
            "webhooks": {"delivery": {"url": "http://hooks.test/dlr"}},
            "options": {"smsFailover": {"text": "Your order shipped"}},
        },
    )
    ops = OpLog(gateway)
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 200, response.text
    assert_matches(response.json(), "/kakao-alim/1/messages", "post", 200)
    assert ops.after_auth() == ["read_view", "_accept_with"]


async def test_a_brand_send_with_links_and_opt_outs_reads_once_and_writes_once(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    await register_basics(client)
    await client.post("/kakao/1/opt-outs", json={"destinations": ["821012345679"]})
    body = {
        "messages": [
            {
                "sender": SENDER,
                "destinations": [{"to": "821012345678"}, {"to": "821012345679"}],
                "content": {"type": "TEXT_FREE_FORM", "text": "Sale today: https://shop.example.com/sale"},
                "webhooks": {"delivery": {"url": "http://hooks.test/dlr"}},
            }
        ],
        "options": {"tracking": {"shortenUrl": True}},
    }
    ops = OpLog(gateway)
    response = await client.post("/kakao-chingu/1/messages", json=body)
    assert response.status_code == 200, response.text
    assert_matches(response.json(), "/kakao-chingu/1/messages", "post", 200)
    statuses = [m["status"]["name"] for m in response.json()["messages"]]
    assert statuses == ["PENDING_ENROUTE", "REJECTED_DND"]
    assert ops.after_auth() == ["read_view", "_accept_with"]


async def test_a_sangdam_send_reads_once_and_writes_once(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    ops = OpLog(gateway)
    answer = await sangdam_send(client, sangdam_body(USER))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ACCEPTED"
    assert ops.after_auth() == ["read_view", "_accept_with"]


async def test_a_sangdam_send_on_an_nhn_route_is_refused_at_accept(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """NHN Cloud carries Alim and Brand only: a Sangdam send is a 400 at accept, not a failure at submit."""
    await setup_sender(client)
    response = await admin.put(
        f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": "nhn+http://127.0.0.1:9"}
    )
    assert response.status_code == 200, response.text
    body = sangdam_body(USER)
    body["messages"].append(sangdam_body("kakao-user-2")["messages"][0])
    response = await client.post("/kakao-sangdam/1/messages", json=body)
    assert response.status_code == 400, response.text
    assert_api_error(response.json())
    violations = [(v["property"], v["violation"]) for v in response.json()["violations"]]
    assert [p for p, _ in violations] == ["messages[0]", "messages[1]"]
    assert "NHN Cloud" in violations[0][1]
    logs = await client.get("/kakao-sangdam/1/logs")
    assert logs.json()["results"] == []


async def test_the_checks_keep_their_order_and_answers(gateway: Gateway, client: httpx.AsyncClient) -> None:
    """A request with a bad webhook target and a failover without sender: the target is named (checked first)."""
    await register_basics(client)
    body = alim_body(
        "821012345678",
        message={
            "webhooks": {"delivery": {"url": "http://169.254.169.254/latest"}},
            "options": {"smsFailover": {"text": "x"}},
        },
    )
    await gateway.db.write(_execute("UPDATE accounts SET kakao_upstream = ?", OWN_UPSTREAM))
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 400, response.text
    assert_api_error(response.json())
    assert [v["property"] for v in response.json()["violations"]] == ["messages[0].webhooks.delivery.url"]
    del body["messages"][0]["webhooks"]
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 400, response.text
    assert [v["property"] for v in response.json()["violations"]] == ["messages[0].options.smsFailover.sender"]


# --- inbound: stored and forwarded once ------------------------------------------------------------------------------


async def _own_upstream(gateway: Gateway, admin: httpx.AsyncClient, client: httpx.AsyncClient) -> str:
    """The account takes an Infobip upstream of its own; the inbound URL path of that upstream."""
    response = await admin.put(f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": OWN_UPSTREAM})
    assert response.status_code == 200, response.text
    await setup_sender(client)
    return f"/upstream/1/kakao/inbound/{report_token('ACCOUNT-KEY', kakao_route(OWN_UPSTREAM), 'kakao-inbound')}"


def _inbound(message_id: str, text: str = "hi") -> dict[str, Any]:
    return {"sender": USER, "to": SENDER, "messageId": message_id, "message": {"type": "TEXT", "text": text}}


async def _transcript(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    found = (await client.get("/kakao/1/sangdam/sessions")).json()["results"]
    entries = []
    for s in found:
        page = await client.get(f"/kakao/1/sangdam/sessions/{s['sessionId']}/messages")
        entries += [(e["direction"], e["messageId"]) for e in page.json()["results"]]
    return entries


async def test_an_inbound_pushed_again_and_at_once_is_stored_and_forwarded_once(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    path = await _own_upstream(gateway, admin, client)
    first = await client.post(path, json={"results": [_inbound("ib-1"), _inbound("ib-1")]})
    assert (first.status_code, first.json()) == (200, {"received": 2, "written": 1})
    again = await client.post(path, json={"results": [_inbound("ib-1")]})
    assert again.json() == {"received": 1, "written": 0}
    at_once = await asyncio.gather(*(client.post(path, json={"results": [_inbound("ib-2")]}) for _ in range(6)))
    assert [r.status_code for r in at_once] == [200] * 6
    assert sum(r.json()["written"] for r in at_once) == 1
    await settle(gateway)
    assert [r["messageId"] for r in inbound_results(receiver)] == ["ib-1", "ib-2"]
    assert await _transcript(client) == [("INBOUND", "ib-1"), ("INBOUND", "ib-2")]


async def test_an_inbound_with_the_id_of_our_message_is_kept_under_another_and_still_stored_once(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    """Infobip's id may be one our own message in the conversation has: the user's message is stored under a new
    id, and a push of it again is still recognised (by Infobip's id)."""
    await setup_sender(client)
    await user_writes(client, USER)  # opens the session
    body = sangdam_body(USER)
    body["messages"][0]["destinations"] = [{"to": USER, "messageId": "shared-id"}]
    await sangdam_send(client, body)
    await settle(gateway)  # the sandbox delivers it into the session: OUTBOUND shared-id
    path = await _own_upstream(gateway, admin, client)
    for _ in range(2):
        response = await client.post(path, json={"results": [_inbound("shared-id", "thanks")]})
        assert response.status_code == 200, response.text
    await settle(gateway)
    entries = await _transcript(client)
    assert entries[:2] == [("INBOUND", entries[0][1]), ("OUTBOUND", "shared-id")]
    assert len(entries) == 3 and entries[2][0] == "INBOUND" and entries[2][1] != "shared-id"
    forwarded = [r for r in inbound_results(receiver) if r["message"].get("text") == "thanks"]
    assert [r["messageId"] for r in forwarded] == [entries[2][1]]


async def test_inbound_to_a_channel_two_accounts_have_is_refused_whole(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    path = await _own_upstream(gateway, admin, client)
    response = await admin.post("/admin/1/accounts", json={"name": "second"})
    assert response.status_code == 200, response.text
    other = response.json()["id"]
    await gateway.db.write(
        _execute("INSERT INTO senders (account_id, sender, name, created_at) VALUES (?, ?, 'x', 0)", other, SENDER)
    )
    await gateway.db.write(_execute("UPDATE accounts SET kakao_upstream = ?", OWN_UPSTREAM))
    response = await client.post(path, json={"results": [_inbound("ib-1")]})
    assert response.status_code == 404
    assert_api_error(response.json())
    assert await _transcript(client) == []


# --- query plans ---------------------------------------------------------------------------------------------------


def _execute(sql: str, *params: Any) -> Op[None]:
    yield Execute(sql, params)


def _fill(account_id: str) -> list[str]:
    """Many accounts with senders, and a transcript of many inbound messages pushed by an upstream."""
    n = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
    return [
        n.format(2000) + "INSERT INTO accounts (id, name, created_at) SELECT 'acct-' || i, 'name-' || i, 0 FROM n",
        n.format(2000) + "INSERT INTO senders (account_id, sender, name, created_at) "
        "SELECT 'acct-' || i, 'S-' || i, 'x', 0 FROM n",
        n.format(50_000) + "INSERT INTO sangdam_messages (account_id, session_id, message_id, direction, sender, "
        "user_key, content, created_at, upstream_id) "
        f"SELECT '{account_id}', 's-' || (i % 500), 'm-' || i, 'INBOUND', 'S', 'u-' || (i % 500), '{{}}', "
        f"{START_MS} - i, CASE WHEN i % 2 = 0 THEN 'ib-' || i ELSE NULL END FROM n",
    ]


def _queries(account_id: str) -> Iterator[tuple[str, Query]]:
    view = account_view.read_view(account_id, account_view.Wants(["S-1"]))
    yield "account row", next(view)
    yield "senders of a request", view.send(None)
    yield "owners of channels", next(account_view.sender_owners(["S-1", "S-2"]))
    pushed = sessions.UserMessage(
        account_id, "S", "u-1", "ib-x", {"type": "TEXT", "text": "hi"}, upstream_id="ib-x", fallback_id="m-y"
    )
    yield "facts of an inbound", next(sessions.write_inbound(pushed, "s-x", "m-z", START_MS))
    insert = sessions._insert_inbound(pushed, "s-1", None, "queued", START_MS)
    yield "store an inbound", next(insert)


# Each statement's rows come through these indexes (PostgreSQL's primary keys are <table>_pkey, SQLite's
# sqlite_autoindex_<table>_N).
EXPECTED = {
    "account row": r"accounts_pkey|autoindex_accounts|PRIMARY KEY",
    "senders of a request": r"senders_pkey|autoindex_senders|ix_senders_sender",  # either is one probe
    "owners of channels": r"ix_senders_sender",
    "facts of an inbound": r"ux_sangdam_messages_upstream",
    "store an inbound": r"ux_sangdam_messages_id",
}
SCAN = re.compile(r"^SCAN (accounts|senders|sangdam_messages)$|Seq Scan on (accounts|senders|sangdam_messages)")


async def test_the_intake_and_inbound_statements_use_their_indexes(gateway: Gateway) -> None:
    for sql in _fill(gateway.default_account_id):
        await gateway.db.write(_execute(sql))
    plans = await plans_of(gateway, _queries(gateway.default_account_id), "accounts", "senders", "sangdam_messages")
    scans = {n: p for n, p in plans.items() if any(SCAN.search(line.strip()) for line in p)}
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())
    wrong = {n: plans[n] for n, index in EXPECTED.items() if not any(re.search(index, line) for line in plans[n])}
    assert not wrong, "\n\n".join(f"{n} (wants {EXPECTED[n]}):\n  " + "\n  ".join(p) for n, p in wrong.items())


@pytest.mark.parametrize("pushes", [1, 3])
async def test_each_inbound_costs_the_same_whatever_the_accounts(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, pushes: int
) -> None:
    """The owners are found with one statement, not one read per account: a push makes one read and one write."""
    path = await _own_upstream(gateway, admin, client)
    for sql in _fill(gateway.default_account_id)[:2]:
        await gateway.db.write(_execute(sql))
    ops = OpLog(gateway)
    response = await client.post(path, json={"results": [_inbound(f"ib-{i}") for i in range(pushes)]})
    assert response.json() == {"received": pushes, "written": pushes}
    # (the API edge reads which upstreams accounts have, to find the one the push came through)
    assert [n for n in ops.names if n != "account_upstreams"] == ["sender_owners", "_write"]


def test_the_upgrade_gives_stored_inbound_messages_their_upstream_id(tmp_path: Path) -> None:
    """Migration 0028 on a database with a transcript: a user's message stored before it is recognised when pushed
    again after it (its stored id is its upstream id); outbound rows have none."""
    path = tmp_path / "gateway.db"
    upgrade(f"sqlite:///{path}", "0027")
    columns = "account_id, session_id, message_id, direction, sender, user_key, content, created_at"
    with sqlite3.connect(path) as conn:
        for message_id, direction, at in (("ib-1", "INBOUND", 1), ("m-1", "OUTBOUND", 2)):
            conn.execute(
                f"INSERT INTO sangdam_messages ({columns}) VALUES ('a', 's', ?, ?, 'S', 'u', '{{}}', ?)",
                (message_id, direction, at),
            )
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT message_id, upstream_id FROM sangdam_messages ORDER BY seq").fetchall()
        assert rows == [("ib-1", "ib-1"), ("m-1", None)]
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                f"INSERT INTO sangdam_messages ({columns}, upstream_id) "
                "VALUES ('a', 's', 'ib-2', 'INBOUND', 'S', 'u', '{}', 3, 'ib-1')"
            )
