"""The console in Korean and English over HTTP: the browser's languages choose (Korean when it prefers `ko`), the
header's switch is remembered (a cookie) and wins, `<html lang>` says which, every page's navigation is translated,
the catalogue translates every message of the templates and console modules, and times are shown in Korea time
(KST) unless the viewer chose UTC."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from babel.messages.extract import extract_from_dir, extract_from_file

from kakao_gateway.app import Gateway
from kakao_gateway.console import i18n

from .conftest import ADMIN_KEY, API_KEY
from .console_helpers import browser_client, csrf_of, sign_in
from .helpers import alim_body, register_basics, send, settle
from .sangdam_helpers import setup_sender, user_writes

KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"}
ACCOUNT_PAGES = (
    "/console/dashboard",
    "/console/inbox",
    "/console/inbox/closed",
    "/console/messages?channel=ALIM",
    "/console/bulks",
    "/console/bulks/plan",
    "/console/templates",
    "/console/opt-outs",
    "/console/settings",
    "/console/agents",
    "/console/phone",
)
OPERATOR_PAGES = ("/console/dashboard", "/console/accounts")
ENGLISH_NAV = ("Dashboard", "Inbox", "Closed", "Messages", "Bulks", "Templates", "Opt-outs", "Settings", "Sign out")
CONSOLE = Path(i18n.__file__).parent


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found, "the page has no <html lang>"
    return found.group(1)


def _header(html: str) -> str:
    found = re.search(r"<header.*?</header>", html, re.S)
    assert found
    return found.group(0)


async def _signed_in(c: httpx.AsyncClient, key: str = API_KEY) -> None:
    await sign_in(c, key)


async def test_every_account_page_is_korean_when_the_browser_prefers_korean(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        await _signed_in(c)
        for path in ACCOUNT_PAGES:
            r = await c.get(path)
            assert r.status_code == 200, (path, r.text)
            assert _lang(r.text) == "ko", path
            header = _header(r.text)
            for word in ENGLISH_NAV:
                assert f">{word}<" not in header, (path, word)
            for word in ("대시보드", "받은 메시지함", "메시지 검색", "대량 발송", "템플릿", "수신거부", "로그아웃"):
                assert word in header, (path, word)
        opt_outs = (await c.get("/console/opt-outs")).text
        assert "<h1>수신거부</h1>" in opt_outs and "무료수신거부" in opt_outs and "REJECTED_DND" in opt_outs


async def test_every_operator_page_is_korean_too(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        await _signed_in(c, ADMIN_KEY)
        for path in OPERATOR_PAGES:
            r = await c.get(path)
            assert r.status_code == 200 and _lang(r.text) == "ko", path
            assert ">계정<" in _header(r.text) and ">Accounts<" not in _header(r.text), path


async def test_the_sign_in_page_and_its_refusal_in_korean(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        page = await c.get("/console/sign-in")
        assert _lang(page.text) == "ko" and "<h1>로그인</h1>" in page.text and "API 키" in page.text
        r = await c.post("/console/sign-in", data={"key": "not-a-key", "csrf": csrf_of(page.text)})
        assert r.status_code == 401 and "이 키로는 콘솔에 로그인할 수 없습니다" in r.text


async def test_english_unless_the_browser_prefers_korean(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        for accept in ("", "en-US,en;q=0.9", "en-US,en;q=0.9,ko;q=0.8", "fr-FR,fr;q=0.9", "ko;q=0"):
            page = await c.get("/console/sign-in", headers={"Accept-Language": accept})
            assert _lang(page.text) == "en" and "<h1>Sign in</h1>" in page.text, accept
        for accept in ("ko", "ko-KR", "ja;q=0.9,ko;q=0.5"):
            page = await c.get("/console/sign-in", headers={"Accept-Language": accept})
            assert _lang(page.text) == "ko", accept


async def test_the_header_switch_is_remembered_and_wins_over_the_browser(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        await _signed_in(c)
        korean = await c.get("/console/opt-outs")
        assert 'href="/console/language/en?next=/console/opt-outs"' in korean.text
        r = await c.get("/console/language/en", params={"next": "/console/opt-outs"})
        assert r.status_code == 303 and r.headers["location"] == "/console/opt-outs"
        cookie = r.headers["set-cookie"].lower()
        assert "kakao_console_lang=en" in cookie and "path=/console" in cookie and "max-age=" in cookie
        assert "httponly" in cookie
        for path in ("/console/opt-outs", "/console/dashboard", "/console/inbox"):
            page = await c.get(path)
            assert _lang(page.text) == "en" and ">Opt-outs<" in _header(page.text), path
        await c.get("/console/language/ko", params={"next": "/console/opt-outs"})
        c.headers["Accept-Language"] = "en-US"
        page = await c.get("/console/dashboard")
        assert _lang(page.text) == "ko" and ">대시보드<" in _header(page.text)


async def test_the_switches_go_back_only_into_the_console(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        for to in ("https://evil.example/", "//evil.example/", "/console//evil.example", "/docs"):
            r = await c.get("/console/language/ko", params={"next": to})
            assert r.status_code == 303 and r.headers["location"] == "/console/", to
        assert (await c.get("/console/language/fr")).status_code == 404
        assert (await c.get("/console/zone/pst")).status_code == 404


async def test_times_are_korea_time_unless_the_viewer_chose_utc(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    await user_writes(client, "user-1", "안녕하세요")
    async with browser_client(gateway) as c:
        await _signed_in(c)
        # The suite's clock: 2026-11-29 04:00 UTC, 13:00 in Korea.
        inbox = await c.get("/console/inbox/list")
        assert "2026-11-29 13:00:00 KST" in inbox.text and " UTC<" not in inbox.text
        dashboard = await c.get("/console/dashboard")
        assert "2026-11-29 13:00:00 KST" in dashboard.text
        r = await c.get("/console/zone/utc", params={"next": "/console/dashboard"})
        assert r.status_code == 303 and "kakao_console_tz=UTC" in r.headers["set-cookie"]
        dashboard = await c.get("/console/dashboard")
        assert "2026-11-29 04:00:00 UTC" in dashboard.text and "KST" in _header(dashboard.text)
        assert "2026-11-29 04:00:00 UTC" in (await c.get("/console/inbox/list")).text


async def test_opt_outs_show_when_in_the_chosen_zone(gateway: Gateway) -> None:
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        token = await sign_in(c, API_KEY)
        added = await c.post(
            "/console/opt-outs", data={"numbers": "010-1234-5678", "sender": ""}, headers={"X-CSRF-Token": token}
        )
        assert added.status_code == 200 and "1건 추가" in added.text
        page = await c.get("/console/opt-outs")
        assert "2026-11-29 13:00:00 KST" in page.text and "모든 발신 프로필" in page.text


def test_the_catalogue_translates_every_console_message() -> None:
    """Every message the templates and console modules show has its Korean text (no English left by accident)."""
    catalogue = i18n.translations("ko")
    methods = [("templates/**.html", "jinja2"), ("*.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    found = [
        message
        for filename, _line, message, _comments, _context in extract_from_dir(CONSOLE, methods, options_map=options)
        if filename != "openapi.py" and isinstance(message, str)
    ]
    assert len(found) > 200
    timeline = CONSOLE.parent / "service" / "console" / "messages.py"
    told = [
        message for _line, message, _comments, _context in extract_from_file("python", timeline, keywords={"N_": None})
    ]
    assert len(told) > 30
    untranslated = sorted({m for m in [*found, *told] if catalogue.gettext(m) == m})
    assert untranslated == []


async def test_a_message_timeline_in_korean(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    sent = await send(client, alim_body("821012345678"))
    message_id = sent["messages"][0]["messageId"]
    await settle(gateway)
    unreachable = (await send(client, alim_body("821000000005")))["messages"][0]["messageId"]
    await settle(gateway)
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        await _signed_in(c)
        page = await c.get(f"/console/messages/{message_id}")
        assert page.status_code == 200 and _lang(page.text) == "ko"
        assert "<strong>접수</strong>" in page.text and "<h2>발송 이력</h2>" in page.text
        assert "경로 KAKAO_SANDBOX" in page.text and "대량 발송 " in page.text  # the details are Korean too
        retried = (await c.get(f"/console/messages/{unreachable}")).text
        assert "1번째 시도 실패" in retried and "다음 시도 2026-11-29 13:00:30 KST" in retried, retried
        assert "2026-11-29 13:00:00 KST" in page.text
        search = await c.get("/console/messages", params={"channel": "ALIM"})
        assert message_id in search.text and "2026-11-29 13:00:00 KST" in search.text


async def test_the_pages_of_one_thing_are_korean_too(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """A chat, a bulk and an account's keys: the pages reached from a list."""
    await register_basics(client)
    bulk_id = (await send(client, alim_body("821012345678")))["bulkId"]
    session_id = (await user_writes(client, "user-1", "안녕하세요"))["sessionId"]
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        await _signed_in(c)
        chat = await c.get(f"/console/inbox/{session_id}")
        assert chat.status_code == 200 and "상담 종료" in chat.text and ">보내기<" in chat.text
        bulk = await c.get(f"/console/bulks/{bulk_id}")
        assert bulk.status_code == 200 and "발송 속도 변경" in bulk.text and "예약 변경" in bulk.text
        for page in (chat, bulk):
            assert _lang(page.text) == "ko" and ">Inbox<" not in _header(page.text)
    async with browser_client(gateway) as c:
        c.headers.update(KOREAN)
        await _signed_in(c, ADMIN_KEY)
        keys = await c.get(f"/console/accounts/{account}/keys")
        assert keys.status_code == 200 and "키 만들기" in keys.text and ">Accounts<" not in _header(keys.text)
