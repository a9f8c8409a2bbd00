"""The sandbox phone in real headless Chromium (issue 21, item 5): an Alim as KakaoTalk shows it (the channel's
name, the 알림톡 band, the template's emphasis, item highlight, item list and summary, its extra text), a user's
image shown as an image, and the screen following the newest message of a long conversation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, expect

from .conftest import API_KEY
from .helpers import SENDER, alim_body
from .test_console_browser import _sign_in

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixtures: served, browser, shots
PHONE = {"width": 390, "height": 844}
NUMBER = "821055551234"
ITEM_LIST = {
    "sender": SENDER,
    "templateCode": "ORDER_ITEMS",
    "name": "Order with items",
    "text": "#{name}님, 주문하신 상품이 발송되었습니다.",
    "emphasisType": "ITEM_LIST",
    "header": "주문 발송 안내",
    "itemHighlight": {"title": "겨울 코트 외 2건", "description": "주문번호 A-1234"},
    "itemList": [{"title": "상품", "description": "겨울 코트"}, {"title": "수량", "description": "3개"}],
    "itemSummary": {"title": "합계", "description": "129,000원"},
    "messageType": "EX",
    "extra": "배송 조회는 마이페이지에서 하실 수 있습니다.",
}


async def test_the_phone_shows_an_alim_as_kakaotalk_does(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    assert (await s.api.post("/kakao/1/senders", json={"sender": SENDER, "name": "상점 채널"})).status_code == 200
    r = await s.api.post("/kakao-alim/1/templates", json=ITEM_LIST)
    assert r.status_code == 200, r.text
    content = {"templateCode": "ORDER_ITEMS", "text": "지민님, 주문하신 상품이 발송되었습니다."}
    for _ in range(25):  # more than the screen holds
        body = alim_body(NUMBER, **content)
        assert (await s.api.post("/kakao-alim/1/messages", json=body)).status_code == 200, body
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/phone?number=010-5555-1234")
    last = page.locator(".pbubble").last
    await expect(page.locator(".pbubble")).to_have_count(25, timeout=10_000)
    await expect(last.locator(".pchannel")).to_have_text("상점 채널")
    await expect(last.locator(".palim-head")).to_have_text("알림톡 도착")
    await expect(last.locator(".pheader")).to_have_text("주문 발송 안내")
    await expect(last.locator(".phighlight")).to_contain_text("겨울 코트 외 2건")
    await expect(last.locator(".pitemlist")).to_contain_text("수량")
    await expect(last.locator(".psummary")).to_contain_text("129,000원")
    await expect(last.locator(".pextra")).to_contain_text("마이페이지")
    screen = page.locator("#phone-screen")
    await expect(last).to_be_in_viewport()
    gap = await screen.evaluate("e => e.scrollHeight - e.scrollTop - e.clientHeight")
    assert gap < 5, "the screen shows the newest message"
    await page.screenshot(path=str(shots / "phone-alim-390.png"), full_page=True)

    # a new message while the reader follows: it comes into view; scrolled up, the reader stays put
    assert (await s.api.post("/kakao-alim/1/messages", json=alim_body(NUMBER, **content))).status_code == 200
    await expect(page.locator(".pbubble")).to_have_count(26, timeout=10_000)
    await expect(page.locator(".pbubble").last).to_be_in_viewport()
    await screen.evaluate("e => { e.scrollTop = 0; }")
    assert (await s.api.post("/kakao-alim/1/messages", json=alim_body(NUMBER, **content))).status_code == 200
    await expect(page.locator(".pbubble")).to_have_count(27, timeout=10_000)
    assert await screen.evaluate("e => e.scrollTop") < 40, "scrolled up: not pulled down by a refresh"
    await context.close()


async def test_a_users_image_is_shown_as_an_image(served: Served, browser: Browser) -> None:
    s = served
    assert (await s.api.post("/kakao/1/senders", json={"sender": SENDER, "name": "상담 채널"})).status_code == 200
    image = f"{s.url}/console/static/favicon.svg"  # an image the gateway itself serves
    body = {"userKey": "user-1", "to": SENDER, "message": {"type": "IMAGE", "url": image}}
    assert (await s.api.post("/sandbox/1/sangdam/messages", json=body)).status_code == 200
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/phone?user=user-1&sender={SENDER}")
    shown = page.locator(".pbubble.from-user img")
    await expect(shown).to_be_visible(timeout=10_000)
    assert await shown.evaluate("i => i.naturalWidth") > 0
    await expect(page.locator(".pbubble.from-user")).not_to_contain_text("[image]")
    await context.close()
