"""The console dashboard over HTTP: an account's statistics over a range (its own messages only, the figures of
`GET /kakao/1/stats`), and the operator's view of the whole gateway (final outcomes, failovers, the queue, the
webhook success rate)."""

from __future__ import annotations

import html
import re

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain.times import format_ms

from .conftest import ADMIN_KEY, API_KEY, START_MS, Receiver
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, register_basics
from .helpers import send as send_alim
from .sangdam_helpers import sangdam_body, send, setup_sender, user_writes


def _tile(html: str, name: str) -> str:
    found = re.search(rf'<strong class="stat-{name}">([^<]*)</strong>', html)
    assert found, name
    return found.group(1)


def _legend(html: str, key: str) -> int:
    found = re.findall(rf"</span>{key} <strong>(\d+)</strong>", html)
    assert found, key
    return int(found[0])


async def test_account_and_gateway_dashboards(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    await register_basics(client)
    await setup_sender(client)
    await user_writes(client, "user-1", "hi")
    receiver.status = 500  # every report push fails
    hooks = {"webhooks": {"delivery": {"url": "http://hooks.test/dlr"}}}
    r = await client.post("/kakao-alim/1/messages", json=alim_body("821000000001", "821000000002", message=hooks))
    assert r.status_code == 200, r.text
    await send(client, sangdam_body("user-1"))
    await send(client, sangdam_body("nobody"))  # no session: undeliverable
    await gateway.engine.run_until_idle()

    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        page = (await c.get("/console/dashboard")).text
        assert _legend(page, "ALIM") == 2 and _legend(page, "SANGDAM") == 2 and _legend(page, "BRAND") == 0
        assert _legend(page, "DELIVERED") + _legend(page, "UNDELIVERABLE") == 4 and _legend(page, "UNDELIVERABLE") >= 1
        assert _tile(page, "messages") == "4"
        panel = await c.get("/console/dashboard/panel")
        assert panel.status_code == 200 and "<svg" in panel.text and "<html" not in panel.text

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        await sign_in(c, key)
        page = (await c.get("/console/dashboard")).text
        assert _legend(page, "ALIM") == 0 and _legend(page, "SANGDAM") == 0 and _legend(page, "DELIVERED") == 0

    async with browser_client(gateway) as c:
        await sign_in(c, ADMIN_KEY)
        page = (await c.get("/console/dashboard")).text
        assert "the whole gateway" in page and _legend(page, "ALIM") == 2 and _legend(page, "SANGDAM") == 2
        assert "Webhook success" in page and "0.0 %" in page and re.search(r"0 pushed · [1-9]\d* failed", page)
        assert "Queue by state" in page


async def test_the_account_dashboard_equals_the_stats_api(
    gateway: Gateway, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    """Issue 21, item 2: ranges, delivery and failover rates, breakdowns and top lists, from the statistics."""
    await register_basics(client)
    spring = {"options": {"campaignReferenceId": "spring"}}
    await send_alim(client, alim_body("821000000001", "821000000001", "821000000002", message=spring))
    await send_alim(client, alim_body("821000000003"))
    await gateway.engine.run_until_idle()
    clock.advance(3 * 86_400)
    await send_alim(client, alim_body("821000000001"))
    await gateway.engine.run_until_idle()

    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        week = (await c.get("/console/dashboard", params={"range": "7d"})).text
        assert _tile(week, "messages") == "5" and _tile(week, "delivery") == "60.0 %"
        assert _legend(week, "DELIVERED") == 3 and _legend(week, "UNDELIVERABLE") == 2 and _legend(week, "ALIM") == 5
        errors = dict(re.findall(r'<code>(EC_\w+)</code></td><td class="num">(\d+)</td></tr>', week))
        assert errors == {"EC_UNKNOWN_USER": "1", "EC_BLOCKED_USER": "1"}
        assert re.search(r"<code>spring</code></td><td class=\"num\">3</td><td class=\"num\">66.7 %</td>", week)
        day = (await c.get("/console/dashboard", params={"range": "24h"})).text
        assert _tile(day, "messages") == "1" and _tile(day, "delivery") == "100.0 %"
        hour = (await c.get("/console/dashboard", params={"range": "1h"})).text
        assert _tile(hour, "messages") == "1" and "per minute" in hour
        month = (await c.get("/console/dashboard", params={"range": "30d"})).text
        assert _tile(month, "messages") == "5" and "per day" in month

        # the same figures from the API, for the range the page names
        link = re.search(r'<a href="(/kakao/1/stats\?[^"]+)">', week)
        assert link
        api = (await client.get(html.unescape(link.group(1)))).json()["results"]
        by_group: dict[str, int] = {}
        for row in api:
            by_group[row["statusGroup"]] = by_group.get(row["statusGroup"], 0) + row["messages"]
        assert by_group == {"DELIVERED": 3, "UNDELIVERABLE": 2}
        assert len(re.findall(r"<rect ", week)) == sum(1 for _ in api), "one bar segment per period and group"

        first_day = format_ms(START_MS)[:10]
        custom = await c.get("/console/dashboard", params={"range": "custom", "from": first_day, "to": first_day})
        assert custom.status_code == 200 and _tile(custom.text, "messages") == "4"
        backwards = {"range": "custom", "from": "2026-12-02", "to": "2026-12-01"}
        assert (await c.get("/console/dashboard", params=backwards)).status_code == 400
        assert (await c.get("/console/dashboard", params={"range": "forever"})).status_code == 400
