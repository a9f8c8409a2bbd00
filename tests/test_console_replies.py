"""Canned replies over HTTP (issue 21, item 4): an account's saved answers, added and removed by its console users,
offered in every chat of the account and in no other account's."""

from __future__ import annotations

import html
import json
import re

import httpx

from kakao_gateway.app import Gateway

from .conftest import API_KEY
from .console_helpers import browser_client, sign_in
from .sangdam_helpers import setup_sender, user_writes


def _offered(chat: str) -> list[dict[str, str]]:
    found = re.search(r'<script type="application/json" id="canned-replies">(.*?)</script>', chat, re.S)
    assert found, "the chat carries the account's canned replies"
    offered: list[dict[str, str]] = json.loads(found.group(1))
    return offered


async def test_add_list_offer_and_remove(gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "배송 언제 와요?")
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    agent = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, agent)  # an agent, not only a manager, keeps the account's replies
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        text = "<b>주문하신 상품은</b> 내일 도착합니다.\n감사합니다!"
        saved = await c.post("/console/inbox/replies", data={"shortcut": "/배송", "text": text}, headers=headers)
        assert saved.status_code == 200 and "/배송" in saved.text and 'hx-swap-oob="true"' in saved.text
        await c.post(
            "/console/inbox/replies", data={"shortcut": "refund", "text": "환불 도와드릴게요"}, headers=headers
        )
        again = await c.post("/console/inbox/replies", data={"shortcut": "refund", "text": "x"}, headers=headers)
        assert again.status_code == 409 and "exists" in again.text
        for bad in (
            {"shortcut": "", "text": "x"},
            {"shortcut": "two words", "text": "x"},
            {"shortcut": "a", "text": " "},
        ):
            assert (await c.post("/console/inbox/replies", data=bad, headers=headers)).status_code == 400, bad
        long = {"shortcut": "long", "text": "가" * 1001}
        assert (await c.post("/console/inbox/replies", data=long, headers=headers)).status_code == 400
        assert (await c.post("/console/inbox/replies", data={"shortcut": "x", "text": "y"})).status_code == 403

        page = (await c.get("/console/inbox/replies")).text
        assert "<code>/refund</code>" in page and "<code>/배송</code>" in page
        assert html.escape("<b>주문하신 상품은</b>") in page and "<b>주문하신" not in page, "text is escaped"
        chat = (await c.get(f"/console/inbox/{wrote['sessionId']}")).text
        assert _offered(chat) == [
            {"shortcut": "refund", "text": "환불 도와드릴게요"},
            {"shortcut": "배송", "text": text},
        ]
        assert "</b>" not in chat.split('id="canned-replies">')[1].split("</script>")[0], "no markup in the JSON"

        gone = await c.post("/console/inbox/replies/refund/remove", headers=headers)
        assert gone.status_code == 200
        assert (await c.post("/console/inbox/replies/refund/remove", headers=headers)).status_code == 404
        chat = (await c.get(f"/console/inbox/{wrote['sessionId']}")).text
        assert [r["shortcut"] for r in _offered(chat)] == ["배송"]

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        assert "/배송" not in (await c.get("/console/inbox/replies")).text
        r = await c.post("/console/inbox/replies/배송/remove", headers={"X-CSRF-Token": token})
        assert r.status_code == 404
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        assert "<code>/배송</code>" in (await c.get("/console/inbox/replies")).text, "the other account removed nothing"
