"""The console in real headless Chromium (Debian's, driven by Playwright) against uvicorn on 127.0.0.1: sign in, a
sandbox user's message appearing live, replying and terminating, refusals, the docs page, phone-width rendering."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, Page, expect

from kakao_gateway.domain.times import format_ms

from .conftest import ADMIN_KEY, API_KEY, START_MS
from .helpers import SENDER

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixtures: served, browser, shots
PHONE = {"width": 360, "height": 740}
NUMBER = "821000000001"
IMG = "https://www.example.com/image.jpg"
TRACK = {"type": "URL", "name": "배송 조회", "urlMobile": "https://shop.example.com/track"}
CAROUSEL = {
    "type": "CAROUSEL_FREE_FORM",
    "elements": [
        {
            "header": f"겨울 세일 {n}",
            "message": "따뜻한 겨울 상품을 만나보세요",
            "attachment": {
                "image": {"url": IMG},
                "buttons": [{"type": "URL", "name": name, "urlMobile": f"https://shop.example.com/{n}"}],
            },
        }
        for n, name in ((1, "보기"), (2, "구매"), (3, "담기"))
    ],
}
DESKTOP = {"width": 1440, "height": 900}


async def _setup(s: Served) -> None:
    assert (await s.api.post("/kakao/1/senders", json={"sender": SENDER, "name": "상담 채널"})).status_code == 200


async def _user_writes(s: Served, user: str, text: str) -> dict[str, str]:
    body = {"userKey": user, "to": SENDER, "message": {"type": "TEXT", "text": text}}
    r = await s.api.post("/sandbox/1/sangdam/messages", json=body)
    assert r.status_code == 200, r.text
    answer: dict[str, str] = r.json()
    return answer


async def _sign_in(page: Page, s: Served, key: str) -> None:
    await page.goto(f"{s.url}/console/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()


async def test_live_inbox_reply_and_terminate(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    first = await _user_writes(s, "user-1", "안녕하세요, 주문 배송 문의드립니다")
    page = await browser.new_page(viewport=DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    await _sign_in(page, s, API_KEY)
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    await expect(page.locator(".session .badge")).to_have_text("1")
    # A second user writes while the inbox is open: it appears (first: newest activity) without a reload.
    await _user_writes(s, "user-2", "환불 가능한가요?")
    await expect(page.locator(".session .user").first).to_have_text("user-2", timeout=10_000)
    await page.screenshot(path=str(shots / "inbox-1440.png"))

    await page.get_by_role("link", name="user-1").first.click()
    await expect(page.locator("#transcript .bubble.inbound")).to_have_count(1)
    # The user writes again: the message shows up in the open chat without a reload.
    await _user_writes(s, "user-1", "주문번호는 A-1234 입니다")
    await expect(page.locator("#transcript .bubble.inbound").last).to_contain_text("A-1234", timeout=10_000)

    await page.get_by_label("Assigned to").select_option(label="bootstrap (me)")
    await expect(page.locator("#assignment")).to_contain_text("Assigned to bootstrap")
    await expect(page.locator(".session .assignee").first).to_have_text("bootstrap", timeout=10_000)

    await page.get_by_label("Message").fill("내일 도착 예정입니다")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#result")).to_contain_text("PENDING_ACCEPTED")
    await expect(page.locator("#transcript .bubble.outbound").last).to_contain_text(
        "내일 도착 예정입니다", timeout=10_000
    )

    await page.get_by_role("radio", name="Buttons").check()
    await page.get_by_label("Message").fill("더 도와드릴까요?")
    await page.get_by_label("Button lines").fill("네\n배송 조회 | https://example.com/track")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#transcript .bubble.outbound").last).to_contain_text("배송 조회", timeout=10_000)
    await page.screenshot(path=str(shots / "chat-1440.png"))

    logs = (await s.api.get("/kakao-sangdam/1/logs")).json()["results"]
    assert {"type": "TEXT", "text": "내일 도착 예정입니다"} in [e["content"] for e in logs]
    phone = await s.api.get("/sandbox/1/sangdam/users/user-1/conversation", params={"sender": SENDER})
    assert "내일 도착 예정입니다" in [e["content"].get("text") for e in phone.json()["results"]]

    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.locator("figure svg").first).to_be_visible()
    await expect(page.locator(".legend").first).to_contain_text("SANGDAM 2")
    await page.screenshot(path=str(shots / "dashboard-1440.png"), full_page=True)

    await page.get_by_role("link", name="Messages").click()
    await page.get_by_label("Channel").select_option("SANGDAM")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("table.messages tbody tr")).to_have_count(2)
    await page.screenshot(path=str(shots / "messages-1440.png"))
    await page.locator("table.messages tbody tr a").last.click()
    await expect(page.locator(".timeline")).to_contain_text("Final status", timeout=10_000)
    await expect(page.locator(".timeline")).to_contain_text("DELIVERED_TO_HANDSET")
    await page.screenshot(path=str(shots / "timeline-1440.png"))
    await page.goto(f"{s.url}/console/inbox/{first['sessionId']}")
    await expect(page.locator("#transcript .bubble.outbound")).to_have_count(2)

    await page.get_by_role("button", name="Terminate session").click()
    await expect(page.locator("#state")).to_contain_text("TERMINATED", timeout=10_000)
    await expect(page.locator("#transcript")).to_contain_text("The agent ended the session.")
    # issue 21: the reply box went away only after a reload
    await expect(page.locator("#reply")).to_have_count(0)
    await expect(page.locator("#reply-area")).to_contain_text("closed")
    closed = (await s.api.get(f"/kakao/1/sangdam/sessions/{first['sessionId']}/messages")).json()["session"]
    assert closed["state"] == "CLOSED" and closed["closeReason"] == "TERMINATED"
    await page.goto(f"{s.url}/console/inbox/closed")
    await expect(page.get_by_role("link", name="user-1")).to_be_visible()
    await page.screenshot(path=str(shots / "closed-1440.png"))

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(f"{s.url}/console/inbox")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_phone_width_and_korean(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    for n, text in enumerate(["안녕하세요! 배송이 아직 안 왔어요", "카카오톡 상담 테스트입니다", "hello"]):
        await _user_writes(s, f"user-{n}", text)
    page = await browser.new_page(viewport=PHONE)
    await _sign_in(page, s, API_KEY)
    await expect(page.locator(".session")).to_have_count(3)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the inbox scrolls sideways at 360 px ({width} px wide)"
    await page.screenshot(path=str(shots / "inbox-360.png"), full_page=True)
    # Korean is drawn with a CJK font, not as boxes: a Hangul string is as wide as a CJK font makes it.
    hangul = await page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
        c.font = '16px "Noto Sans CJK KR"'; const k = c.measureText('상담').width;
        c.font = '16px monospace'; const tofu = c.measureText('\\u{10FFFF}\\u{10FFFF}').width;
        return [k, tofu, document.fonts.check('16px "Noto Sans CJK KR"', '상담')]; }"""
    )
    assert hangul[2], "Noto Sans CJK KR is installed (Debian: fonts-noto-cjk)"
    await page.get_by_role("link", name="user-0").click()
    await expect(page.locator("#transcript")).to_contain_text("배송이 아직 안 왔어요")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the chat scrolls sideways at 360 px ({width} px wide)"
    await page.screenshot(path=str(shots / "chat-360.png"), full_page=True)


