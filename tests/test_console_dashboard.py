"""The console dashboard over HTTP: an account's last hour (its own messages only), and the operator's view of the
whole gateway (final outcomes, failovers, the queue, the webhook success rate)."""

from __future__ import annotations

import re

import httpx

from kakao_gateway.app import Gateway

from .conftest import ADMIN_KEY, API_KEY, Receiver
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, register_basics
from .sangdam_helpers import sangdam_body, send, setup_sender, user_writes


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
        assert "<dt>done</dt><dd>4</dd>" in page
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
