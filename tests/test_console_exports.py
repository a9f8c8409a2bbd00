"""CSV exports of the console (issue 21, item 3): a history search's messages, a bulk's messages and a Sangdam
transcript, as UTF-8 with a byte-order mark (Excel opens Korean correctly), streamed across pages, times in the
viewer's zone, formula-like cells quoted; nothing of another account's."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import httpx

from kakao_gateway.app import Gateway

from .conftest import API_KEY
from .console_helpers import browser_client, sign_in
from .helpers import alim_body, register_basics, send, settle
from .sangdam_helpers import setup_sender, user_writes

KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9"}


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith("\ufeff".encode()), "a byte-order mark first, for Excel"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


async def test_history_and_bulk_exports(gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await register_basics(client)
    campaign = {"options": {"campaignReferenceId": "봄-세일"}}
    body = alim_body(
        "821012340001", "821012340002", message={**campaign, "webhooks": {"callbackData": "=HYPERLINK(1)"}}
    )
    body["options"] = {"schedule": {"bulkId": "spring-1"}}
    first = await send(client, body)
    await send(client, alim_body("821012340003"))
    await settle(gateway)
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        everything = _rows(await c.get("/console/history/export.csv"))
        assert len(everything) == 3
        spring = _rows(await c.get("/console/history/export.csv", params={"campaignReferenceId": "봄-세일"}))
        assert sorted(r["destination"] for r in spring) == ["821012340001", "821012340002"]
        row = spring[0]
        assert row["statusGroup"] == "DELIVERED" and row["status"] == "DELIVERED_TO_HANDSET"
        assert (
            row["bulkId"] == "spring-1" and row["campaignReferenceId"] == "봄-세일" and row["channel"] == "KAKAO_ALIM"
        )
        assert row["callbackData"] == "'=HYPERLINK(1)", "a formula-like cell is quoted"
        assert {m["messageId"] for m in first["messages"]} == {r["messageId"] for r in spring}
        assert "acceptedAt (KST)" in row and row["doneAt (KST)"] >= row["sentAt (KST)"] >= row["acceptedAt (KST)"]
        assert (await c.get("/console/zone/UTC")).status_code in (200, 204, 303)
        utc = _rows(await c.get("/console/history/export.csv"))
        assert "acceptedAt (UTC)" in utc[0] and "acceptedAt (KST)" not in utc[0]
        in_kst = {r["messageId"]: datetime.fromisoformat(r["acceptedAt (KST)"]) for r in everything}
        in_utc = {r["messageId"]: datetime.fromisoformat(r["acceptedAt (UTC)"]) for r in utc}
        assert {m: in_kst[m] - in_utc[m] for m in in_utc} == {m: timedelta(hours=9) for m in in_kst}

        bulk = await c.get("/console/bulks/spring-1/export.csv")
        assert sorted(r["destination"] for r in _rows(bulk)) == ["821012340001", "821012340002"]
        assert "bulk-spring-1.csv" in bulk.headers["content-disposition"]
        page = (await c.get("/console/bulks/spring-1")).text
        assert "/console/bulks/spring-1/export.csv" in page
        listing = (await c.get("/console/history", params={"campaignReferenceId": "봄-세일"})).text
        assert "/console/history/export.csv?campaignReferenceId=" in listing

        assert (await c.get("/console/bulks/no-such-bulk/export.csv")).status_code == 404
        bad = await c.get("/console/history/export.csv", params={"since": "2026-12-02", "until": "2026-12-01"})
        assert bad.status_code == 400 and "until" in bad.text

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()["key"]
    async with browser_client(gateway) as c:
        await sign_in(c, key)
        assert _rows(await c.get("/console/history/export.csv")) == []
        assert (await c.get("/console/bulks/spring-1/export.csv")).status_code == 404


async def test_an_export_streams_every_page(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    destinations = [f"8210{n:08d}" for n in range(2_345)]  # more than two pages of the export's reads
    body = alim_body(*destinations)
    body["options"] = {"schedule": {"bulkId": "big"}}
    await send(client, body)
    async with browser_client(gateway) as c:
        await sign_in(c, API_KEY)
        rows = _rows(await c.get("/console/bulks/big/export.csv"))
    assert len(rows) == 2_345 and len({r["messageId"] for r in rows}) == 2_345
    assert sorted(r["destination"] for r in rows) == destinations
    assert {r["statusGroup"] for r in rows} == {"PENDING"}, "unfinished messages are exported with their status"


async def test_transcript_export(gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "배송은 언제 오나요?")
    await user_writes(client, "user-1", "-주문번호 1234")
    session = wrote["sessionId"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        reply = await c.post(
            f"/console/inbox/{session}/reply", data={"type": "TEXT", "text": "내일 도착합니다"}, headers=headers
        )
        assert reply.status_code == 200
        await settle(gateway)
        chat = (await c.get(f"/console/inbox/{session}")).text
        assert f"/console/inbox/{session}/transcript.csv" in chat
        rows = _rows(await c.get(f"/console/inbox/{session}/transcript.csv", headers=KOREAN))
        assert [(r["direction"], r["text"]) for r in rows] == [
            ("INBOUND", "배송은 언제 오나요?"),
            ("INBOUND", "'-주문번호 1234"),
            ("OUTBOUND", "내일 도착합니다"),
        ]
        assert all(r["at (KST)"] for r in rows) and rows[0]["type"] == "TEXT"
        assert (await c.get("/console/inbox/no-such-session/transcript.csv")).status_code == 404

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()["key"]
    async with browser_client(gateway) as c:
        await sign_in(c, key)
        assert (await c.get(f"/console/inbox/{session}/transcript.csv")).status_code == 404