async def test_refusals_in_the_browser(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    wrote = await _user_writes(s, "user-1", "private")
    other = (await s.admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await s.admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["console"]})).json()["key"]
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(f"{s.url}/console/sign-in")
    await page.get_by_label("API key").fill("not a key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("does not open the console")
    await page.screenshot(path=str(shots / "sign-in-1440.png"))
    await _sign_in(page, s, key)
    await expect(page.get_by_text("No open sessions")).to_be_visible()
    answer = await page.goto(f"{s.url}/console/inbox/{wrote['sessionId']}")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("alert")).to_contain_text("Not found")
    # A form posted without the session's CSRF token (what another site would make the browser do) is refused.
    forged = await page.request.post(
        f"{s.url}/console/sign-out", form={"csrf": "forged"}, headers={"Origin": "http://evil.test"}
    )
    assert forged.status == 403
    await page.goto(f"{s.url}/console/inbox")
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    # The operator key opens the accounts and keys administration instead.
    await page.get_by_role("button", name="Sign out").click()
    await _sign_in(page, s, ADMIN_KEY)
    await expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    await expect(page.locator("#accounts")).to_contain_text("other")
    await page.screenshot(path=str(shots / "accounts-1440.png"))


async def test_docs_page_loads_our_openapi(served: Served, browser: Browser, shots: Path) -> None:
    page = await browser.new_page(viewport=DESKTOP)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(served.url) else None)
    await page.goto(f"{served.url}/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kakao Gateway", timeout=15_000)
    await expect(page.locator(".opblock-summary-path", has_text="/kakao-sangdam/1/messages").first).to_be_visible()
    await expect(page.locator(".opblock-summary-path", has_text="/admin/1/accounts").first).to_be_visible()
    await page.screenshot(path=str(shots / "docs-1440.png"))
    assert [u for u in outside if not u.startswith("data:")] == [], "the docs page loads nothing from elsewhere"


