"""Bad Sangdam input: a 400 ApiError naming the path of each violation (never a 500); bad user keys are refused
per destination, as bad phone numbers are on the other channels."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.store.sql import Fetch, Op

from .conftest import Receiver
from .helpers import SENDER
from .sangdam_helpers import delivery_reports, sangdam_body, send, setup_sender
from .test_auth import assert_error

URL_BUTTON = {"type": "OPEN_URL", "name": "Site", "urlMobile": "https://m.example.com", "urlPc": "https://example.com"}


def _violations(response: httpx.Response) -> dict[str, str]:
    body = assert_error(response, 400)
    return {v["property"]: v["violation"] for v in body["violations"]}


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ({"type": "BUTTON_LIST", "text": "x", "buttons": [URL_BUTTON] * 6}, "messages[0].content.buttons"),
        ({"type": "BUTTON_LIST", "text": "x", "buttons": []}, "messages[0].content.buttons"),
        (
            {"type": "BUTTON_LIST", "text": "x", "buttons": [{"type": "OPEN_URL", "name": "a", "urlPc": "https://a"}]},
            "messages[0].content.buttons[0].urlMobile",
        ),
        ({"type": "TEXT", "text": "x" * 1001}, "messages[0].content.text"),
        (
            {
                "type": "BUTTON_LIST",
                "text": "x",
                "buttons": [{"type": "CHATBOT_SWITCH", "name": "b", "event": "no-dash"}],
            },
            "messages[0].content.buttons[0].event",
        ),
        (
            {
                "type": "BUTTON_LIST",
                "text": "x",
                "buttons": [{"type": "CHATBOT_SWITCH", "name": "b", "event": "e" * 101}],
            },
            "messages[0].content.buttons[0].event",
        ),
        (
            {"type": "BUTTON_LIST", "text": "x", "buttons": [{"type": "REPLY", "name": "n" * 29}]},
            "messages[0].content.buttons[0].name",
        ),
        (
            {"type": "BUTTON_LIST", "text": "x", "buttons": [{"type": "REPLY", "name": "n", "extra": "e" * 101}]},
            "messages[0].content.buttons[0].extra",
        ),
        (
            {
                "type": "BUTTON_LIST",
                "text": "x",
                "buttons": [{"type": "OPEN_APPLICATION", "name": "a", "schemeIos": "x"}],
            },
            "messages[0].content.buttons[0].schemeAndroid",
        ),
        ({"type": "IMAGE"}, "messages[0].content.url"),
        ({"type": "VIDEO"}, "messages[0].content"),  # an unknown type is named at the content
    ],
)
async def test_bad_content_is_a_400_with_its_path(
    client: httpx.AsyncClient, gateway: Gateway, content: dict[str, Any], path: str
) -> None:
    await setup_sender(client)
    violations = _violations(await client.post("/kakao-sangdam/1/messages", json=sangdam_body("u1", content=content)))
    assert path in violations, violations


async def test_every_violation_is_listed(client: httpx.AsyncClient, gateway: Gateway) -> None:
    content = {
        "type": "BUTTON_LIST",
        "text": "x" * 1001,
        "buttons": [
            {"type": "OPEN_URL", "name": "a", "urlPc": "https://a"},
            {"type": "CHATBOT_SWITCH", "name": "c", "event": "a b"},
        ],
    }
    body = sangdam_body("u1", content=content)
    body["messages"][0]["options"] = {"smsFailover": {"destinationMatching": [{"initial": "u1"}]}}
    violations = _violations(await client.post("/kakao-sangdam/1/messages", json=body))
    assert set(violations) >= {
        "messages[0].content.text",
        "messages[0].content.buttons[0].urlMobile",
        "messages[0].content.buttons[1].event",
        "messages[0].options.smsFailover.text",
        "messages[0].options.smsFailover.destinationMatching[0].failover",
    }


async def test_user_keys_are_checked_per_destination(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await setup_sender(client)
    body = sangdam_body("ok_key-1", "bad key", "k" * 101, "")
    body["messages"][0]["options"] = {
        "smsFailover": {
            "text": "sms",
            "sender": "0215881234",
            "destinationMatching": [{"initial": "ok_key-1", "failover": "821012345678"}],
        },
        "campaignReferenceId": "camp",
    }
    answer = await send(client, body)
    statuses = [(m["destination"], m["status"]["name"]) for m in answer["messages"]]
    assert statuses == [
        ("ok_key-1", "PENDING_ACCEPTED"),
        ("bad key", "REJECTED_DESTINATION"),
        ("k" * 101, "REJECTED_DESTINATION"),
        ("", "MISSING_TO"),
    ]
    await gateway.engine.run_until_idle()
    assert len(delivery_reports(receiver)) == 4
    # smsFailover (destinationMatching included) is stored with the message, for its SMS hop.
    stored = await gateway.db.read(_options(answer["messages"][0]["messageId"]))
    assert json.loads(stored)["smsFailover"]["destinationMatching"] == [
        {"initial": "ok_key-1", "failover": "821012345678"}
    ]


def _options(message_id: str) -> Op[str]:
    rows = yield Fetch("SELECT options FROM messages WHERE message_id = ?", (message_id,))
    return str(rows[0]["options"])


async def test_unknown_sender_is_rejected_per_message(client: httpx.AsyncClient, gateway: Gateway) -> None:
    body = sangdam_body("u1")
    body["messages"][0]["sender"] = "NOBODY"
    answer = await send(client, body)
    assert answer["messages"][0]["status"]["name"] == "REJECTED_SOURCE"


@pytest.mark.parametrize(
    ("body", "status", "path"),
    [
        ({"userKey": "u1", "to": "NOBODY", "message": {"type": "TEXT", "text": "hi"}}, 404, "to"),
        ({"userKey": "bad key", "to": SENDER, "message": {"type": "TEXT", "text": "hi"}}, 400, "userKey"),
        ({"userKey": "u1", "to": SENDER, "message": {"type": "TEXT", "text": ""}}, 400, "message.text"),
        ({"userKey": "u1", "to": SENDER, "message": {"type": "IMAGE"}}, 400, "message.url"),
        ({"userKey": "u1", "to": SENDER, "message": {"type": "STICKER"}}, 400, "message"),
        ({"userKey": "u1", "to": SENDER}, 400, "message"),
    ],
)
async def test_sandbox_user_input(
    client: httpx.AsyncClient, gateway: Gateway, body: dict[str, Any], status: int, path: str
) -> None:
    await setup_sender(client)
    error = assert_error(await client.post("/sandbox/1/sangdam/messages", json=body), status)
    assert path in {v["property"] for v in error["violations"]}, error


async def test_extension_input(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await setup_sender(client)
    assert "sessionTimeoutMinutes" in _violations(
        await client.put("/kakao/1/sangdam/settings", json={"sessionTimeoutMinutes": 0})
    )
    assert "sessionTimeoutMinutes" in _violations(
        await client.put("/kakao/1/sangdam/settings", json={"sessionTimeoutMinutes": "60"})
    )
    assert "keywords[1]" in _violations(await client.put("/kakao/1/sangdam/keywords", json={"keywords": ["a", ""]}))
    assert "state" in _violations(await client.get("/kakao/1/sangdam/sessions", params={"state": "DONE"}))
    assert "cursor" in _violations(await client.get("/kakao/1/sangdam/sessions", params={"cursor": "nope"}))
    assert "sender" in _violations(await client.get("/sandbox/1/sangdam/users/u1/conversation"))
    assert_error(await client.get("/kakao/1/sangdam/sessions/nope/messages"), 404)
    assert_error(await client.get("/sandbox/1/sangdam/users/u1/conversation", params={"sender": "NOBODY"}), 404)
