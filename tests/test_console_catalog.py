"""The console's Templates & senders and Settings pages over HTTP: senders, Alim inspection decided by hand in the
sandbox, Brand templates, subscriptions, the signing secret, and the account's API keys (managers only)."""

from __future__ import annotations

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.config import Settings

from .conftest import ADMIN_KEY, API_KEY
from .console_helpers import browser_client, sign_in
from .helpers import SENDER
from .test_brand_templates import TEXT, create, template


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Templates wait an hour for the sandbox's inspection (unless decided by hand)."""
    return Settings(
        database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, engine=False, template_approval_delay_s=3600
    )


async def test_senders_templates_and_inspection(gateway: Gateway, client: httpx.AsyncClient) -> None:
    assert (await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "상담 채널"})).status_code == 200
    for code in ("ORDER", "PROMO"):
        body = {"sender": SENDER, "templateCode": code, "name": f"{code} 안내", "text": "#{name}님, 안녕하세요."}
        assert (await client.post("/kakao-alim/1/templates", json=body)).status_code == 200
    brand_code = await create(client, template(TEXT))
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        page = (await c.get("/console/templates")).text
        assert brand_code in page and ">TEXT<" in page
        assert "상담 채널" in page and page.count(">REQUESTED<") == 2 and "Approve" in page
        ok = await c.post(f"/console/templates/{SENDER}/ORDER/approve", headers=headers)
        assert ok.status_code == 200 and "Decided: APPROVED" in ok.text
        bare = await c.post(f"/console/templates/{SENDER}/PROMO/reject", headers=headers)
        assert bare.status_code == 400 and "say why" in bare.text
        no = await c.post(f"/console/templates/{SENDER}/PROMO/reject", data={"comment": "광고성 문구"}, headers=headers)
        assert no.status_code == 200 and "REJECTED" in no.text and "광고성 문구" in no.text
        again = await c.post(f"/console/templates/{SENDER}/PROMO/approve", headers=headers)
        assert again.status_code == 404
        added = await c.post("/console/senders", data={"sender": "SECOND", "name": "둘째"}, headers=headers)
        assert added.status_code == 200 and "둘째" in added.text
    templates = {t["templateCode"]: t for t in (await client.get("/kakao-alim/1/templates")).json()["results"]}
    assert templates["ORDER"]["status"] == "APPROVED"
    promo = templates["PROMO"]
    assert promo["status"] == "REJECTED" and promo["comments"][-1]["text"] == "광고성 문구"
    assert promo["comment"] == "광고성 문구"  # the field existing clients read
    senders = [s["sender"] for s in (await client.get("/kakao/1/senders")).json()["results"]]
    assert "SECOND" in senders


async def test_settings_subscriptions_signing_and_keys(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    agent = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        assert (await c.get("/console/settings")).status_code == 200
        saved = await c.post(
            "/console/subscriptions/SANGDAM",
            data={
                "reportUrl": "http://hooks.test/dlr",
                "inboundUrl": "http://hooks.test/in",
                "contentType": "application/json",
            },
            headers=headers,
        )
        assert saved.status_code == 200 and "saved" in saved.text
        bad = await c.post("/console/subscriptions/ALIM", data={"reportUrl": "ftp://x"}, headers=headers)
        assert bad.status_code == 400
        subs = (await client.get("/kakao/1/subscriptions")).json()
        assert subs["SANGDAM"]["inboundUrl"] == "http://hooks.test/in"

        secret = await c.post("/console/signing/generate", headers=headers)
        assert secret.status_code == 200 and "not shown again" in secret.text
        assert (await client.get("/kakao/1/webhook-signing")).json()["enabled"] is True
        assert (await c.post("/console/signing/disable", headers=headers)).status_code == 200
        assert (await client.get("/kakao/1/webhook-signing")).json()["enabled"] is False

        made = await c.post("/console/keys", data={"name": "reports", "scopes": "kakao:logs:read"}, headers=headers)
        assert made.status_code == 200 and "not shown again" in made.text
        key = made.text.split('class="secret">')[1].split("<")[0]
        assert (await client.get("/kakao-alim/1/logs", headers={"Authorization": f"App {key}"})).status_code == 200
        none = await c.post("/console/keys", data={"name": "x"}, headers=headers)
        assert none.status_code == 400
        keys_page = (await c.get("/console/settings")).text
        assert "reports" in keys_page
        revoked = await c.post(f"/console/keys/{agent['id']}/revoke", headers=headers)
        assert revoked.status_code == 200 and "Revoked" in revoked.text

    async with browser_client(gateway) as c:
        narrow = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["kakao:manage"]})).json()
        token = await sign_in(c, narrow["key"])
        beyond = await c.post(
            "/console/keys", data={"name": "x", "scopes": "sandbox:manage"}, headers={"X-CSRF-Token": token}
        )
        assert beyond.status_code == 400 and "sandbox:manage" in beyond.text

    another = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()
    async with browser_client(gateway) as c:
        token = await sign_in(c, another["key"])
        assert (await c.get("/console/settings")).status_code == 403
        assert (await c.post("/console/signing/generate", headers={"X-CSRF-Token": token})).status_code == 403
        assert (await c.get("/console/templates")).status_code == 200, "agents see the templates"
        assert "Approve" not in (await c.get("/console/templates")).text
