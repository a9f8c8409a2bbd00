from __future__ import annotations

import json

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock

from .conftest import START_MS, Receiver
from .helpers import SENDER, register_basics
from .spec import assert_matches

# START_MS is 13:00 KST, inside the default advertising hours (08:00-20:50 KST).


def brand_body(*to: str, content: dict | None = None, options: dict | None = None, message: dict | None = None) -> dict:
    msg = {
        "sender": SENDER,
        "destinations": [{"to": t} for t in to],
        "content": content or {"type": "TEXT_FREE_FORM", "text": "Sale at https://shop.example.com/sale today"},
    }
    msg.update(message or {})
    body: dict = {"messages": [msg]}
    if options:
        body["options"] = options
    return body


async def test_brand_send_deliver_pull_and_logs(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    r = await client.post("/kakao-chingu/1/messages", json=brand_body("821000000001", "821000000008"))
    assert r.status_code == 200, r.text
    assert_matches(r.json(), "/kakao-chingu/1/messages", "post", 200)
    await gateway.engine.run_until_idle()
    reports = (await client.get("/kakao-chingu/1/reports")).json()
    assert_matches(reports, "/kakao-chingu/1/reports", "get", 200)
    by_to = {x["to"]: x for x in reports["results"]}
    assert by_to["821000000001"]["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert by_to["821000000008"]["error"]["name"] == "EC_UNKNOWN_USER"
    logs = (await client.get("/kakao-chingu/1/logs")).json()
    assert_matches(logs, "/kakao-chingu/1/logs", "get", 200)
    assert (await client.get("/kakao-alim/1/reports")).json()["results"] == []


async def test_brand_shortening_and_click(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    body = brand_body(
        "821000000001", options={"tracking": {"removeProtocol": True, "trackingUrl": "http://hooks.test/c"}}
    )
    r = await client.post("/kakao-chingu/1/messages", json=body)
    assert r.status_code == 200, r.text
    message_id = r.json()["messages"][0]["messageId"]
    logs = (await client.get("/kakao-chingu/1/logs")).json()["results"]
    text = logs[0]["content"]["text"]
    assert "https://shop.example.com" not in text and "127.0.0.1:8000/" in text
    short = text.split()[2]
    click = await client.post("/sandbox/1/clicks", json={"shortUrl": short})
    assert click.json() == {"url": "https://shop.example.com/sale"}
    await gateway.engine.run_until_idle()
    events = [json.loads(x["body"]) for x in receiver.requests if x["path"] == "/c"]
    assert events and events[0]["messageId"] == message_id


async def test_brand_ad_hours_hold(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    await register_basics(client)
    clock.set(START_MS + 7 * 3600_000 + 50 * 60_000 + 1)  # 20:50:00.001 KST
    r = await client.post("/kakao-chingu/1/messages", json=brand_body("821000000001"))
    assert r.status_code == 200
    await gateway.advance_clock(START_MS + 19 * 3600_000 - 1)  # 07:59:59.999 KST
    assert (await client.get("/kakao-chingu/1/reports")).json()["results"] == []
    await gateway.advance_clock(START_MS + 19 * 3600_000)  # 08:00 KST
    assert len((await client.get("/kakao-chingu/1/reports")).json()["results"]) == 1


async def test_brand_variable_message_needs_every_placeholder(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    created = await client.post(
        "/kakao-brand-messages/1/templates",
        json={"sender": SENDER, "name": "Spring", "templateContent": {"type": "TEXT", "text": "Spring sale #{name}"}},
    )
    code = created.json()["templateCode"]
    good = {"type": "TEXT_VARIABLE", "templateCode": code, "messageData": {"name": "Jimin"}}
    bad = {"type": "TEXT_VARIABLE", "templateCode": code, "messageData": {"other": "x"}}
    unknown = {"type": "TEXT_VARIABLE", "templateCode": "nope"}
    answers = []
    for content in (good, bad, unknown):
        r = await client.post("/kakao-chingu/1/messages", json=brand_body("821000000001", content=content))
        assert_matches(r.json(), "/kakao-chingu/1/messages", "post", 200)
        answers.append(r.json()["messages"][0]["status"]["name"])
    assert answers == ["PENDING_ENROUTE", "UNDELIVERABLE_REJECTED_PLATFORM", "UNDELIVERABLE_REJECTED_PLATFORM"]
    await gateway.engine.run_until_idle()
    errors = sorted(r["error"]["name"] for r in (await client.get("/kakao-chingu/1/reports")).json()["results"])
    assert errors == ["EC_INVALID_TEMPLATE", "EC_INVALID_TEMPLATE_ARGS", "NO_ERROR"]


async def test_brand_settings_change_the_ad_hours(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    assert (await client.get("/kakao/1/brand-settings")).json() == {
        "brandAdHours": {"from": "08:00", "to": "20:50"},
        "adIdentity": None,
    }
    changed = await client.put("/kakao/1/brand-settings", json={"brandAdHours": {"from": "14:00", "to": "18:00"}})
    assert changed.json() == {"brandAdHours": {"from": "14:00", "to": "18:00"}, "adIdentity": None}
    assert (
        await client.put("/kakao/1/brand-settings", json={"brandAdHours": {"from": "25:00", "to": "1"}})
    ).status_code == 400
    await client.post("/kakao-chingu/1/messages", json=brand_body("821000000001"))  # 13:00 KST: held until 14:00
    await gateway.advance_clock(START_MS + 3600_000 - 1)
    assert (await client.get("/kakao-chingu/1/reports")).json()["results"] == []
    await gateway.advance_clock(START_MS + 3600_000)
    assert len((await client.get("/kakao-chingu/1/reports")).json()["results"]) == 1
    await client.put("/kakao/1/brand-settings", json={"brandAdHours": None})
    await client.post("/kakao-chingu/1/messages", json=brand_body("821000000003"))
    await gateway.engine.run_until_idle()
    assert len((await client.get("/kakao-chingu/1/reports")).json()["results"]) == 1
