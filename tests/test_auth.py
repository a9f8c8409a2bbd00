"""Authentication (App and Basic), scopes, the operator's admin API, and isolation between accounts."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app

from .conftest import ADMIN_KEY, API_KEY
from .helpers import SENDER, TEMPLATE_CODE, alim_body, pull, register_basics, send, settle
from .spec import assert_api_error, assert_matches

ALL_SCOPES = ["message:send", "kakao:message:send", "kakao:manage", "kakao:logs:read"]


def basic(user: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()


@asynccontextmanager
async def client_with(gateway: Gateway, authorization: str | None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same gateway sending `authorization` (no Authorization header when None)."""
    headers = {"Authorization": authorization} if authorization is not None else {}
    transport = httpx.ASGITransport(app=create_app(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers) as c:
        yield c


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


async def create_account(admin: httpx.AsyncClient, name: str) -> str:
    response = await admin.post("/admin/1/accounts", json={"name": name})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == name
    assert isinstance(body["id"], str) and body["id"]
    return str(body["id"])


async def create_key(admin: httpx.AsyncClient, account_id: str, scopes: list[str] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"name": "test key"}
    if scopes is not None:
        payload["scopes"] = scopes
    response = await admin.post(f"/admin/1/accounts/{account_id}/keys", json=payload)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"id", "key"}
    assert body["id"] and body["key"]
    return body


async def default_account_id(admin: httpx.AsyncClient) -> str:
    response = await admin.get("/admin/1/accounts")
    assert response.status_code == 200, response.text
    (account,) = [a for a in response.json()["results"] if a["name"] == "default"]
    return str(account["id"])


# --- App and Basic authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "App",
        "App ",
        "App wrong-key",
        f"App {API_KEY}x",
        f"Bearer {API_KEY}",
        f"IBSSO {API_KEY}",
        f"Token {API_KEY}",
        API_KEY,
        "Basic not-base64!!",
        basic("default", "wrong-key"),
        basic("default", ""),
        "Basic " + base64.b64encode(API_KEY.encode()).decode(),
    ],
)
async def test_bad_credentials_get_401(gateway: Gateway, authorization: str | None) -> None:
    async with client_with(gateway, authorization) as c:
        for response in (
            await c.post("/kakao-alim/1/messages", json=alim_body("821012345678")),
            await c.get("/kakao-alim/1/reports"),
            await c.get("/kakao-alim/1/logs"),
            await c.get("/kakao/1/senders"),
            await c.get("/kakao-alim/1/templates"),
        ):
            body = assert_error(response, 401)
            assert body["violations"] == []
            assert body["resources"], "E401 names the API Authentication resource"


async def test_401_does_not_depend_on_the_body(gateway: Gateway) -> None:
    async with client_with(gateway, None) as c:
        response = await c.post("/kakao-alim/1/messages", content=b"{not json")
    assert_error(response, 401)


