"""Alim templates as Korean dealers run them (emphasis types, item lists, category, security flag, message types,
extra and ad text) and their inspection (`REQUESTED → INSPECTING → APPROVED | REJECTED` with comments), with a
`TEMPLATE_STATUS` webhook for every status change: through the public API, request bodies validated against
/openapi.json, sends' answers against Infobip's spec.

The sandbox here inspects for an hour: INSPECTING after 30 minutes, decided after 60.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest
from jsonschema import Draft202012Validator
from standardwebhooks import Webhook

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.times import format_ms
from kakao_gateway.store.postgres import _translate as pg_translate
from kakao_gateway.store.sql import Execute, Op
from kakao_gateway.store.sqlite import _translate as sqlite_translate
from kakao_gateway.store.template_inspection import advance_due, next_inspection_at

from .conftest import PG_URL, START_MS, Receiver, started_gateway
from .console_helpers import browser_client, sign_in
from .helpers import SENDER, alim_body, pull, send, settle
from .spec import assert_api_error, assert_matches

DELAY_S = 3600
HALF_MS = DELAY_S * 500
HOOK = "https://hooks.example.com/templates"
TO = "821012345678"
ITEMS = [{"title": "Item", "description": "Coffee x #{cups}"}, {"title": "Price", "description": "#{price} KRW"}]
PLAIN = [{"title": "Item", "description": "Coffee"}, {"title": "Price", "description": "9,000 KRW"}]
ITEM_LIST = {
    "templateCode": "RECEIPT",
    "name": "Receipt",
    "text": "Thank you #{name}: #{cups} cups, #{price} KRW.",
    "emphasisType": "ITEM_LIST",
    "imageUrl": "https://img.example.com/receipt.png",
    "header": "Your receipt",
    "itemHighlight": {"title": "Cafe Seoul", "description": "Order #{name}"},
    "itemList": ITEMS,
    "itemSummary": {"title": "Total", "description": "#{price} KRW"},
    "categoryCode": "004001",
    "securityFlag": True,
    "messageType": "MI",
    "extra": "Questions: 1588-0000",
    "ad": "Add the channel for news",
    "buttons": [{"type": "ADD_CHANNEL", "name": "Add channel"}],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, template_approval_delay_s=DELAY_S)


async def openapi_validator(client: httpx.AsyncClient, path: str, method: str) -> Draft202012Validator:
    """The request body schema /openapi.json gives this operation, resolvable against the whole document."""
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**document, **schema})


async def register(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    body = {"sender": SENDER, "templateCode": "T1", "name": "Notice", "text": "Hello #{name}", **fields}
    (await openapi_validator(client, "/kakao-alim/1/templates", "post")).validate(body)
    return await client.post("/kakao-alim/1/templates", json=body)


async def created(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await register(client, **fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get(client: httpx.AsyncClient, code: str = "T1") -> dict[str, Any]:
    response = await client.get(f"/kakao-alim/1/templates/{code}", params={"sender": SENDER})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def subscribe(client: httpx.AsyncClient) -> None:
    assert (await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Channel"})).status_code == 200
    response = await client.put("/kakao/1/subscriptions", json={"TEMPLATE": {"url": HOOK}})
    assert response.status_code == 200, response.text
    assert response.json()["TEMPLATE"] == {"url": HOOK}


def events(receiver: Receiver) -> list[dict[str, Any]]:
    """The TEMPLATE_STATUS events pushed so far, each checked for its shape."""
    out = []
    for request in receiver.requests:
        if request["path"] != "/templates":
            continue
        body = json.loads(request["body"])
        assert set(body) == {"type", "templateCode", "sender", "status", "comments", "at"}
        assert body["type"] == "TEMPLATE_STATUS"
        assert all(set(c) == {"at", "author", "text"} for c in body["comments"])
        out.append(body)
    return out


def transitions(receiver: Receiver) -> list[tuple[str, str, str]]:
    return [(e["templateCode"], e["status"], e["at"]) for e in events(receiver)]


def at(offset_ms: int) -> str:
    return format_ms(START_MS + offset_ms)


# --- Dealer fields ---------------------------------------------------------------------------------------------


async def test_an_item_list_template_keeps_every_dealer_field(client: httpx.AsyncClient) -> None:
    await subscribe(client)
    template = await created(client, **ITEM_LIST)
    assert template == {
        "sender": SENDER,
        **{k: v for k, v in ITEM_LIST.items() if k != "buttons"},
        "buttons": ITEM_LIST["buttons"],
        "status": "REQUESTED",
        "comments": [],
        "createdAt": at(0),
        "updatedAt": at(0),
    }
    assert await get(client, "RECEIPT") == template


async def test_defaults_are_those_of_a_basic_template(client: httpx.AsyncClient) -> None:
    await subscribe(client)
    template = await created(client)
    assert {k: template[k] for k in ("emphasisType", "categoryCode", "securityFlag", "messageType")} == {
        "emphasisType": "NONE",
        "categoryCode": "999999",
        "securityFlag": False,
        "messageType": "BA",
    }
    text = await created(client, templateCode="T2", emphasisType="TEXT", title="#{n} won", subtitle="Paid")
    assert (text["title"], text["subtitle"]) == ("#{n} won", "Paid")
    image = await created(client, templateCode="T3", emphasisType="IMAGE", imageUrl="https://img.example.com/a.png")
    assert image["imageUrl"] == "https://img.example.com/a.png" and "title" not in image


@pytest.mark.parametrize(
    ("fields", "prop"),
    [
        ({"emphasisType": "NONE", "title": "t"}, "title"),
        ({"emphasisType": "TEXT"}, "title"),
        ({"emphasisType": "IMAGE"}, "imageUrl"),
        ({"emphasisType": "IMAGE", "imageUrl": "ftp://x/a.png"}, "imageUrl"),
        ({"emphasisType": "IMAGE", "imageUrl": "https://x/a.png", "header": "h"}, "header"),
        ({"emphasisType": "ITEM_LIST"}, "itemList"),
        ({"emphasisType": "ITEM_LIST", "itemList": PLAIN[:1]}, "itemList"),
        ({"emphasisType": "ITEM_LIST", "itemList": PLAIN * 6}, "itemList"),
        ({"emphasisType": "ITEM_LIST", "itemList": [*PLAIN[:1], {"title": "Too long", "description": "d"}]}, None),
        ({"emphasisType": "ITEM_LIST", "itemList": PLAIN, "header": "Hi #{stranger}"}, "header"),
        ({"emphasisType": "TEXT", "title": "t" * 51}, "title"),
        ({"categoryCode": "12"}, "categoryCode"),
        ({"messageType": "EX"}, "extra"),
        ({"extra": "more"}, "extra"),
        ({"ad": "news"}, "ad"),
        ({"messageType": "AD"}, "buttons"),
        ({"buttons": [{"type": "ADD_CHANNEL", "name": "Add"}]}, "buttons"),
        ({"emphasisType": "LOUD"}, "emphasisType"),
    ],
)
async def test_fields_must_fit_the_emphasis_and_message_type(
    client: httpx.AsyncClient, fields: dict[str, Any], prop: str | None
) -> None:
    await subscribe(client)
    body = {"sender": SENDER, "templateCode": "T1", "name": "Notice", "text": "Hello #{name}", **fields}
    response = await client.post("/kakao-alim/1/templates", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert_api_error(error)
    properties = [v["property"] for v in error["violations"]]
    assert properties == [prop] if prop else properties[0].startswith("itemList[1]"), error
    assert (await client.get("/kakao-alim/1/templates")).json()["results"] == []


# --- Inspection and its webhooks -------------------------------------------------------------------------------


async def test_each_transition_pushes_one_signed_webhook(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await subscribe(client)
    secret = (await client.put("/kakao/1/webhook-signing", json={})).json()["secret"]
    await created(client)
    await settle(gateway)
    assert transitions(receiver) == [("T1", "REQUESTED", at(0))]

    clock.advance(DELAY_S // 2 - 1)
    await settle(gateway)
    assert (await get(client))["status"] == "REQUESTED" and len(events(receiver)) == 1
    clock.advance(1)
    assert (await get(client))["status"] == "INSPECTING"  # read at once, before the engine has run
    await settle(gateway)
    await settle(gateway)
    clock.advance(DELAY_S // 2)
    await settle(gateway)
    clock.advance(DELAY_S * 10)
    await settle(gateway)
    assert transitions(receiver) == [
        ("T1", "REQUESTED", at(0)),
        ("T1", "INSPECTING", at(HALF_MS)),
        ("T1", "APPROVED", at(2 * HALF_MS)),
    ]
    assert events(receiver)[-1] == {
        "type": "TEMPLATE_STATUS",
        "templateCode": "T1",
        "sender": SENDER,
        "status": "APPROVED",
        "comments": [],
        "at": at(2 * HALF_MS),
    }
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])


async def test_a_failed_push_is_retried_like_reports(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await subscribe(client)
    receiver.status = 503
    await created(client)
    await settle(gateway)
    assert len(receiver.requests) == 1
    receiver.status = 200
    clock.advance(120)  # Infobip's schedule: 1 min + 1 min x n²
    await settle(gateway)
    first, again = receiver.requests
    assert first["body"] == again["body"] and first["headers"]["webhook-id"] == again["headers"]["webhook-id"]


async def test_a_template_marked_reject_is_rejected_with_a_reason_then_requested_again(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await subscribe(client)
    await created(client, name="Promo [REJECT]")
    clock.advance(DELAY_S)
    await settle(gateway)
    rejected = await get(client)
    reason = {"at": at(2 * HALF_MS), "author": "INSPECTOR", "text": rejected["comments"][0]["text"]}
    assert rejected["status"] == "REJECTED" and rejected["comments"] == [reason] and "[REJECT]" in reason["text"]
    assert events(receiver)[-1]["comments"] == [reason]

    answer = await send(client, alim_body(TO, templateCode="T1", text="Hello Mina"))
    (report,) = await pull(client, messageId=answer["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE"

    clock.advance(10)
    reply = {"text": "Fixed the wording."}
    (await openapi_validator(client, "/kakao-alim/1/templates/{templateCode}/comments", "post")).validate(reply)
    response = await client.post("/kakao-alim/1/templates/T1/comments", params={"sender": SENDER}, json=reply)
    assert response.status_code == 200, response.text
    mine = {"at": at(2 * HALF_MS + 10_000), "author": "CLIENT", "text": "Fixed the wording."}
    assert response.json()["comments"] == [reason, mine] and response.json()["status"] == "REJECTED"

    change = {"name": "Notice", "text": "Hello #{name}"}
    response = await client.put("/kakao-alim/1/templates/T1", params={"sender": SENDER}, json=change)
    assert response.status_code == 200 and response.json()["status"] == "REQUESTED"
    assert response.json()["comments"] == [reason, mine]  # the inspection's history stays
    clock.advance(DELAY_S)
    await settle(gateway)
    assert [(s, e) for _, s, e in transitions(receiver)] == [
        ("REQUESTED", at(0)),
        ("INSPECTING", at(HALF_MS)),
        ("REJECTED", at(2 * HALF_MS)),
        ("REQUESTED", at(2 * HALF_MS + 10_000)),
        ("INSPECTING", at(3 * HALF_MS + 10_000)),
        ("APPROVED", at(4 * HALF_MS + 10_000)),
    ]


async def test_comments_need_a_template_and_text(client: httpx.AsyncClient) -> None:
    await subscribe(client)
    path = "/kakao-alim/1/templates/NOPE/comments"
    missing = await client.post(path, params={"sender": SENDER}, json={"text": "hi"})
    assert missing.status_code == 404 and [v["property"] for v in missing.json()["violations"]] == ["templateCode"]
    await created(client)
    empty = await client.post("/kakao-alim/1/templates/T1/comments", params={"sender": SENDER}, json={"text": ""})
    assert empty.status_code == 400
    assert_api_error(empty.json())


async def test_no_subscription_no_push(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    assert (await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Channel"})).status_code == 200
    await created(client)
    clock.advance(DELAY_S)
    await settle(gateway)
    assert receiver.requests == [] and (await get(client))["status"] == "APPROVED"


async def test_two_processes_push_each_transition_once(
    settings: Settings, client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await subscribe(client)
    for code in ("T1", "T2", "T3"):
        await created(client, templateCode=code)
    async with started_gateway(settings, clock, receiver) as other:
        clock.advance(DELAY_S)
        await other.engine.maintenance.inspect_templates()
        await gateway.engine.maintenance.inspect_templates()
        await settle(gateway)
        await settle(other)
    assert sorted(transitions(receiver)) == sorted(
        (code, status, at(offset))
        for code in ("T1", "T2", "T3")
        for status, offset in (("REQUESTED", 0), ("INSPECTING", HALF_MS), ("APPROVED", 2 * HALF_MS))
    )


# --- Sending against the template's emphasis -------------------------------------------------------------------


async def test_a_send_is_checked_against_the_emphasis(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await subscribe(client)
    await created(client, templateCode="EMPH", emphasisType="TEXT", title="#{amount} won", subtitle="Paid")
    await created(client, templateCode="PIC", emphasisType="IMAGE", imageUrl="https://img.example.com/a.png")
    await created(client, **ITEM_LIST)
    clock.advance(DELAY_S)
    cases = [
        ("EMPH", "Hello Mina", {"title": "5,000 won"}, None),
        ("EMPH", "Hello Mina", {}, "EC_INVALID_TEMPLATE_ARGS"),
        ("EMPH", "Hello Mina", {"title": "5,000 dollars"}, "EC_INVALID_TEMPLATE_ARGS"),
        ("PIC", "Hello Mina", {}, None),
        ("PIC", "Hello Mina", {"title": "5,000 won"}, "EC_INVALID_TEMPLATE_ARGS"),
        ("RECEIPT", "Thank you Mina: 2 cups, 9,000 KRW.", {"buttons": ITEM_LIST["buttons"]}, None),
        ("RECEIPT", "Thank you Mina: 2 cups, 9,000 KRW.", {}, "EC_INVALID_TEMPLATE_ARGS"),
    ]
    for code, text, content, error in cases:
        answer = await send(client, alim_body(TO, templateCode=code, text=text, **content))
        assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
        await settle(gateway)
        (report,) = await pull(client, messageId=answer["messages"][0]["messageId"])
        assert_matches({"results": [report]}, "/kakao-alim/1/reports", "get", 200)
        assert report["error"]["name"] == (error or "NO_ERROR"), (code, content)


# --- The console's inspect button ------------------------------------------------------------------------------


async def test_the_console_decides_with_a_comment_and_pushes_once(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await subscribe(client)
    await created(client, **ITEM_LIST)
    clock.advance(DELAY_S // 2)  # INSPECTING: still open to a decision
    async with browser_client(gateway) as c:
        token = await sign_in(c, client.headers["Authorization"].removeprefix("App "))
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        page = (await c.get("/console/templates")).text
        assert all(s in page for s in ("ITEM_LIST", "Cafe Seoul", "Total", "security (OTP)", ">INSPECTING<"))
        no = await c.post(
            f"/console/templates/{SENDER}/RECEIPT/reject", data={"comment": "Ad wording"}, headers=headers
        )
        assert no.status_code == 200 and "Decided: REJECTED" in no.text and "Ad wording" in no.text
        again = await c.post(f"/console/templates/{SENDER}/RECEIPT/approve", headers=headers)
        assert again.status_code == 404
    clock.advance(DELAY_S)  # the sandbox's own verdict was called off by the decision
    await settle(gateway)
    decided = {"at": at(HALF_MS), "author": "INSPECTOR", "text": "Ad wording"}
    assert (await get(client, "RECEIPT"))["comments"] == [decided]
    assert [(s, e["comments"]) for (_, s, _), e in zip(transitions(receiver), events(receiver), strict=True)] == [
        ("REQUESTED", []),
        ("INSPECTING", []),
        ("REJECTED", [decided]),
    ]


# --- The engine's statements use their index ---------------------------------------------------------------------


async def test_the_engine_finds_due_inspections_through_their_index(gateway: Gateway) -> None:
    """20,000 decided templates and 50 in inspection: the engine's step and the virtual clock's next stop read
    ix_alim_templates_next, never the whole table."""
    account = gateway.default_account_id
    fill = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20050) "
        "INSERT INTO alim_templates (account_id, sender, template_code, name, text, buttons, status, created_at, "
        f"updated_at, next_at) SELECT '{account}', 'S', 'T' || i, 'n', 't', '[]', "
        f"CASE WHEN i > 20000 THEN 'REQUESTED' ELSE 'APPROVED' END, {START_MS}, {START_MS}, "
        f"CASE WHEN i > 20000 THEN {START_MS} + i ELSE NULL END FROM n"
    )
    await gateway.db.write(_execute(fill))
    statements = [next(advance_due(START_MS + 20_010, 500)), next(next_inspection_at(START_MS))]
    if PG_URL:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute("ANALYZE alim_templates")
            plans = [[r[0] for r in await conn.fetch("EXPLAIN " + pg_translate(q.sql), *q.params)] for q in statements]
        finally:
            await conn.close()
    else:
        await gateway.db.optimize()
        path = gateway.settings.database_url.removeprefix("sqlite:///")
        db = sqlite3.connect(path)
        try:
            plans = [
                [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sqlite_translate(q.sql), q.params)]
                for q in statements
            ]
        finally:
            db.close()
    for plan in plans:
        assert any("ix_alim_templates_next" in line for line in plan), plan
        assert not any(re.search(r"^SCAN alim_templates\b|Seq Scan on alim_templates", line) for line in plan), plan


def _execute(sql: str) -> Op[None]:
    yield Execute(sql, ())
