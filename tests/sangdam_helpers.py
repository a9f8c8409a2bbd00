"""Building blocks for Sangdam tests: a sender with an inbound URL, sandbox users writing, sends and reads."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .conftest import Receiver
from .helpers import SENDER
from .spec import assert_matches, assert_schema

INBOUND_URL = "http://hooks.test/inbound"
REPORT_URL = "http://hooks.test/dlr"


async def setup_sender(client: httpx.AsyncClient, inbound: bool = True) -> None:
    r = await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Test channel"})
    assert r.status_code == 200, r.text
    sub: dict[str, Any] = {"reportUrl": REPORT_URL}
    if inbound:
        sub["inboundUrl"] = INBOUND_URL
    r = await client.put("/kakao/1/subscriptions", json={"SANGDAM": sub})
    assert r.status_code == 200, r.text


async def user_writes(
    client: httpx.AsyncClient, user: str, text: str = "hello", sender: str = SENDER, **message: Any
) -> dict[str, Any]:
    body = {"userKey": user, "to": sender, "message": message or {"type": "TEXT", "text": text}}
    r = await client.post("/sandbox/1/sangdam/messages", json=body)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    assert set(answer) == {"messageId", "sessionId"}
    return answer


def sangdam_body(*to: str, content: dict[str, Any] | None = None, **message: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "sender": SENDER,
        "destinations": [{"to": t} for t in to],
        "content": content or {"type": "TEXT", "text": "How can we help?"},
    }
    msg.update(message)
    return {"messages": [msg]}


async def send(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/kakao-sangdam/1/messages", json=body)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    assert_matches(answer, "/kakao-sangdam/1/messages", "post", 200)
    return answer


async def pull_reports(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.get("/kakao-sangdam/1/reports")
    assert r.status_code == 200, r.text
    assert_matches(r.json(), "/kakao-sangdam/1/reports", "get", 200)
    return r.json()["results"]  # type: ignore[no-any-return]


def inbound_bodies(receiver: Receiver) -> list[dict[str, Any]]:
    """Every inbound push the receiver got (failed ones included), each validated against the spec."""
    bodies = []
    for r in receiver.requests:
        if r["path"] == "/inbound":
            body = json.loads(r["body"])
            assert_schema(body, "KakaoSangdamInboundResponse")
            assert body["messageCount"] == len(body["results"])
            bodies.append(body)
    return bodies


def inbound_results(receiver: Receiver) -> list[dict[str, Any]]:
    return [result for body in inbound_bodies(receiver) for result in body["results"]]


def delivery_reports(receiver: Receiver) -> list[dict[str, Any]]:
    out = []
    for r in receiver.requests:
        if r["path"] == "/dlr":
            body = json.loads(r["body"])
            assert_schema(body, "DeliveryReports")
            out.extend(body["results"])
    return out
