"""The account's dashboard in real headless Chromium (issue 21, item 2): ranges, rates, the chart with its axes and
the ranked lists, readable at 1440 and 390 pixels wide, its numbers those of `GET /kakao/1/stats`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, expect

from .conftest import API_KEY
from .helpers import alim_body, register_basics
from .test_console_browser import DESKTOP, _sign_in

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixtures: served, browser, shots
NARROW = {"width": 390, "height": 844}


async def test_the_dashboard_at_both_widths(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await register_basics(s.api)
    spring = {"options": {"campaignReferenceId": "spring-sale"}}
    numbers = [f"82101234{n:04d}" for n in range(1, 9)]  # ordinary numbers: delivered
    for body in (alim_body(*numbers, message=spring), alim_body("821000000002", "821000000003")):
        assert (await s.api.post("/kakao-alim/1/messages", json=body)).status_code == 200
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await page.get_by_role("link", name="Dashboard").click()
    messages = page.locator(".stat-messages")
    await expect(messages).to_have_text("10", timeout=15_000)  # the engine delivers; the panel refreshes itself
    await expect(page.locator(".stat-delivery")).to_have_text("80.0 %")
    await expect(page.locator(".ranked").filter(has_text="campaigns")).to_contain_text("spring-sale")
    await expect(page.locator(".y-axis")).to_contain_text("0")
    await page.screenshot(path=str(shots / "dashboard-1440.png"), full_page=True)

    await page.get_by_role("link", name="30 days").click()
    await expect(page.get_by_role("link", name="30 days")).to_have_attribute("aria-current", "page")
    await expect(messages).to_have_text("10")
    await expect(page.locator("#dashboard")).to_contain_text("per day")
    stats = (await s.api.get("/kakao/1/stats", params={"granularity": "DAY"})).json()["results"]
    assert sum(row["messages"] for row in stats) == 10

    await page.set_viewport_size(NARROW)
    await page.goto(f"{s.url}/console/dashboard?range=24h")
    await expect(messages).to_have_text("10")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"the dashboard scrolls sideways at 390 px ({width} px wide)"
    await page.screenshot(path=str(shots / "dashboard-390.png"), full_page=True)
    await context.close()