async def test_app_key_works(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821012345678"))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)


@pytest.mark.parametrize("scheme", ["App", "app", "APP"])
async def test_app_scheme_is_case_insensitive(gateway: Gateway, scheme: str) -> None:
    async with client_with(gateway, f"{scheme} {API_KEY}") as c:
        response = await c.get("/kakao/1/senders")
    assert response.status_code == 200, response.text


async def test_session_and_bearer_tokens_work_wherever_a_key_does(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    """IBSSO and Bearer are read by the Authenticator, so every route takes them, the scheme in any case."""
    account = next(a["id"] for a in (await admin.get("/admin/1/accounts")).json()["results"] if a["name"] == "default")
    user = {"username": "ops", "password": "correct horse battery"}
    assert (await admin.post(f"/admin/1/accounts/{account}/users", json=user)).status_code == 200
    async with client_with(gateway, None) as anonymous:
        token = (await anonymous.post("/auth/1/session", json=user)).json()["token"]
        grant = {"client_id": "ops", "client_secret": user["password"], "grant_type": "client_credentials"}
        access = (await anonymous.post("/auth/1/oauth2/token", data=grant)).json()["access_token"]
    for authorization in (f"IBSSO {token}", f"ibsso {token}", f"Bearer {access}", f"BEARER {access}"):
        async with client_with(gateway, authorization) as c:
            for path in ("/kakao-alim/1/reports", "/kakao-alim/1/logs", "/kakao/1/senders", "/kakao-alim/1/templates"):
                assert (await c.get(path)).status_code == 200, (authorization, path)
            assert_error(await c.get("/admin/1/accounts"), 401)


async def test_basic_with_account_name_and_key_works(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    async with client_with(gateway, basic("default", API_KEY)) as c:
        answer = await send(c, alim_body("821012345678"))
        assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
        assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
        assert (await c.get("/kakao-alim/1/logs")).status_code == 200


@pytest.mark.parametrize("user", ["other", "Default", "", "default "])
async def test_basic_with_wrong_account_name_gets_401(gateway: Gateway, user: str) -> None:
    async with client_with(gateway, basic(user, API_KEY)) as c:
        assert_error(await c.get("/kakao/1/senders"), 401)


async def test_basic_with_another_accounts_name_gets_401(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account_b = await create_account(admin, "tenant-b")
    key_b = (await create_key(admin, account_b))["key"]
    async with client_with(gateway, basic("tenant-b", key_b)) as c:
        assert (await c.get("/kakao/1/senders")).status_code == 200
    async with client_with(gateway, basic("default", key_b)) as c:
        assert_error(await c.get("/kakao/1/senders"), 401)
    async with client_with(gateway, basic("tenant-b", API_KEY)) as c:
        assert_error(await c.get("/kakao/1/senders"), 401)


async def test_401_as_xml_when_the_client_accepts_xml(gateway: Gateway) -> None:
    async with client_with(gateway, "App wrong-key") as c:
        response = await c.get("/kakao-alim/1/reports", headers={"Accept": "application/xml"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "ApiError"
    assert root.findtext("errorCode") == "E401"
    assert root.findtext("description") == (
        "The request lacks valid authentication credentials for the requested resource."
    )
    assert root.findtext("action")
    assert root.find("violations") is not None
    resources = root.findall("resources/resource")
    assert len(resources) == 1
    assert resources[0].findtext("name") == "API Authentication"
    assert resources[0].findtext("url", "").startswith("https://")


async def test_403_as_xml_when_the_client_accepts_xml(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account_id = await default_account_id(admin)
    key = (await create_key(admin, account_id, ["kakao:logs:read"]))["key"]
    async with client_with(gateway, f"App {key}") as c:
        response = await c.post(
            "/kakao-alim/1/messages", json=alim_body("821012345678"), headers={"Accept": "application/xml"}
        )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/xml")
    assert ET.fromstring(response.content).findtext("errorCode") == "E403"


async def test_401_is_json_when_the_client_accepts_json_or_anything(gateway: Gateway) -> None:
    async with client_with(gateway, "App wrong-key") as c:
        for accept in ("application/json", "*/*", "application/json, application/xml"):
            assert_error(await c.get("/kakao-alim/1/reports", headers={"Accept": accept}), 401)


# --- The admin API -----------------------------------------------------------------------------------------


async def test_admin_creates_and_lists_accounts(admin: httpx.AsyncClient) -> None:
    first = await create_account(admin, "tenant-a")
    second = await create_account(admin, "tenant-b")
    assert first != second
    response = await admin.get("/admin/1/accounts")
    assert response.status_code == 200
    listed = {a["name"]: a for a in response.json()["results"]}
    assert {"default", "tenant-a", "tenant-b"} <= set(listed)
    assert listed["tenant-a"]["id"] == first
    assert listed["tenant-b"]["id"] == second


async def test_admin_rejects_a_duplicate_account_name(admin: httpx.AsyncClient) -> None:
    await create_account(admin, "tenant-a")
    assert_error(await admin.post("/admin/1/accounts", json={"name": "tenant-a"}), 409)
    assert_error(await admin.post("/admin/1/accounts", json={"name": "default"}), 409)


async def test_admin_validates_its_bodies(admin: httpx.AsyncClient) -> None:
    body = assert_error(await admin.post("/admin/1/accounts", json={}), 400)
    assert [v["property"] for v in body["violations"]] == ["name"]
    account_id = await create_account(admin, "tenant-a")
    body = assert_error(await admin.post(f"/admin/1/accounts/{account_id}/keys", json={"scopes": ["root"]}), 400)
    assert body["violations"][0]["property"].startswith("scopes")
    assert_error(await admin.post(f"/admin/1/accounts/{account_id}/keys", json={"scopes": []}), 400)
    assert_error(await admin.post("/admin/1/accounts/no-such-account/keys", json={"name": "k"}), 404)


async def test_new_key_works_for_its_account(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account_id = await create_account(admin, "tenant-a")
    key = await create_key(admin, account_id)
    async with client_with(gateway, f"App {key['key']}") as c:
        await register_basics(c)
        answer = await send(c, alim_body("821012345678"))
        assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
        assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
        await settle(gateway)
        (report,) = await pull(c)
        assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    response = await admin.get(f"/admin/1/accounts/{account_id}/keys")
    assert response.status_code == 200
    (listed,) = response.json()["results"]
    assert listed["id"] == key["id"]
    assert listed["revoked"] is False
    assert listed["scopes"] == sorted(ALL_SCOPES)


async def test_logs_only_key(gateway: Gateway, admin: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    key = (await create_key(admin, await default_account_id(admin), ["kakao:logs:read"]))["key"]
    async with client_with(gateway, f"App {key}") as c:
        body = assert_error(await c.post("/kakao-alim/1/messages", json=alim_body("821012345678")), 403)
        assert body["resources"][0]["name"] == "API Scopes"
        assert_error(await c.get("/kakao-alim/1/reports"), 403)
        assert_error(await c.get("/kakao/1/senders"), 403)
        assert_error(await c.post("/kakao/1/senders", json={"sender": "X", "name": "X"}), 403)
        assert_error(await c.get("/kakao-alim/1/templates"), 403)
        response = await c.get("/kakao-alim/1/logs")
        assert response.status_code == 200, response.text
        assert_matches(response.json(), "/kakao-alim/1/logs", "get", 200)
    await send(client, alim_body("821012345678"))
    async with client_with(gateway, f"App {key}") as c:
        response = await c.get("/kakao-alim/1/logs")
    assert [e["destination"] for e in response.json()["results"]] == ["821012345678"]


@pytest.mark.parametrize("scope", ["message:send", "kakao:message:send"])
async def test_send_key_cannot_manage(gateway: Gateway, admin: httpx.AsyncClient, scope: str) -> None:
    key = (await create_key(admin, await default_account_id(admin), [scope]))["key"]
    async with client_with(gateway, f"App {key}") as c:
        assert_error(await c.post("/kakao/1/senders", json={"sender": SENDER, "name": "Test"}), 403)
        assert_error(await c.get("/kakao/1/senders"), 403)
        template = {"sender": SENDER, "templateCode": TEMPLATE_CODE, "name": "n", "text": "t"}
        assert_error(await c.post("/kakao-alim/1/templates", json=template), 403)
        assert_error(await c.get("/kakao-alim/1/templates"), 403)
        assert_error(await c.get("/kakao/1/subscriptions"), 403)
        assert_error(await c.get("/kakao-alim/1/logs"), 403)
        answer = await send(c, alim_body("821012345678"))
        assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
        assert (await c.get("/kakao-alim/1/reports")).status_code == 200


async def test_manage_key_can_do_everything(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    key = (await create_key(admin, await default_account_id(admin), ["kakao:manage"]))["key"]
    async with client_with(gateway, f"App {key}") as c:
        await register_basics(c)
        await send(c, alim_body("821012345678"))
        assert (await c.get("/kakao-alim/1/logs")).status_code == 200
        assert (await c.get("/kakao-alim/1/reports")).status_code == 200


async def test_revoked_key_gets_401(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account_id = await create_account(admin, "tenant-a")
    key = await create_key(admin, account_id)
    keep = await create_key(admin, account_id)
    async with client_with(gateway, f"App {key['key']}") as c:
        assert (await c.get("/kakao/1/senders")).status_code == 200
        response = await admin.delete(f"/admin/1/accounts/{account_id}/keys/{key['id']}")
        assert response.status_code == 204
        assert_error(await c.get("/kakao/1/senders"), 401)
        assert_error(await c.post("/kakao-alim/1/messages", json=alim_body("821012345678")), 401)
    async with client_with(gateway, basic("tenant-a", key["key"])) as c:
        assert_error(await c.get("/kakao/1/senders"), 401)
    async with client_with(gateway, f"App {keep['key']}") as c:
        assert (await c.get("/kakao/1/senders")).status_code == 200
    listed = {k["id"]: k for k in (await admin.get(f"/admin/1/accounts/{account_id}/keys")).json()["results"]}
    assert listed[key["id"]]["revoked"] is True
    assert listed[keep["id"]]["revoked"] is False
    assert_error(await admin.delete(f"/admin/1/accounts/{account_id}/keys/{key['id']}"), 404)


async def test_revoke_needs_the_keys_own_account(admin: httpx.AsyncClient) -> None:
    account_a = await create_account(admin, "tenant-a")
    account_b = await create_account(admin, "tenant-b")
    key = await create_key(admin, account_a)
    assert_error(await admin.delete(f"/admin/1/accounts/{account_b}/keys/{key['id']}"), 404)
    assert_error(await admin.delete(f"/admin/1/accounts/{account_a}/keys/no-such-key"), 404)


@pytest.mark.parametrize(
    "authorization",
    [None, f"App {API_KEY}", basic("default", API_KEY), f"Basic {ADMIN_KEY}", "App wrong", f"Bearer {ADMIN_KEY}"],
)
async def test_admin_api_needs_the_operator_key(
    gateway: Gateway, admin: httpx.AsyncClient, authorization: str | None
) -> None:
    account_id = await default_account_id(admin)
    keys_before = (await admin.get(f"/admin/1/accounts/{account_id}/keys")).json()["results"]
    async with client_with(gateway, authorization) as c:
        assert_error(await c.get("/admin/1/accounts"), 401)
        assert_error(await c.post("/admin/1/accounts", json={"name": "intruder"}), 401)
        assert_error(await c.get(f"/admin/1/accounts/{account_id}/keys"), 401)
        assert_error(await c.post(f"/admin/1/accounts/{account_id}/keys", json={"name": "k"}), 401)
        assert_error(await c.delete(f"/admin/1/accounts/{account_id}/keys/{keys_before[0]['id']}"), 401)
    names = [a["name"] for a in (await admin.get("/admin/1/accounts")).json()["results"]]
    assert "intruder" not in names
    assert (await admin.get(f"/admin/1/accounts/{account_id}/keys")).json()["results"] == keys_before


async def test_operator_key_is_not_an_api_key(admin: httpx.AsyncClient) -> None:
    assert_error(await admin.get("/kakao/1/senders"), 401)
    assert_error(await admin.post("/kakao-alim/1/messages", json=alim_body("821012345678")), 401)


# --- Isolation between accounts ----------------------------------------------------------------------------


async def test_accounts_are_isolated(gateway: Gateway, admin: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer_a = await send(client, alim_body({"to": "821012345678", "messageId": "shared-id"}))
    account_b = await create_account(admin, "tenant-b")
    key_b = (await create_key(admin, account_b))["key"]
    await settle(gateway)

    async with client_with(gateway, f"App {key_b}") as b:
        response = await b.get("/kakao/1/senders")
        assert response.status_code == 200
        assert response.json()["results"] == []
        response = await b.get("/kakao-alim/1/templates")
        assert response.status_code == 200
        assert response.json()["results"] == []
        response = await b.get("/kakao-alim/1/templates", params={"sender": SENDER})
        assert response.json()["results"] == []
        assert_error(await b.get(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}), 404)
        assert_error(await b.delete(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}), 404)
        response = await b.get("/kakao-alim/1/logs")
        assert response.status_code == 200
        assert response.json()["results"] == []
        response = await b.get("/kakao-alim/1/logs", params={"messageId": "shared-id"})
        assert response.json()["results"] == []
        assert await pull(b) == []
        assert await pull(b, messageId="shared-id") == []
        assert await pull(b, bulkId=answer_a["bulkId"]) == []

        # B sending with A's sender: that sender is not registered on B.
        answer_b = await send(b, alim_body({"to": "821012345679", "messageId": "shared-id"}))
        assert_matches(answer_b, "/kakao-alim/1/messages", "post", 200)
        (rejected,) = answer_b["messages"]
        assert rejected["status"]["name"] == "REJECTED_SOURCE"
        assert rejected["status"]["id"] == 11
        assert rejected["messageId"] == "shared-id", "a messageId used by another account is not a duplicate"
        (report_b,) = await pull(b)
        assert report_b["status"]["name"] == "REJECTED_SOURCE"
        assert report_b["to"] == "821012345679"

    # A still sees exactly its own message and report; B's rejection did not touch them.
    (report_a,) = await pull(client)
    assert report_a["messageId"] == "shared-id"
    assert report_a["to"] == "821012345678"
    assert report_a["status"]["name"] == "DELIVERED_TO_HANDSET"
    logs_a = (await client.get("/kakao-alim/1/logs")).json()["results"]
    assert [e["destination"] for e in logs_a] == ["821012345678"]
    senders_a = (await client.get("/kakao/1/senders")).json()["results"]
    assert [s["sender"] for s in senders_a] == [SENDER]


async def test_accounts_may_register_the_same_sender_and_template(
    gateway: Gateway, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await register_basics(client)
    account_b = await create_account(admin, "tenant-b")
    key_b = (await create_key(admin, account_b))["key"]
    async with client_with(gateway, f"App {key_b}") as b:
        await register_basics(b, text="Tenant B: #{anything}")
        answer_b = await send(b, alim_body("821012345678", text="Tenant B: hello"))
        assert answer_b["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
        # A's template text does not match B's template, and the other way round.
        rejected = await send(b, alim_body("821012345678"))
        assert rejected["messages"][0]["status"]["groupName"] == "REJECTED"
    rejected = await send(client, alim_body("821012345678", text="Tenant B: hello"))
    assert rejected["messages"][0]["status"]["groupName"] == "REJECTED"
    (template_a,) = (await client.get("/kakao-alim/1/templates")).json()["results"]
    assert template_a["text"] == "Hello #{name}, your order #{order} has shipped."
