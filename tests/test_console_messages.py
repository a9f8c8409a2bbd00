"""The console's Messages pages over HTTP: search with the logs' filters, and a timeline showing retries and a
failed webhook push, and no other account's message."""

from __future__ import annotations

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain.times import format_ms

from .conftest import API_KEY, START_MS, Receiver
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, register_basics
from .helpers import send as send_alim
from .sangdam_helpers import sangdam_body, send, setup_sender, user_writes

MINUTE = 60_000
DAY = 24 * 60 * MINUTE


async def test_search_and_a_timeline_with_retries_and_a_failed_push(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, receiver: Receiver, clock: ManualClock
) -> None:
    await setup_sender(client)
    await user_writes(client, "sandbox-unreachable", "전화가 안 돼요")
    await user_writes(client, "user-2", "hello")
    receiver.status = 500
    body = sangdam_body("sandbox-unreachable", content={"type": "TEXT", "text": "다시 연락드리겠습니다"})
    body["messages"][0]["webhooks"] = {"delivery": {"url": "http://hooks.test/dlr", "intermediateReport": True}}
    answer = await send(client, body)
    message_id = answer["messages"][0]["messageId"]
    await send(client, sangdam_body("user-2"))
    await gateway.engine.run_until_idle()
    await gateway.advance_clock(START_MS + 30 * MINUTE)
    assert receiver.requests, "the webhook was tried"

    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        everything = (await c.get("/console/messages", params={"channel": "SANGDAM"})).text
        assert message_id in everything and "user-2" in everything
        only = (await c.get("/console/messages", params={"channel": "SANGDAM", "destination": "user-2"})).text
        assert message_id not in only and "user-2" in only
        bad = await c.get("/console/messages", params={"channel": "SANGDAM", "sentSince": "yesterday"})
        assert bad.status_code == 400 and "sentSince" in bad.text
        assert (await c.get("/console/messages", params={"channel": "ALIM"})).status_code == 200

        page = await c.get(f"/console/messages/{message_id}")
        assert page.status_code == 200, page.text
        text = page.text
        assert "Accepted" in text and "Submitted upstream" in text and "다시 연락드리겠습니다" in text
        assert "attempts" in text and "EC_ABSENT_SUBSCRIBER" in text
        assert "Webhook push failed" in text and "500" in text

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        await sign_in(c, key)
        assert (await c.get(f"/console/messages/{message_id}")).status_code == 404
        found = (await c.get("/console/messages", params={"channel": "SANGDAM", "messageId": message_id})).text
        assert "No SANGDAM messages match" in found and f"/console/messages/{message_id}" not in found


async def test_the_timeline_shows_the_replies_a_message_got(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    await user_writes(client, "user-1", "hi")
    buttons = {"type": "BUTTON_LIST", "text": "Pick", "buttons": [{"type": "REPLY", "name": "Yes", "extra": "y"}]}
    answer = await send(client, sangdam_body("user-1", content=buttons))
    message_id = answer["messages"][0]["messageId"]
    await gateway.engine.run_until_idle()
    pressed = await client.post(
        "/sandbox/1/sangdam/replies", json={"userKey": "user-1", "messageId": message_id, "button": "Yes"}
    )
    assert pressed.status_code == 200, pressed.text
    await user_writes(client, "user-1", "고맙습니다")
    await send(client, sangdam_body("user-1"))
    await gateway.engine.run_until_idle()
    await user_writes(client, "user-1", "that was for the second message")
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        text = (await c.get(f"/console/messages/{message_id}")).text
        assert "The user pressed a button" in text and "The user replied" in text and "고맙습니다" in text
        assert "that was for the second message" not in text


async def test_the_timeline_shows_why_a_message_waited_from_its_accept(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    """A wait planned at accept (its schedule, its bulk's pace, its delivery window) stays in the timeline after the
    message was sent, not only while it waits."""
    await register_basics(client)
    scheduled = alim_body("821012345671", options={"schedule": {"sendAt": format_ms(START_MS + 10 * MINUTE)}})
    paced = alim_body(
        "821012345672", "821012345673", options={"schedule": {"sendingSpeedLimit": {"amount": 1, "timeUnit": "MINUTE"}}}
    )
    monday = {"days": ["MONDAY"], "from": {"hour": 0, "minute": 0}, "to": {"hour": 23, "minute": 59}}
    windowed = alim_body("821012345674", message={"options": {"deliveryTimeWindow": monday}})
    ids = [m["messageId"] for body in (scheduled, paced, windowed) for m in (await send_alim(client, body))["messages"]]
    await gateway.advance_clock(START_MS + 2 * DAY)

    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        pages = [(await c.get(f"/console/messages/{message_id}")).text for message_id in ids]
    for page in pages:
        assert "Final status" in page and "DELIVERED_TO_HANDSET" in page, page
    assert "by its schedule" in pages[0]
    assert "Held" not in pages[1]  # the first of a paced bulk goes at once
    assert "by its bulk&#39;s pace" in pages[2] or "by its bulk's pace" in pages[2]
    assert "by its sending window" in pages[3]


async def test_a_rescheduled_message_tells_both_waits(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    body = alim_body("821012345675", options={"schedule": {"sendAt": format_ms(START_MS + 10 * MINUTE)}})
    answer = await send_alim(client, body)
    bulk_id, message_id = answer["bulkId"], answer["messages"][0]["messageId"]
    later = START_MS + 20 * MINUTE
    response = await client.put("/kakao/1/bulks", params={"bulkId": bulk_id}, json={"sendAt": format_ms(later)})
    assert response.status_code == 200, response.text
    await gateway.advance_clock(START_MS + 30 * MINUTE)
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        page = (await c.get(f"/console/messages/{message_id}")).text
    assert "DELIVERED_TO_HANDSET" in page
    assert page.count("by its schedule") == 2
    assert "until 2026-11-29 13:10:00 KST" in page  # as accepted (START_MS is 13:00 in Korea)
    assert "until 2026-11-29 13:20:00 KST" in page  # as rescheduled


async def test_search_takes_phone_numbers_as_people_type_them(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send_alim(client, alim_body("821012345671", "821059701234", "821012345672"))
    first, odd, other = (m["messageId"] for m in answer["messages"])
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        form = (await c.get("/console/messages")).text
        assert 'placeholder="010-1234-5678' in form
        for typed in ("010-1234-5671", "01012345671", "+82 10-1234-5671", "82-10-1234-5671", "821012345671"):
            found = await c.get("/console/messages", params={"channel": "ALIM", "destination": typed})
            assert found.status_code == 200, found.text
            assert first in found.text and other not in found.text and odd not in found.text, typed
        both = await c.get(
            "/console/messages", params={"channel": "ALIM", "destination": "010-5970-1234,010-1234-5672"}
        )
        assert first not in both.text and odd in both.text and other in both.text
