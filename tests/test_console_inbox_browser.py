"""The agent inbox in real headless Chromium (issue 21, item 4): unread sessions in the page's title and as a browser
notification while the console is not in front."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, expect

from .conftest import API_KEY
from .test_console_browser import DESKTOP, _setup, _sign_in, _user_writes
from .test_console_images import png

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixtures: served, browser, shots

# The page's Notification, recorded; the console as a tab in the background (no focus).
FAKE_NOTIFICATIONS = """
window.__notes = [];
window.Notification = function (title, options) { window.__notes.push([title, options.body]); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
document.hasFocus = function () { return false; };
"""
# Notifications not yet asked for; asking grants them (the answer kept across reloads, as a browser keeps it).
ASK_ONCE = """
window.__asked = 0;
window.Notification = function () {};
window.Notification.permission = localStorage.getItem("granted") ? "granted" : "default";
window.Notification.requestPermission = function () {
  window.__asked += 1;
  localStorage.setItem("granted", "1");
  window.Notification.permission = "granted";
  return Promise.resolve("granted");
};
"""


async def test_unread_sessions_in_the_title_and_a_notification(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    context = await browser.new_context(viewport=DESKTOP)
    await context.add_init_script(FAKE_NOTIFICATIONS)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    await expect(page).to_have_title(re.compile(r"^Inbox"))
    assert await page.evaluate("window.__notes") == []

    await _user_writes(s, "user-1", "배송 문의드립니다")
    await expect(page).to_have_title(re.compile(r"^\(1\) Inbox"), timeout=10_000)
    await _user_writes(s, "user-2", "환불 가능한가요?")
    await expect(page).to_have_title(re.compile(r"^\(2\) Inbox"), timeout=10_000)
    notes = await page.evaluate("window.__notes")
    assert [body for _, body in notes] == ["user-1: 배송 문의드립니다", "user-2: 환불 가능한가요?"]
    assert await page.locator("#notify-me").is_hidden(), "already allowed: nothing to ask"

    await page.get_by_role("link", name="user-2").click()  # read: one unread session is left
    await expect(page).to_have_title(re.compile(r"^\(1\) user-2"), timeout=10_000)
    await context.close()


async def test_the_inbox_offers_notifications_until_asked(served: Served, browser: Browser) -> None:
    context = await browser.new_context(viewport=DESKTOP)
    await context.add_init_script(ASK_ONCE)
    page = await context.new_page()
    await _sign_in(page, served, API_KEY)
    button = page.get_by_role("button", name="Notify me of new messages")
    await expect(button).to_be_visible()
    await button.click()
    await expect(button).to_be_hidden()
    assert await page.evaluate("window.__asked") == 1
    await page.reload()
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    await expect(button).to_be_hidden()
    await context.close()


async def test_a_canned_reply_goes_in_with_a_slash(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    wrote = await _user_writes(s, "user-1", "배송 언제 와요?")
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/inbox/replies")
    for shortcut, text in (("배송", "주문하신 상품은 내일 도착합니다."), ("refund", "환불 도와드릴게요")):
        await page.get_by_label("Shortcut").fill(shortcut)
        await page.get_by_label("Text").fill(text)
        await page.get_by_role("button", name="Save").click()
        await expect(page.locator("table.replies")).to_contain_text(f"/{shortcut}")
    await page.screenshot(path=str(shots / "canned-replies-1440.png"))

    await page.goto(f"{s.url}/console/inbox/{wrote['sessionId']}")
    box = page.get_by_label("Message")
    await box.press_sequentially("/배")
    suggestions = page.get_by_role("listbox", name="Canned replies")
    await expect(suggestions.get_by_role("option")).to_have_count(1)
    await expect(suggestions).to_contain_text("내일 도착합니다")
    await box.press("Enter")
    await expect(box).to_have_value("주문하신 상품은 내일 도착합니다.")
    await expect(suggestions).to_be_hidden()
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#transcript .bubble.outbound").last).to_contain_text("내일 도착합니다", timeout=10_000)

    await box.fill("")
    await box.press_sequentially("/")
    await expect(suggestions.get_by_role("option")).to_have_count(2)
    await suggestions.get_by_role("option").filter(has_text="/refund").click()
    await expect(box).to_have_value("환불 도와드릴게요")
    await box.fill("")
    await box.press_sequentially("/nothing")
    await expect(suggestions).to_be_hidden()
    await box.fill("no slash first /refund")
    await expect(suggestions).to_be_hidden()
    await context.close()


async def test_an_image_reply_by_upload(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    wrote = await _user_writes(s, "user-1", "사진 보내주세요")
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/inbox/{wrote['sessionId']}")
    upload = page.get_by_label("Or upload an image (JPEG or PNG, up to 5 MB)")
    await expect(upload).to_be_hidden()
    await page.get_by_role("radio", name="Image").check()
    await expect(upload).to_be_visible()
    await upload.set_input_files(files=[{"name": "사진.png", "mimeType": "image/png", "buffer": png(40, 30)}])
    await page.get_by_role("button", name="Send image").click()
    await expect(page.locator("#result")).to_contain_text("PENDING_ACCEPTED")
    image = page.locator("#transcript .bubble.outbound img").last
    await expect(image).to_be_visible(timeout=10_000)
    assert await image.evaluate("i => i.naturalWidth") == 40, "the gateway serves the image the browser shows"
    await context.close()
