"""Keys that retire, operator-key rotation, revocation across processes, and who may move the sandbox clock.

Issue 8, section 5: keys given by environment variable are replaced by the next ones; operator keys can be
rotated; a revoked key stops working everywhere within a second; only the operator or a `sandbox:manage` key moves
the virtual clock, which survives a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.times import format_ms, parse_instant
from kakao_gateway.service.auth import CACHE_MS, Authenticator

from .conftest import ADMIN_KEY, API_KEY, START_MS
from .spec import assert_api_error

NEW_API_KEY = "11111111111111111111111111111111-00000000-0000-4000-8000-000000000011"
NEW_ADMIN_KEY = "22222222222222222222222222222222-00000000-0000-4000-8000-000000000022"
DAY_MS = 24 * 3600 * 1000


@asynccontextmanager
async def running(database_url: str, **overrides: Any) -> AsyncIterator[Gateway]:
    values: dict[str, Any] = {"database_url": database_url, "api_key": API_KEY, "admin_key": ADMIN_KEY, "engine": False}
    values.update(overrides)
    clock = None if values.get("virtual_clock") else ManualClock(START_MS)
    gateway = Gateway(Settings(**values), clock=clock)
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


def client_of(app_or_gateway: Any, key: str | None) -> httpx.AsyncClient:
    app = create_app(app_or_gateway) if isinstance(app_or_gateway, Gateway) else app_or_gateway
    headers = {"Authorization": f"App {key}"} if key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test", headers=headers)


async def status_with(gateway: Gateway, key: str, path: str = "/kakao-alim/1/logs") -> int:
    async with client_of(gateway, key) as c:
        return (await c.get(path)).status_code


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    return body


# --- keys given by environment variable -------------------------------------------------------------------------------


async def test_a_new_environment_api_key_retires_the_old_one(database_url: str) -> None:
    async with running(database_url) as gateway:
        assert await status_with(gateway, API_KEY) == 200
    async with running(database_url, api_key=NEW_API_KEY) as gateway:
        assert await status_with(gateway, NEW_API_KEY) == 200
        assert await status_with(gateway, API_KEY) == 401
        async with client_of(gateway, ADMIN_KEY) as admin:
            accounts = (await admin.get("/admin/1/accounts")).json()["results"]
            keys = (await admin.get(f"/admin/1/accounts/{accounts[0]['id']}/keys")).json()["results"]
        assert sorted(k["revoked"] for k in keys) == [False, True]
    # the same key again at the next start changes nothing
    async with running(database_url, api_key=NEW_API_KEY) as gateway:
        assert await status_with(gateway, NEW_API_KEY) == 200
        assert await status_with(gateway, API_KEY) == 401


async def test_keys_made_through_the_api_survive_a_new_environment_key(database_url: str) -> None:
    async with running(database_url) as gateway, client_of(gateway, ADMIN_KEY) as admin:
        account = (await admin.get("/admin/1/accounts")).json()["results"][0]
        made = (await admin.post(f"/admin/1/accounts/{account['id']}/keys", json={"name": "ci"})).json()
    async with running(database_url, api_key=NEW_API_KEY) as gateway:
        assert await status_with(gateway, made["key"]) == 200
        assert await status_with(gateway, API_KEY) == 401


async def test_a_new_environment_operator_key_retires_the_old_one(database_url: str) -> None:
    async with running(database_url) as gateway:
        assert await status_with(gateway, ADMIN_KEY, "/admin/1/accounts") == 200
    async with running(database_url, admin_key=NEW_ADMIN_KEY) as gateway:
        assert await status_with(gateway, NEW_ADMIN_KEY, "/admin/1/accounts") == 200
        assert await status_with(gateway, ADMIN_KEY, "/admin/1/accounts") == 401
        async with client_of(gateway, NEW_ADMIN_KEY) as admin:
            listed = (await admin.get("/admin/1/operator-keys")).json()["results"]
        assert sorted((k["source"], k["revoked"]) for k in listed) == [("env", False), ("env", True)]


# --- operator-key rotation --------------------------------------------------------------------------------------------


async def test_operator_keys_rotate(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    made = admin.post("/admin/1/operator-keys", json={"name": "ops-2026"})
    created = (await made).json()
    assert set(created) == {"id", "key"}
    async with client_of(gateway, created["key"]) as new_admin:
        assert (await new_admin.get("/admin/1/accounts")).status_code == 200
        listed = (await new_admin.get("/admin/1/operator-keys")).json()["results"]
        assert sorted(k["name"] for k in listed) == ["bootstrap", "ops-2026"]
        assert all("key" not in k for k in listed)
        [old] = [k["id"] for k in listed if k["name"] == "bootstrap"]
        assert (await new_admin.delete(f"/admin/1/operator-keys/{old}")).status_code == 204
        error(await admin.get("/admin/1/accounts"), 401)  # at once in the process that revoked it
        error(await new_admin.delete(f"/admin/1/operator-keys/{old}"), 404)
        # the last working operator key cannot be revoked
        body = error(await new_admin.delete(f"/admin/1/operator-keys/{created['id']}"), 409)
        assert body["violations"][0]["property"] == "keyId"
        assert (await new_admin.get("/admin/1/accounts")).status_code == 200


async def test_operator_key_endpoints_need_the_operator_key(client: httpx.AsyncClient) -> None:
    error(await client.post("/admin/1/operator-keys", json={}), 401)
    error(await client.get("/admin/1/operator-keys"), 401)
    error(await client.delete("/admin/1/operator-keys/x"), 401)


# --- revocation seen by another process -------------------------------------------------------------------------------


async def test_a_revoked_key_stops_working_on_another_process_within_a_second(
    gateway: Gateway, admin: httpx.AsyncClient
) -> None:
    assert CACHE_MS <= 1000
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]
    key = (await admin.post(f"/admin/1/accounts/{account['id']}/keys", json={"name": "short-lived"})).json()
    other = create_app(gateway)
    other.state.auth = Authenticator(gateway.ctx)  # another API process: its own cache
    async with client_of(other, key["key"]) as elsewhere:
        assert (await elsewhere.get("/kakao-alim/1/logs")).status_code == 200  # now cached there
        assert (await admin.delete(f"/admin/1/accounts/{account['id']}/keys/{key['id']}")).status_code == 204
        await asyncio.sleep(CACHE_MS / 1000 + 0.05)
        error(await elsewhere.get("/kakao-alim/1/logs"), 401)


async def test_a_revoked_operator_key_stops_working_on_another_process_within_a_second(
    gateway: Gateway, admin: httpx.AsyncClient
) -> None:
    created = (await admin.post("/admin/1/operator-keys", json={})).json()
    other = create_app(gateway)
    other.state.auth = Authenticator(gateway.ctx)
    async with client_of(other, created["key"]) as elsewhere:
        assert (await elsewhere.get("/admin/1/accounts")).status_code == 200
        assert (await admin.delete(f"/admin/1/operator-keys/{created['id']}")).status_code == 204
        await asyncio.sleep(CACHE_MS / 1000 + 0.05)
        error(await elsewhere.get("/admin/1/accounts"), 401)


# --- the sandbox clock ------------------------------------------------------------------------------------------------


async def test_only_the_operator_or_sandbox_manage_moves_the_clock(gateway: Gateway, admin: httpx.AsyncClient) -> None:
    account = (await admin.get("/admin/1/accounts")).json()["results"][0]
    keys = f"/admin/1/accounts/{account['id']}/keys"
    logs_only = (await admin.post(keys, json={"scopes": ["kakao:logs:read"]})).json()["key"]
    default = (await admin.post(keys, json={})).json()["key"]
    sandbox = (await admin.post(keys, json={"scopes": ["sandbox:manage"]})).json()["key"]
    listed = {k["name"]: k["scopes"] for k in (await admin.get(keys)).json()["results"]}
    assert "sandbox:manage" in listed["bootstrap"], "the bootstrap key holds it on a sandbox server"
    start = gateway.clock.now_ms()
    for key in (logs_only, default):
        async with client_of(gateway, key) as c:
            assert (await c.get("/sandbox/1/clock")).status_code == 200  # reading is for everyone
            body = error(await c.post("/sandbox/1/clock/advance", json={"seconds": 60}), 403)
            assert body["errorCode"] == "E403"
    assert gateway.clock.now_ms() == start
    for key in (sandbox, ADMIN_KEY, API_KEY):
        async with client_of(gateway, key) as c:
            assert (await c.post("/sandbox/1/clock/advance", json={"seconds": 60})).status_code == 200
    assert gateway.clock.now_ms() == start + 3 * 60_000


async def test_the_virtual_clock_survives_a_restart(database_url: str) -> None:
    async with running(database_url, virtual_clock=True) as gateway, client_of(gateway, API_KEY) as c:
        response = await c.post("/sandbox/1/clock/advance", json={"seconds": 30 * 24 * 3600})
        moved_to = parse_instant(response.json()["now"])
    async with running(database_url, virtual_clock=True) as gateway, client_of(gateway, API_KEY) as c:
        now = (await c.get("/sandbox/1/clock")).json()["now"]
        assert now == format_ms(moved_to)
        assert gateway.clock.now_ms() == moved_to
