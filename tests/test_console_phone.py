"""The sandbox phone over HTTP: a test number's chat screen (an Alim and a Brand carousel, short links clickable
and their clicks recorded), a Sangdam user's conversation (button lists; writing and pressing buttons as the user),
no other account's links, and no phone without the sandbox upstream."""

from __future__ import annotations

import html
import re

import httpx

from kakao_gateway.app import Gateway

from .conftest import API_KEY
from .console_helpers import browser_client, sign_in
from .helpers import SENDER, alim_body, register_basics
from .helpers import send as send_alim
from .sangdam_helpers import sangdam_body, send, user_writes
from .test_brand_send import brand_body, free_form, send_one

NUMBER = "821000000001"
BUTTONS = {
    "type": "BUTTON_LIST",
    "text": "무엇을 도와드릴까요?",
    "buttons": [{"type": "REPLY", "name": "배송 조회"}, {"type": "REPLY", "name": "환불"}],
}


async def test_the_phone_shows_alim_brand_and_sangdam_and_acts_as_the_user(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await register_basics(client)
    r = await client.post("/kakao-alim/1/messages", json=alim_body(NUMBER))
    assert r.status_code == 200, r.text
    carousel = await send_one(
        client, brand_body(free_form("CAROUSEL_FREE_FORM"), NUMBER, tracking={"shortenUrl": True})
    )
    wrote = await user_writes(client, "user-1", "안녕하세요")
    await send(client, sangdam_body("user-1", content=BUTTONS))
    await gateway.engine.run_until_idle()

    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        screen = (await c.get("/console/phone", params={"number": NUMBER})).text
        assert 'data-type="TEMPLATE"' in screen and "알림톡" in screen
        assert 'data-type="CAROUSEL_FREE_FORM"' in screen and screen.count('class="pcard') >= 3
        short = re.findall(r'"url": "(http://127\.0\.0\.1:8000/[0-9A-Za-z]{8})"', screen.replace("&#34;", '"'))
        assert short, "the carousel's buttons are short links"
        opened = await c.post("/console/phone/click", data={"url": short[0]}, headers=headers)
        assert opened.status_code == 200 and "click on the short link was recorded" in opened.text
        assert opened.headers["hx-trigger"] == "phone-refresh"
        stats = (await client.get("/kakao/1/clicks", params={"messageId": carousel})).json()
        assert sum(s["clicks"] for s in stats["results"]) == 1
        plain = await c.post("/console/phone/click", data={"url": "https://example.com/x"}, headers=headers)
        assert plain.status_code == 200 and "recorded" not in plain.text

        chat = (await c.get("/console/phone", params={"user": "user-1", "sender": SENDER})).text
        assert "안녕하세요" in chat and "무엇을 도와드릴까요?" in chat and "배송 조회" in chat
        button_message = re.search(r'data-message-id="([^"]+)" data-type="BUTTON_LIST"', chat)
        assert button_message
        pressed = await c.post(
            "/console/phone/reply",
            data={"user": "user-1", "messageId": button_message.group(1), "button": "배송 조회"},
            headers=headers,
        )
        assert pressed.status_code == 200 and "Pressed" in pressed.text
        written = await c.post(
            "/console/phone/write", data={"user": "user-1", "sender": SENDER, "text": "감사합니다"}, headers=headers
        )
        assert written.status_code == 200
        transcript = (await client.get(f"/kakao/1/sangdam/sessions/{wrote['sessionId']}/messages")).json()["results"]
        assert [e["content"].get("text") for e in transcript if e["direction"] == "INBOUND"][-1] == "감사합니다"
        assert any(e.get("callbackData") or e.get("pairedMessageId") for e in transcript)
        bad = await c.post(
            "/console/phone/write", data={"user": "bad key!", "sender": SENDER, "text": "x"}, headers=headers
        )
        assert bad.status_code == 400 and 'role="alert"' in bad.text

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        screen = (await c.get("/console/phone", params={"number": NUMBER})).text
        assert "Nothing received yet" in screen and "알림톡" not in screen
        r = await c.post("/console/phone/click", data={"url": short[0]}, headers={"X-CSRF-Token": token})
        assert r.status_code == 404


async def test_no_phone_without_the_sandbox(gateway: Gateway) -> None:
    gateway.sandbox_upstream = False
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        page = await c.get("/console/phone")
        assert page.status_code == 404 and "only while the upstream is the sandbox" in page.text
        assert "/console/phone" not in (await c.get("/console/inbox")).text


async def test_the_phone_takes_a_number_as_people_type_it(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    r = await client.post("/kakao-alim/1/messages", json=alim_body(NUMBER, "821059701234"))
    assert r.status_code == 200, r.text
    await gateway.engine.run_until_idle()
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        assert 'placeholder="010-1234-5678"' in (await c.get("/console/phone")).text
        for typed, international in (
            ("010-0000-0001", NUMBER),
            ("+82 10-0000-0001", NUMBER),
            ("82-10-0000-0001", NUMBER),
            ("010-5970-1234", "821059701234"),
        ):
            page = (await c.get("/console/phone", params={"number": typed})).text
            assert 'data-type="TEMPLATE"' in page, typed
            assert f'value="{international}"' in page  # the input shows the number it stands for
            screen = await c.get("/console/phone/screen", params={"number": typed}, headers={"HX-Request": "true"})
            assert screen.status_code == 200 and 'data-type="TEMPLATE"' in screen.text, typed


async def test_the_phone_finds_every_message_of_a_number_and_pages_back(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    """Issue 21: the phone looked only among the channel's newest 5,000 messages, and showed at most 50."""
    await register_basics(client)
    mine = "821055550000"
    for n in range(60):
        await send_alim(client, alim_body(mine, text=f"message {n:02d}"))
    others = [f"8210{n:08d}" for n in range(10_000, 15_200)]  # 5,200 newer messages to other numbers
    await send_alim(client, alim_body(*others))
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        newest = (await c.get("/console/phone", params={"number": mine})).text
        shown = re.findall(r"message (\d\d)", newest)
        assert shown == [f"{n:02d}" for n in range(10, 60)], "the newest 50, oldest first"
        older = re.search(r'href="(/console/phone\?[^"]*before=\d+[^"]*)"', newest)
        assert older, "a link to the older messages"
        page = (await c.get(html.unescape(older.group(1)))).text
        assert re.findall(r"message (\d\d)", page) == [f"{n:02d}" for n in range(10)]
        assert not re.search(r'href="/console/phone\?[^"]*before=', page), "no older page after the first message"
