"""Campaigns in the console over HTTP (issue 21, item 1): a recipient file in CSV (UTF-8 or CP949) or Excel, its
columns mapped to the number and the template's variables (guessed from the header), rows that cannot be sent listed
before sending, the first message previewed, and the campaign sent as one bulk through the Alim send path."""

from __future__ import annotations

import io
import re
import zipfile

import httpx
from openpyxl import Workbook

from kakao_gateway.app import Gateway
from kakao_gateway.store import bulks

from .conftest import API_KEY
from .console_helpers import browser_client, sign_in
from .helpers import SENDER, TEMPLATE_CODE, register_basics

CSV = "이름,휴대폰,주문번호\n지민,010-1234-0001,A-1\n서준,01012340002,A-2\n하윤,12345,A-3\n도윤,010-1234-0004,\n"


async def _upload(c: httpx.AsyncClient, token: str, name: str, data: bytes, kind: str) -> str:
    r = await c.post(
        "/console/campaigns",
        files={"file": (name, data, kind)},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert r.status_code == 204, r.text
    return r.headers["hx-redirect"]


async def test_a_csv_campaign_from_upload_to_bulk(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        page = await _upload(c, token, "봄 세일.csv", CSV.encode("cp949"), "text/csv")  # as Korean Excel saves it
        draft = (await c.get(page)).text
        assert "4 rows" in draft and "지민" in draft, "the rows, decoded from CP949"
        # the number column is guessed from its header (휴대폰); the variables are mapped by hand
        checked = (await c.get(page, params={"var_name": "0", "var_order": "2"})).text
        assert "2 messages will be sent" in checked and "2 rows left out" in checked
        assert "row 4: &#39;12345&#39; is no phone number we send to" in checked
        assert "row 5: no value for order" in checked
        assert "Hello 지민, your order A-1 has shipped." in checked, "the first recipient's message"

        form = {
            "template": f"{SENDER}/{TEMPLATE_CODE}",
            "to": "1",
            "var_name": "0",
            "var_order": "2",
            "campaignReferenceId": "spring-sale",
            "speedAmount": "100",
            "speedUnit": "MINUTE",
        }
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        slow = {**form, "speedAmount": "1", "speedUnit": "HOUR"}
        planned = await c.post(f"{page}/plan", data=slow, headers=headers)
        assert planned.status_code == 200 and planned.text.count("<rect") == 2, "one message an hour: two hours"
        assert "<strong>2</strong> messages" in planned.text
        assert (await client.get("/kakao-alim/1/logs")).json()["results"] == [], "a plan sends nothing"
        sent = await c.post(f"{page}/send", data=form, headers=headers)
        assert sent.status_code == 204, sent.text
        bulk_id = sent.headers["hx-redirect"].rsplit("/", 1)[1]
        again = await c.post(f"{page}/send", data=form, headers=headers)
        assert again.status_code == 409, "sent once"
        await gateway.engine.run_until_idle()
        logs = (await client.get("/kakao-alim/1/logs", params={"bulkId": bulk_id})).json()["results"]
        assert sorted((e["destination"], e["content"]["text"]) for e in logs) == [
            ("821012340001", "Hello 지민, your order A-1 has shipped."),
            ("821012340002", "Hello 서준, your order A-2 has shipped."),
        ]
        assert {e["campaignReferenceId"] for e in logs} == {"spring-sale"}
        listed = (await c.get("/console/campaigns")).text
        assert "봄 세일.csv" in listed and bulk_id in listed and "2 accepted" in listed
        assert "2 messages accepted" in (await c.get(page)).text
        bulk = await gateway.db.read(bulks.get_bulk(gateway.default_account_id, bulk_id))
        assert bulk is not None and (bulk.speed_amount, bulk.speed_unit) == (100, "MINUTE"), "paced as asked"


async def test_an_excel_campaign_and_refusals(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await register_basics(client)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["to", "name", "order"])
    sheet.append([1012340001, "지민", 1234])  # a phone number typed as a number: Excel drops its leading 0
    sheet.append(["010-1234-0002", "서준", "A-2"])
    data = io.BytesIO()
    book.save(data)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        page = await _upload(c, token, "list.xlsx", data.getvalue(), "application/octet-stream")
        checked = (await c.get(page)).text
        assert "2 messages will be sent" in checked, "number, name and order guessed from the header"
        assert "Hello 지민, your order 1234 has shipped." in checked and "821012340001" in checked

        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        for name, bad in (("empty.csv", b""), ("header-only.csv", b"to,name\n"), ("junk.xlsx", b"PK\x03\x04junk")):
            r = await c.post("/console/campaigns", files={"file": (name, bad, "text/csv")}, headers=headers)
            assert r.status_code == 400, name
        latin1 = "to,name\n01012340001,Zoë\n".encode("utf-16")
        r = await c.post("/console/campaigns", files={"file": ("utf16.csv", latin1, "text/csv")}, headers=headers)
        assert r.status_code == 400 and "UTF-8 or CP949" in r.text
        no_csrf = await c.post("/console/campaigns", files={"file": ("a.csv", CSV.encode(), "text/csv")})
        assert no_csrf.status_code == 403
        campaign_id = page.rsplit("/", 1)[1]

    other = (await admin.post("/admin/1/accounts", json={"name": "other"})).json()
    key = (await admin.post(f"/admin/1/accounts/{other['id']}/keys", json={"scopes": ["kakao:manage"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, key)
        assert (await c.get(f"/console/campaigns/{campaign_id}")).status_code == 404
        assert "list.xlsx" not in (await c.get("/console/campaigns")).text
        form = {"template": f"{SENDER}/{TEMPLATE_CODE}", "to": "0"}
        r = await c.post(f"/console/campaigns/{campaign_id}/send", data=form, headers={"X-CSRF-Token": token})
        assert r.status_code == 404


async def test_the_campaign_page_offers_approved_templates_only(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        page = await _upload(c, token, "a.csv", CSV.encode(), "text/csv")
        unmapped = (await c.get(page)).text
        assert "Choose the column that fills each variable: name, order" in unmapped and 'name="sendAt"' not in unmapped
        html = (await c.get(page, params={"var_name": "0", "var_order": "2"})).text
        assert re.search(rf'<option value="{SENDER}/{TEMPLATE_CODE}"\s+selected>', html)
        assert 'name="sendAt"' in html and "Start at (KST" in html


async def test_agents_see_campaigns_but_only_managers_send_them(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await register_basics(client)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        page = await _upload(c, token, "a.csv", CSV.encode(), "text/csv")
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    agent = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()["key"]
    async with browser_client(gateway) as c:
        token = await sign_in(c, agent)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        listed = (await c.get("/console/campaigns")).text
        assert "a.csv" in listed and 'name="file"' not in listed
        shown = (await c.get(page, params={"var_name": "0", "var_order": "2"})).text
        assert "2 messages will be sent" in shown and 'name="sendAt"' not in shown
        form = {"template": f"{SENDER}/{TEMPLATE_CODE}", "to": "1", "var_name": "0", "var_order": "2"}
        for path in (f"{page}/send", f"{page}/plan"):
            assert (await c.post(path, data=form, headers=headers)).status_code == 403, path
        upload = await c.post(
            "/console/campaigns", files={"file": ("b.csv", CSV.encode(), "text/csv")}, headers=headers
        )
        assert upload.status_code == 403
    assert (await client.get("/kakao-alim/1/logs")).json()["results"] == []


async def test_files_that_would_exhaust_memory_or_break_the_parser_are_refused(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    """Found by review: a workbook claiming a huge size, a CSV of blank lines, an unbalanced quote, broken XML."""
    await register_basics(client)
    claims_huge = io.BytesIO()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["to", "name", "order"])
    sheet.cell(row=1000, column=1, value="010-1234-0001")
    book.save(claims_huge)
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(claims_huge.getvalue())) as src, zipfile.ZipFile(patched, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            out.writestr(item, data)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(claims_huge.getvalue())) as src, zipfile.ZipFile(broken, "w") as out:
        for item in src.infolist():
            out.writestr(
                item, b"<worksheet><sheetData><row" if item.filename.endswith("sheet1.xml") else src.read(item)
            )
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        page = await _upload(c, token, "claims-huge.xlsx", patched.getvalue(), "application/octet-stream")
        shown = (await c.get(page)).text
        assert "1 rows" in shown, "the sheet's own claim of 1,048,576 rows is not believed"
        for name, data in (
            ("blank.csv", b"to,name\n" + b"\n" * 2_000_000),
            ("quote.csv", b'to,name\n"010-1234-0001,' + b"x" * 200_000 + b"\n"),
            ("broken.xlsx", broken.getvalue()),
        ):
            r = await c.post("/console/campaigns", files={"file": (name, data, "text/csv")}, headers=headers)
            assert r.status_code == 400, (name, r.status_code, r.text[:200])


async def test_rows_keep_their_spreadsheet_numbers_and_crafted_values_are_ignored(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    await register_basics(client)
    with_blanks = "to,name,order\n010-1234-0001,지민,A-1\n\n\n12345,서준,A-2\n"
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        page = await _upload(c, token, "blanks.csv", with_blanks.encode(), "text/csv")
        shown = (await c.get(page)).text
        assert "row 5: &#39;12345&#39;" in shown, "blank lines count, as in the spreadsheet"
        assert "2 rows" in shown, "blank lines are no recipients"
        crafted = await c.get(page, params={"var_name": "²", "to": "99999999999999999999"})
        assert crafted.status_code == 200
        phone = await c.get("/console/phone", params={"number": "010-1234-0001", "before": "99999999999999999999"})
        assert phone.status_code == 200
        phone = await c.get("/console/phone", params={"number": "010-1234-0001", "before": "²"})
        assert phone.status_code == 200
