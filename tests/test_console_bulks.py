"""The console's Bulks pages over HTTP: the account's bulks newest first, progress, pause, resume and cancel; and
nothing of another account's."""

from __future__ import annotations

import httpx

from kakao_gateway.app import Gateway

from .conftest import API_KEY, START_MS
from .console_helpers import browser_client, sign_in
from .sangdam_helpers import sangdam_body, send, setup_sender

DAY_MS = 86_400_000


def _tomorrow() -> str:
    from kakao_gateway.domain.times import format_ms

    return format_ms(START_MS + DAY_MS)


async def test_pause_resume_and_cancel_a_bulk(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await setup_sender(client)
    body = sangdam_body("user-1", "user-2", "user-3")
    body["options"] = {"schedule": {"bulkId": "evening-사은품", "sendAt": _tomorrow()}}
    await send(client, body)
    await send(client, sangdam_body("user-9"))
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        listed = (await c.get("/console/bulks")).text
        assert "evening-사은품" in listed and listed.count("<tr>") == 3
        page = await c.get("/console/bulks/evening-사은품")
        assert page.status_code == 200 and "PENDING" in page.text and "<dt>total</dt><dd>3</dd>" in page.text
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        paused = await c.post("/console/bulks/evening-사은품/pause", headers=headers)
        assert paused.status_code == 200 and "PAUSED" in paused.text and "Resume" in paused.text
        status = (await client.get("/kakao/1/bulks/status", params={"bulkId": "evening-사은품"})).json()
        assert status["status"] == "PAUSED"
        resumed = await c.post("/console/bulks/evening-사은품/resume", headers=headers)
        assert "PENDING" in resumed.text and "Pause" in resumed.text
        canceled = await c.post("/console/bulks/evening-사은품/cancel", headers=headers)
        assert "CANCELED" in canceled.text and "<dt>canceled</dt><dd>3</dd>" in canceled.text
        again = await c.post("/console/bulks/evening-사은품/resume", headers=headers)
        assert again.status_code == 409 and "canceled" in again.text
        assert (await c.post("/console/bulks/evening-사은품/explode", headers=headers)).status_code == 404
        assert (await c.post("/console/bulks/evening-사은품/pause")).status_code == 403, "CSRF"

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        assert "evening" not in (await c.get("/console/bulks")).text
        assert (await c.get("/console/bulks/evening-사은품")).status_code == 404
        r = await c.post("/console/bulks/evening-사은품/pause", headers={"X-CSRF-Token": token})
        assert r.status_code == 404
