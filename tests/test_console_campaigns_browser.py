"""A campaign of 100,000 recipients in real headless Chromium (issue 21, item 1): the file dropped on the page,
parsed on the server, its mapping guessed, the first message previewed, sent as one bulk whose page shows it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import Browser, expect

from .conftest import API_KEY
from .helpers import register_basics
from .test_console_browser import DESKTOP, _sign_in

if TYPE_CHECKING:
    from .browser import Served

pytest_plugins = ("tests.browser",)  # its fixtures: served, browser, shots
ROWS = 100_000
CSV = "전화번호,name,order\n" + "".join(
    f"010-{n // 10_000 + 2000:04d}-{n % 10_000:04d},고객{n},A-{n}\n" for n in range(ROWS)
)


async def test_a_100000_row_campaign(served: Served, browser: Browser, shots: Path) -> None:
    s = served
    await register_basics(s.api)
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await _sign_in(page, s, API_KEY)
    await page.get_by_role("link", name="Campaigns").click()
    await expect(page.get_by_role("heading", name="Campaigns")).to_be_visible()
    file = {"name": "겨울 세일.csv", "mimeType": "text/csv", "buffer": CSV.encode("cp949")}
    await page.get_by_label("Recipients", exact=False).set_input_files(files=[file])
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_text("100000 rows")).to_be_visible(timeout=60_000)
    await expect(page.locator(".campaign-count")).to_contain_text("100000 messages will be sent", timeout=60_000)
    await expect(page.locator(".campaign-preview")).to_contain_text("Hello 고객0, your order A-0 has shipped.")
    await page.screenshot(path=str(shots / "campaign-1440.png"), full_page=True)
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_role("heading", name="Bulk")).to_be_visible(timeout=120_000)
    await expect(page.locator("#bulk")).to_contain_text("100000", timeout=30_000)
    await page.get_by_role("link", name="Campaigns").click()
    await expect(page.locator("table.campaigns")).to_contain_text("100000 accepted")
    await context.close()


async def test_a_file_dropped_on_the_page_is_uploaded(served: Served, browser: Browser) -> None:
    s = served
    await register_basics(s.api)
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await _sign_in(page, s, API_KEY)
    await page.goto(f"{s.url}/console/campaigns")
    drop = """zone => {
        const data = new DataTransfer();
        data.items.add(new File(["to,name,order\\n010-2000-0001,지민,A-1\\n"], "dropped.csv", {type: "text/csv"}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
    }"""
    await page.locator("[data-dropzone]").evaluate(drop)
    await expect(page.locator(".campaign-count")).to_contain_text("1 messages will be sent", timeout=15_000)
    await expect(page.get_by_role("heading", name="Campaign")).to_contain_text("dropped.csv")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    await page.get_by_role("button", name="Plan (dry run)").click()
    await expect(page.locator("#campaign-plan")).to_contain_text("messages: first at")
    assert asked == [], "a dry run asks nothing"
    await context.close()
