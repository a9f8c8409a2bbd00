"""The web console over HTTP (no browser): sign in and out, CSRF, the agent inbox, replies and terminations going
through the Sangdam send path, and isolation between accounts."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import httpx
import pytest

from kakao_gateway.app import Gateway

from .conftest import ADMIN_KEY, API_KEY
from .console_helpers import browser_client, csrf_of, sign_in
from .sangdam_helpers import setup_sender, user_writes

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixture: served (the gateway behind a real uvicorn server)


async def test_pages_need_a_session(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        for path in ("/console/", "/console/inbox", "/console/inbox/closed", "/console/accounts"):
            r = await c.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/console/sign-in", path
        r = await c.get("/console/inbox/list", headers={"HX-Request": "true"})
        assert r.status_code == 401 and r.headers["hx-redirect"] == "/console/sign-in"


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_it(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        token = csrf_of((await c.get("/console/sign-in")).text)
        r = await c.post("/console/sign-in", data={"key": API_KEY, "csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/console/inbox"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=" in cookie
        assert "path=/console" in cookie and API_KEY.lower() not in cookie
        page = await c.get("/console/inbox")
        assert page.status_code == 200 and "default" in page.text
        fresh = csrf_of(page.text)
        assert fresh != token, "signing in gives a new CSRF token"
        out = await c.post("/console/sign-out", data={"csrf": fresh})
        assert out.status_code == 303
        assert (await c.get("/console/inbox")).status_code == 303


async def test_a_wrong_or_narrow_key_does_not_sign_in(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    narrow = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["message:send"]})).json()
    async with browser_client(gateway) as c:
        for key in ("not-a-key", narrow["key"]):
            token = csrf_of((await c.get("/console/sign-in")).text)
            r = await c.post("/console/sign-in", data={"key": key, "csrf": token})
            assert r.status_code == 401 and "does not open the console" in r.text


async def test_csrf_is_refused(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "안녕하세요")
    async with browser_client(gateway) as c:
        token = csrf_of((await c.get("/console/sign-in")).text)
        assert (await c.post("/console/sign-in", data={"key": API_KEY})).status_code == 403
        assert (await c.post("/console/sign-in", data={"key": API_KEY, "csrf": token + "x"})).status_code == 403
        await sign_in(c, API_KEY)
        reply = f"/console/inbox/{wrote['sessionId']}/reply"
        r = await c.post(reply, data={"type": "TEXT", "text": "hi", "csrf": token})
        assert r.status_code == 403 and "CSRF" in r.text
        assert (await c.post(f"/console/inbox/{wrote['sessionId']}/terminate")).status_code == 403
        assert (await c.post("/console/sign-out")).status_code == 403
    logs = (await client.get("/kakao-sangdam/1/logs")).json()["results"]
    assert logs == [], "nothing was sent"


async def test_inbox_reply_and_terminate(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    first = await user_writes(client, "user-1", "배송은 언제 오나요?")
    await user_writes(client, "user-1", "주문번호 1234")
    second = await user_writes(client, "user-2", "hello")
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        inbox = (await c.get("/console/inbox")).text
        assert inbox.index("user-2") < inbox.index("user-1"), "newest activity first"
        assert '<span class="badge" title="unread">2</span>' in inbox and "주문번호 1234" in inbox

        chat = await c.get(f"/console/inbox/{first['sessionId']}")
        assert chat.status_code == 200 and "배송은 언제 오나요?" in chat.text
        listed = (await c.get("/console/inbox/list")).text
        assert listed.count('class="badge"') == 1, "opening the chat read user-1's messages"

        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        r = await c.post(
            f"/console/inbox/{first['sessionId']}/reply",
            data={"type": "TEXT", "text": "내일 도착합니다"},
            headers=headers,
        )
        assert r.status_code == 200 and "PENDING_ACCEPTED" in r.text, r.text
        buttons = {"type": "BUTTON_LIST", "text": "Pick one", "buttons": "Yes\nTrack | https://example.com/t"}
        r = await c.post(f"/console/inbox/{first['sessionId']}/reply", data=buttons, headers=headers)
        assert r.status_code == 200 and "PENDING_ACCEPTED" in r.text, r.text
        bad = await c.post(f"/console/inbox/{first['sessionId']}/reply", data={"type": "IMAGE"}, headers=headers)
        assert bad.status_code == 400 and 'role="alert"' in bad.text
        await gateway.engine.run_until_idle()

        logs = (await client.get("/kakao-sangdam/1/logs")).json()["results"]
        contents = [entry["content"] for entry in logs]
        assert {"type": "TEXT", "text": "내일 도착합니다"} in contents
        assert any(c_.get("type") == "BUTTON_LIST" for c_ in contents)
        transcript = (await client.get(f"/kakao/1/sangdam/sessions/{first['sessionId']}/messages")).json()
        assert [e["direction"] for e in transcript["results"]] == ["INBOUND", "INBOUND", "OUTBOUND", "OUTBOUND"]
        chat = (await c.get(f"/console/inbox/{first['sessionId']}")).text
        assert "내일 도착합니다" in chat and "https://example.com/t" in chat

        r = await c.post(f"/console/inbox/{first['sessionId']}/terminate", headers=headers)
        assert r.status_code == 200 and "PENDING_ACCEPTED" in r.text
        await gateway.engine.run_until_idle()
        sessions = (await client.get("/kakao/1/sangdam/sessions", params={"state": "CLOSED"})).json()["results"]
        assert [s["sessionId"] for s in sessions] == [first["sessionId"]]
        closed = (await c.get("/console/inbox/closed")).text
        assert first["sessionId"] in closed and "TERMINATED" in closed
        inbox = (await c.get("/console/inbox")).text
        assert "user-1" not in inbox and second["sessionId"] in inbox
        again = await c.post(f"/console/inbox/{first['sessionId']}/reply", data={"text": "x"}, headers=headers)
        assert again.status_code == 409 and "closed" in again.text


async def test_another_accounts_sessions_are_not_visible(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "secret of default")
    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        inbox = (await c.get("/console/inbox")).text
        assert "user-1" not in inbox and "secret of default" not in inbox and "other" in inbox
        session = wrote["sessionId"]
        assert (await c.get(f"/console/inbox/{session}")).status_code == 404
        assert (await c.get(f"/console/inbox/{session}/events")).status_code == 404
        headers = {"X-CSRF-Token": token}
        assert (await c.post(f"/console/inbox/{session}/reply", data={"text": "x"}, headers=headers)).status_code == 404
        assert (await c.post(f"/console/inbox/{session}/terminate", headers=headers)).status_code == 404
        assert (await c.get("/console/accounts")).status_code == 403, "account keys see no administration"
    assert (await client.get("/kakao-sangdam/1/logs")).json()["results"] == []


async def test_a_revoked_key_ends_its_console_sessions(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    new = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()
    async with browser_client(gateway) as c:
        await sign_in(c, new["key"])
        assert (await c.get("/console/inbox")).status_code == 200
        assert (await admin.delete(f"/admin/1/accounts/{account}/keys/{new['id']}")).status_code == 204
        assert (await c.get("/console/inbox")).status_code == 303


async def test_the_operator_administers_accounts_and_keys(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        token = await sign_in(c, ADMIN_KEY)
        assert "Accounts" in (await c.get("/console/accounts")).text
        assert (await c.get("/console/inbox")).status_code == 303, "operators have no inbox"
        headers = {"X-CSRF-Token": token}
        row = await c.post("/console/accounts", data={"name": "가게"}, headers=headers)
        assert row.status_code == 200 and "가게" in row.text
        dup = await c.post("/console/accounts", data={"name": "가게"}, headers=headers)
        assert dup.status_code == 409 and "exists" in dup.text
        account_id = row.text.split("<code>")[1].split("</code>")[0]
        made = await c.post(
            f"/console/accounts/{account_id}/keys", data={"name": "agent", "scopes": "console"}, headers=headers
        )
        assert made.status_code == 200 and "not shown again" in made.text
        key = made.text.split('class="secret">')[1].split("<")[0]
        keys = (await c.get(f"/console/accounts/{account_id}/keys")).text
        assert "agent" in keys and key not in keys
    async with browser_client(gateway) as agent:
        await sign_in(agent, key)
        assert "가게" in (await agent.get("/console/inbox")).text


async def test_nul_characters_are_refused(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "hi")
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        assert (await c.get("/console/inbox/bad%00id")).status_code == 400
        assert (await c.get("/console/inbox", params={"sender": "a\x00b"})).status_code == 400
        assert (await c.get("/console/messages", params={"channel": "SANGDAM", "sender": "a\x00"})).status_code == 400
        r = await c.post(
            f"/console/inbox/{wrote['sessionId']}/reply", data={"text": "a\x00b"}, headers={"X-CSRF-Token": token}
        )
        assert r.status_code == 400


async def test_agents_sign_in_and_sessions_are_assigned(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await setup_sender(client)
    first = await user_writes(client, "user-1", "도와주세요")
    await user_writes(client, "user-2", "hello")
    async with browser_client(gateway) as manager:
        token = await sign_in(manager, API_KEY)
        headers = {"X-CSRF-Token": token}
        assert "Agents" in (await manager.get("/console/agents")).text
        made = await manager.post("/console/agents", data={"name": "김상담"}, headers=headers)
        assert made.status_code == 200 and "not shown again" in made.text
        key = made.text.split('class="secret">')[1].split("<")[0]
        assert (await manager.post("/console/agents", data={"name": " "}, headers=headers)).status_code == 400
        agents = (await manager.get("/console/agents")).text
        assert "김상담" in agents and "console" in agents
        agent_id = agents.split("/console/agents/")[1].split("/remove")[0]

        chat = await manager.get(f"/console/inbox/{first['sessionId']}")
        assert 'name="agent"' in chat.text and "김상담" in chat.text
        r = await manager.post(f"/console/inbox/{first['sessionId']}/assign", data={"agent": agent_id}, headers=headers)
        assert r.status_code == 200 and "Assigned to 김상담" in r.text
        bad = await manager.post(f"/console/inbox/{first['sessionId']}/assign", data={"agent": "nope"}, headers=headers)
        assert bad.status_code == 404
        inbox = (await manager.get("/console/inbox")).text
        assert '<span class="assignee">김상담</span>' in inbox
        unassigned = (await manager.get("/console/inbox", params={"show": "unassigned"})).text
        assert "user-2" in unassigned and "user-1" not in unassigned

    async with browser_client(gateway) as agent:
        await sign_in(agent, key)
        mine = (await agent.get("/console/inbox", params={"show": "mine"})).text
        assert "user-1" in mine and "user-2" not in mine
        assert "/console/agents" not in mine, "an agent does not manage agents"
        assert (await agent.get("/console/agents")).status_code == 403

        async with browser_client(gateway) as manager:
            token = await sign_in(manager, API_KEY)
            removed = await manager.post(f"/console/agents/{agent_id}/remove", headers={"X-CSRF-Token": token})
            assert removed.status_code == 200 and "Removed" in removed.text
        assert (await agent.get("/console/inbox")).status_code == 303, "a removed agent is signed out"

    # Another account's agent cannot be assigned, and another account cannot assign this one's sessions.
    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    foreign = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        r = await c.post(
            f"/console/inbox/{first['sessionId']}/assign",
            data={"agent": foreign["id"]},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == 404
    async with browser_client(gateway) as c:
        token = await sign_in(c, foreign["key"])
        r = await c.post(
            f"/console/inbox/{first['sessionId']}/assign", data={"agent": ""}, headers={"X-CSRF-Token": token}
        )
        assert r.status_code == 404


async def test_message_content_cannot_inject_links_or_markup(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "<script>alert(1)</script>")
    await user_writes(client, "user-1", type="FILE", url="javascript:alert(2)")
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        chat = await c.get(f"/console/inbox/{wrote['sessionId']}")
        assert "<script>alert(1)" not in chat.text and "&lt;script&gt;alert(1)" in chat.text
        assert 'href="javascript:' not in chat.text and 'href="#"' in chat.text
        policy = chat.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


async def test_the_readmes_console_address_redirects_to_the_console(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        r = await c.get("/console")
        assert r.status_code == 308 and r.headers["location"] == "/console/"
        r = await c.get("/console?next=inbox&x=1")
        assert r.status_code == 308 and r.headers["location"] == "/console/?next=inbox&x=1"
        r = await c.get("/console", follow_redirects=True)
        assert r.status_code == 200 and str(r.url).endswith("/console/sign-in")


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/console/sign-in", b"Content-Type: application/x-www-form-urlencoded\r\n"),
        ("/kakao-alim/1/messages", f"Content-Type: application/json\r\nAuthorization: App {API_KEY}\r\n".encode()),
    ],
)
async def test_a_client_leaving_mid_body_logs_no_traceback(
    served: Served, caplog: pytest.LogCaptureFixture, path: str, headers: bytes
) -> None:
    caplog.set_level(logging.INFO)
    uvicorn_log = logging.getLogger("uvicorn")  # it does not propagate to the root, where caplog listens
    uvicorn_log.addHandler(caplog.handler)
    try:
        host, port = served.url.removeprefix("http://").split(":")
        for _ in range(3):
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"POST {path} HTTP/1.1\r\nHost: gateway\r\n".encode() + headers)
            writer.write(b"Content-Length: 1000\r\n\r\nkey=0123")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        await asyncio.sleep(0.5)  # the server notices the closed connections and ends those requests
        async with httpx.AsyncClient(base_url=served.url) as c:
            assert (await c.get("/console/sign-in")).status_code == 200, "the server is fine"
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    noted = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(noted) <= 1, [r.getMessage() for r in noted]
    assert not any(r.exc_info for r in caplog.records)


async def test_unknown_console_pages_get_a_styled_404_and_the_site_has_an_icon(gateway: Gateway) -> None:
    """Issue 21: 404 pages were unstyled text, and there was no favicon."""
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        for path in ("/console/no-such-page", "/console/bulks/x/y/z"):
            r = await c.get(path)
            assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
            assert "/console/static/console.css" in r.text and "Page not found" in r.text, path
            assert 'href="/console/dashboard"' in r.text, "the navigation stays"
        korean = await c.get("/console/no-such-page", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
        assert korean.status_code == 404 and "페이지를 찾을 수 없습니다" in korean.text
        api = await c.get("/kakao/1/no-such-thing", headers={"Accept": "application/json"})
        assert api.status_code == 404 and api.json()["errorCode"] == "E404"
        icon = await c.get("/favicon.ico")
        assert icon.status_code == 308 and icon.headers["location"] == "/console/static/favicon.svg"
        svg = await c.get("/console/static/favicon.svg")
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        page = (await c.get("/console/dashboard")).text
        assert '<link rel="icon" href="/console/static/favicon.svg"' in page


async def test_search_sessions_by_user_key_and_transcript_text(gateway: Gateway, client: httpx.AsyncClient) -> None:
    """Issue 21: the inbox had no search."""
    await setup_sender(client)
    await user_writes(client, "kim-1", "환불 가능한가요?")
    await user_writes(client, "lee-2", "배송은 언제 오나요?")
    closing = await user_writes(client, "park-3", "Refund please, order 100%_done")
    await user_writes(client, "choi-4", 'He said "hello"\nthen left')
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}

        async def found(path: str, q: str) -> list[str]:
            html = (await c.get(path, params={"q": q})).text
            return re.findall(r'<span class="user">([\w-]+)</span>', html) or re.findall(
                r'<a href="/console/inbox/[\w-]+">([\w-]+)</a>', html
            )

        assert await found("/console/inbox", "환불") == ["kim-1"]
        assert await found("/console/inbox", "LEE") == ["lee-2"], "user keys match without regard to case"
        assert await found("/console/inbox", "refund") == ["park-3"], "text too"
        assert await found("/console/inbox", "100%_") == ["park-3"], "% and _ are literal"
        assert await found("/console/inbox", "%") == ["park-3"]
        assert await found("/console/inbox", "nobody") == []
        assert await found("/console/inbox", '"hello"') == ["choi-4"], "quotes, as JSON keeps them"
        assert await found("/console/inbox", '"hello"\nthen') == ["choi-4"], "a line break too"
        assert sorted(await found("/console/inbox", "")) == ["choi-4", "kim-1", "lee-2", "park-3"]
        listed = (await c.get("/console/inbox/list", params={"q": "환불"})).text
        assert "kim-1" in listed and "lee-2" not in listed, "the list's refresh keeps the search"
        page = (await c.get("/console/inbox", params={"q": "환불"})).text
        assert 'value="환불"' in page and "q=%ED%99%98%EB%B6%88" in page

        await c.post(f"/console/inbox/{closing['sessionId']}/terminate", headers=headers)
        await gateway.engine.run_until_idle()
        assert await found("/console/inbox/closed", "refund") == ["park-3"]
        assert await found("/console/inbox/closed", "환불") == []
        assert await found("/console/inbox", "refund") == []
