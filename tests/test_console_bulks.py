"""The console's Bulks pages over HTTP: the account's bulks newest first, progress, pause, resume and cancel; and
nothing of another account's."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.domain.times import format_ms

from .conftest import API_KEY, START_MS
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, settle
from .sangdam_helpers import sangdam_body, send, setup_sender

DAY_MS = 86_400_000


def when_kst(ms: int) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, ZoneInfo('Asia/Seoul')):%Y-%m-%d %H:%M:%S} KST"


def _tomorrow() -> str:
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
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        assert "evening" not in (await c.get("/console/bulks")).text
        assert (await c.get("/console/bulks/evening-사은품")).status_code == 404
        r = await c.post("/console/bulks/evening-사은품/pause", headers={"X-CSRF-Token": token})
        assert r.status_code == 404


async def test_repace_reschedule_and_plan(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await setup_sender(client)
    body = sangdam_body("user-1", "user-2", "user-3")
    body["options"] = {"schedule": {"bulkId": "later", "sendAt": _tomorrow()}}
    await send(client, body)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        page = (await c.get("/console/bulks/later")).text
        assert "Re-pace" in page and "Reschedule" in page
        paced = await c.post("/console/bulks/later/speed", data={"amount": "2", "unit": "HOUR"}, headers=headers)
        assert paced.status_code == 200 and "2 per hour" in paced.text
        bad = await c.post("/console/bulks/later/speed", data={"amount": "lots", "unit": "HOUR"}, headers=headers)
        assert bad.status_code == 400
        later = format_ms(START_MS + 2 * DAY_MS)
        moved = await c.post("/console/bulks/later/schedule", data={"sendAt": later}, headers=headers)
        assert moved.status_code == 200 and "Rescheduled" in moved.text, moved.text
        schedule = (await client.get("/kakao/1/bulks", params={"bulkId": "later"})).json()
        assert schedule["sendAt"] == later
        past = await c.post("/console/bulks/later/schedule", data={"sendAt": "yesterday"}, headers=headers)
        assert past.status_code == 400

        assert "Plan a send" in (await c.get("/console/bulks/plan")).text
        alim = alim_body("821000000001", "821000000002", "821000000003")
        alim["options"] = {"schedule": {"sendingSpeedLimit": {"amount": 1, "timeUnit": "HOUR"}}}
        planned = await c.post(
            "/console/bulks/plan", data={"channel": "ALIM", "body": json.dumps(alim)}, headers=headers
        )
        assert planned.status_code == 200, planned.text
        assert "<strong>3</strong> messages" in planned.text and planned.text.count("<rect") == 3
        broken = await c.post("/console/bulks/plan", data={"channel": "ALIM", "body": "{"}, headers=headers)
        assert broken.status_code == 400 and "not JSON" in broken.text
        invalid = await c.post("/console/bulks/plan", data={"channel": "ALIM", "body": "{}"}, headers=headers)
        assert invalid.status_code == 400 and "messages" in invalid.text


async def test_agents_watch_bulks_but_only_managers_steer_them(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await setup_sender(client)
    body = sangdam_body("user-1")
    body["options"] = {"schedule": {"bulkId": "watched", "sendAt": _tomorrow()}}
    await send(client, body)
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    agent = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, agent)
        page = (await c.get("/console/bulks/watched")).text
        assert "PENDING" in page and "Pause" not in page and "Re-pace" not in page
        headers = {"X-CSRF-Token": token}
        for path, data in (
            ("pause", {}),
            ("speed", {"amount": "1", "unit": "HOUR"}),
            ("schedule", {"sendAt": _tomorrow()}),
        ):
            assert (await c.post(f"/console/bulks/watched/{path}", data=data, headers=headers)).status_code == 403
    status = (await client.get("/kakao/1/bulks/status", params={"bulkId": "watched"})).json()
    assert status["status"] == "PENDING"


async def test_finished_and_canceled_bulks_say_so_and_offer_no_steering(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    """Issue 21: finished bulks were listed as "active" and still offered re-pace and reschedule."""
    await setup_sender(client)
    done = sangdam_body("user-1", "user-2")
    done["options"] = {"schedule": {"bulkId": "sent-already"}}
    await send(client, done)
    await settle(gateway)
    later = sangdam_body("user-3")
    later["options"] = {"schedule": {"bulkId": "called-off", "sendAt": _tomorrow()}}
    await send(client, later)
    waiting = sangdam_body("user-4")
    waiting["options"] = {"schedule": {"bulkId": "still-waiting", "sendAt": _tomorrow()}}
    await send(client, waiting)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        assert (await c.post("/console/bulks/called-off/cancel", headers=headers)).status_code == 200
        listed = (await c.get("/console/bulks")).text
        statuses = dict(re.findall(r"<code>([\w-]+)</code></a></td><td>\w+</td><td>(\w+)</td>", listed))
        assert statuses == {"sent-already": "FINISHED", "called-off": "CANCELED", "still-waiting": "PENDING"}
        assert "active" not in listed
        for bulk in ("sent-already", "called-off"):
            page = (await c.get(f"/console/bulks/{bulk}")).text
            assert "Re-pace" not in page and "Reschedule" not in page and "Pause" not in page, bulk
        page = (await c.get("/console/bulks/still-waiting")).text
        assert "Re-pace" in page and "Reschedule" in page


async def test_a_paced_bulk_says_when_its_last_message_leaves(gateway: Gateway, client: httpx.AsyncClient) -> None:
    """Issue 21: the bulk page shows live progress and an ETA."""
    await setup_sender(client)
    body = sangdam_body("user-1", "user-2", "user-3")
    body["options"] = {
        "schedule": {"bulkId": "paced", "sendAt": _tomorrow(), "sendingSpeedLimit": {"amount": 1, "timeUnit": "HOUR"}}
    }
    await send(client, body)
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        page = (await c.get("/console/bulks/paced")).text
        eta = re.search(r'<strong class="bulk-eta">([^<]+)</strong>', page)
        assert eta, page
        # three messages at one an hour from tomorrow: the last leaves two hours after the first
        assert eta.group(1) == when_kst(START_MS + DAY_MS + 2 * 3_600_000)
