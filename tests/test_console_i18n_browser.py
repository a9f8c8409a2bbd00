"""The console in Korean and English in real Chromium: a browser set to Korean gets Korean pages, the header's KO | EN
switch is remembered from page to page, `<html lang>` follows, and times show in Korea time (KST) until the viewer
switches to UTC."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, Page, expect

from .conftest import API_KEY
from .helpers import SENDER, alim_body, register_basics
from .sangdam_helpers import sangdam_body

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixtures: served, browser, shots
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 360, "height": 740}


async def _setup(s: Served) -> None:
    """A sender with an Alim template, a Sangdam session, and messages for the dashboard's charts."""
    await register_basics(s.api)
    body = {"userKey": "user-1", "to": SENDER, "message": {"type": "TEXT", "text": "배송 문의드립니다"}}
    assert (await s.api.post("/sandbox/1/sangdam/messages", json=body)).status_code == 200
    numbers = [f"8210{n:08d}" for n in range(1, 13)]
    assert (await s.api.post("/kakao-alim/1/messages", json=alim_body(*numbers))).status_code == 200
    assert (await s.api.post("/kakao-sangdam/1/messages", json=sangdam_body("user-1"))).status_code == 200


async def _html_lang(page: Page) -> str:
    lang: str = await page.evaluate("document.documentElement.lang")
    return lang


async def test_a_korean_browser_gets_the_console_in_korean(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    context = await browser.new_context(locale="ko-KR", viewport=DESKTOP)
    page = await context.new_page()
    await page.goto(f"{s.url}/console/")
    await expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    assert await _html_lang(page) == "ko"
    await page.get_by_label("API 키").fill(API_KEY)
    await page.get_by_role("button", name="로그인").click()
    await expect(page.get_by_role("heading", name="받은 메시지함")).to_be_visible()
    await page.get_by_role("link", name="대시보드").click()
    await expect(page.get_by_role("heading", name="대시보드")).to_be_visible()
    await expect(page.locator("#dashboard")).to_contain_text("대체 발송")
    assert await _html_lang(page) == "ko"
    await page.screenshot(path=str(shots / "dashboard-ko-1440.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the Korean dashboard scrolls sideways at 360 px ({width} px wide)"
    await page.screenshot(path=str(shots / "dashboard-ko-360.png"), full_page=True)
    await page.get_by_role("link", name="수신거부").click()
    await expect(page.get_by_role("heading", name="수신거부")).to_be_visible()
    await context.close()


async def test_the_language_switch_is_remembered_across_pages(served: Served, browser: Browser) -> None:
    s = served
    await _setup(s)
    context = await browser.new_context(viewport=DESKTOP)  # Playwright's default: en-US
    page = await context.new_page()
    await page.goto(f"{s.url}/console/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await _html_lang(page) == "en"
    await page.get_by_role("link", name="KO", exact=True).click()
    await expect(page.get_by_role("heading", name="로그인")).to_be_visible()
    assert await _html_lang(page) == "ko"
    await page.get_by_label("API 키").fill(API_KEY)
    await page.get_by_role("button", name="로그인").click()
    await expect(page.get_by_role("heading", name="받은 메시지함")).to_be_visible()
    for link, heading in (("메시지 검색", "메시지 검색"), ("대량 발송", "대량 발송"), ("설정", "웹훅 구독")):
        await page.get_by_role("link", name=link, exact=True).click()
        await expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        assert await _html_lang(page) == "ko"
    # Back to English, on the page where the switch was used, and on the next page too.
    await page.get_by_role("link", name="EN", exact=True).click()
    await expect(page.get_by_role("heading", name="Subscriptions")).to_be_visible()
    assert await _html_lang(page) == "en"
    await page.get_by_role("link", name="Opt-outs", exact=True).click()
    await expect(page.get_by_role("heading", name="Opt-outs")).to_be_visible()
    await context.close()


async def test_times_in_korea_time_then_utc(served: Served, browser: Browser) -> None:
    s = served
    await _setup(s)
    context = await browser.new_context(locale="ko-KR", viewport=DESKTOP)
    page = await context.new_page()
    await page.goto(f"{s.url}/console/")
    await page.get_by_label("API 키").fill(API_KEY)
    await page.get_by_role("button", name="로그인").click()
    # The suite's clock stands at 2026-11-29 04:00 UTC: 13:00 in Korea.
    session = page.locator(".session time").first
    await expect(session).to_have_text("2026-11-29 13:00:00 KST")
    await page.get_by_role("link", name="UTC", exact=True).click()
    await expect(page.get_by_role("heading", name="받은 메시지함")).to_be_visible()
    await expect(session).to_have_text("2026-11-29 04:00:00 UTC")
    await page.get_by_role("link", name="종료된 상담").click()
    await page.get_by_role("link", name="대시보드").click()
    await expect(page.locator("#dashboard")).to_contain_text("2026-11-29 04:00:00 UTC")
    await page.get_by_role("link", name="KST", exact=True).click()
    await expect(page.locator("#dashboard")).to_contain_text("2026-11-29 13:00:00 KST")
    await context.close()