async def test_a_bulk_paused_and_resumed_from_the_page(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    message = {"sender": SENDER, "destinations": [{"to": f"user-{n}"} for n in range(5)]}
    message["content"] = {"type": "TEXT", "text": "내일 오전 10시 이벤트 안내"}
    tomorrow = format_ms(START_MS + 86_400_000)
    body = {
        "messages": [message],
        "options": {"schedule": {"bulkId": "event-1", "sendAt": tomorrow}},
    }
    r = await s.api.post("/kakao-sangdam/1/messages", json=body)
    assert r.status_code == 200, r.text
    page = await browser.new_page(viewport=PHONE)
    await _sign_in(page, s, API_KEY)
    await page.get_by_role("link", name="Bulks").click()
    await page.get_by_role("link", name="event-1").click()
    await expect(page.locator(".bulk-status")).to_have_text("PENDING")
    await page.get_by_role("button", name="Pause").click()
    await expect(page.locator(".bulk-status")).to_have_text("PAUSED")
    await expect(page.get_by_role("status")).to_contain_text("pause")
    status = (await s.api.get("/kakao/1/bulks/status", params={"bulkId": "event-1"})).json()
    assert status["status"] == "PAUSED"
    await page.screenshot(path=str(shots / "bulk-360.png"), full_page=True)
    await page.get_by_role("button", name="Resume").click()
    await expect(page.locator(".bulk-status")).to_have_text("PENDING")
    status = (await s.api.get("/kakao/1/bulks/status", params={"bulkId": "event-1"})).json()
    assert status["status"] == "PENDING"
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the bulk page scrolls sideways at 360 px ({width} px wide)"


async def test_the_sandbox_phone(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await _setup(s)
    r = await s.api.post(
        "/kakao-alim/1/templates",
        json={
            "sender": SENDER,
            "templateCode": "ORDER",
            "name": "주문",
            "title": "배송 안내",
            "text": "#{name}님, 주문하신 상품이 출발했습니다.",
            "buttons": [TRACK],
        },
    )
    assert r.status_code == 200, r.text
    alim = {
        "sender": SENDER,
        "destinations": [{"to": NUMBER}],
        "content": {
            "type": "TEMPLATE",
            "templateCode": "ORDER",
            "title": "배송 안내",
            "text": "김철수님, 주문하신 상품이 출발했습니다.",
            "buttons": [TRACK],
        },
    }
    assert (await s.api.post("/kakao-alim/1/messages", json={"messages": [alim]})).status_code == 200
    brand = {"sender": SENDER, "destinations": [{"to": NUMBER}], "content": CAROUSEL}
    r = await s.api.post("/kakao-chingu/1/messages", json={"messages": [brand], "options": {"tracking": {}}})
    assert r.status_code == 200, r.text
    brand_id = r.json()["messages"][0]["messageId"]
    await _user_writes(s, "user-1", "안녕하세요")
    buttons = {
        "type": "BUTTON_LIST",
        "text": "무엇을 도와드릴까요?",
        "buttons": [{"type": "REPLY", "name": "배송 조회"}],
    }
    body = {"messages": [{"sender": SENDER, "destinations": [{"to": "user-1"}], "content": buttons}]}
    assert (await s.api.post("/kakao-sangdam/1/messages", json=body)).status_code == 200

    page = await browser.new_page(viewport=PHONE)
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/phone?number={NUMBER}")
    screen = page.locator("#phone-screen")
    await expect(screen.locator('[data-type="TEMPLATE"]')).to_contain_text("배송 안내", timeout=10_000)
    await expect(screen.locator(".undelivered")).to_have_count(0)
    await expect(screen.locator('[data-type="CAROUSEL_FREE_FORM"] .pcard')).to_have_count(3, timeout=10_000)
    await page.screenshot(path=str(shots / "phone-360.png"), full_page=True)
    await screen.locator('[data-type="CAROUSEL_FREE_FORM"] .pcard').nth(1).get_by_role("button", name="구매").click()
    await expect(page.locator("#phone-result")).to_contain_text("click on the short link was recorded")
    stats = (await s.api.get("/kakao/1/clicks", params={"messageId": brand_id})).json()["results"]
    assert {x["url"]: x["clicks"] for x in stats}["https://shop.example.com/2"] == 1

    await page.goto(f"{s.url}/console/phone?user=user-1&sender={SENDER}")
    await expect(screen.locator('[data-type="BUTTON_LIST"]')).to_contain_text("무엇을 도와드릴까요?", timeout=10_000)
    await screen.locator('[data-type="BUTTON_LIST"]').get_by_role("button", name="배송 조회").click()
    await expect(page.locator("#phone-result")).to_contain_text("Pressed 배송 조회")
    await page.get_by_label("Write as the user").fill("감사합니다!")
    await page.get_by_role("button", name="Send").click()
    await expect(screen.locator(".from-user").last).to_contain_text("감사합니다!", timeout=10_000)
    await page.screenshot(path=str(shots / "phone-sangdam-360.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the phone scrolls sideways at 360 px ({width} px wide)"
    for name in ("templates", "settings", "agents", "dashboard", "bulks/plan"):
        await page.goto(f"{s.url}/console/{name}")
        await expect(page.locator("h1").first).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the {name} page scrolls sideways at 360 px ({width} px wide)"
        await page.screenshot(path=str(shots / f"{name.replace('/', '-')}-360.png"), full_page=True)


async def test_a_timeline_shows_retries_and_a_failed_webhook_live(
    served: Served, browser: Browser, shots: Path
) -> None:
    s = served
    await _setup(s)
    await _user_writes(s, "sandbox-unreachable", "전화가 안 돼요")
    message = {
        "sender": SENDER,
        "destinations": [{"to": "sandbox-unreachable"}],
        "content": {"type": "TEXT", "text": "다시 연락드리겠습니다"},
        "webhooks": {"delivery": {"url": "http://127.0.0.1:9/dlr", "intermediateReport": True}},  # nothing listens
    }
    r = await s.api.post("/kakao-sangdam/1/messages", json={"messages": [message]})
    assert r.status_code == 200, r.text
    message_id = r.json()["messages"][0]["messageId"]
    page = await browser.new_page(viewport=DESKTOP)
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/messages/{message_id}")
    timeline = page.locator(".timeline")
    await expect(timeline).to_contain_text("Accepted")
    await s.gateway.advance_clock(START_MS + 30 * 60_000)  # the retries and the push retries play out
    await expect(timeline).to_contain_text("EC_ABSENT_SUBSCRIBER", timeout=15_000)  # no reload: the page polls
    await expect(timeline).to_contain_text("attempts")
    await expect(timeline).to_contain_text("Webhook push failed")
    await page.screenshot(path=str(shots / "timeline-retries-1440.png"), full_page=True)
