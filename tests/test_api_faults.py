"""API faults through the public API (`POST/GET/DELETE /sandbox/1/faults`): the next n matching requests of the
account answer 429, 500 or 503 with Infobip's ApiError (and `Retry-After` for 429 and 503) before anything happens;
other accounts, other paths and methods, and unauthenticated requests are left alone."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.service.faults import WATCH_MS, FaultWatch

from .conftest import api_client
from .helpers import alim_body, register_basics
from .spec import assert_api_error, assert_matches
from .test_auth import create_account, create_key, default_account_id
from .test_scheduling import logs

MESSAGES = "/kakao-alim/1/messages"


async def add_fault(client: httpx.AsyncClient, **fault: Any) -> dict[str, Any]:
    response = await client.post("/sandbox/1/faults", json=fault)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def pending(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/sandbox/1/faults")
    assert response.status_code == 200, response.text
    return response.json()["faults"]  # type: ignore[no-any-return]


def assert_fault(response: httpx.Response, status: int, retry_after: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    assert response.headers.get("retry-after") == retry_after


@pytest.mark.parametrize(("status", "retry_after"), [(429, "7"), (500, None), (503, "7")])
async def test_the_next_sends_fail_without_side_effects(
    client: httpx.AsyncClient, gateway: Gateway, status: int, retry_after: str | None
) -> None:
    await register_basics(client)
    fault: dict[str, Any] = {"path": MESSAGES, "method": "POST", "status": status, "count": 2}
    if retry_after is not None:
        fault["retryAfterSeconds"] = int(retry_after)
    made = await add_fault(client, **fault)
    expected = {k: v for k, v in fault.items() if k != "count"}
    assert made == {**expected, "id": made["id"], "remaining": 2}
    for _ in range(2):
        response = await client.post(MESSAGES, json=alim_body("821000000001"))
        assert_fault(response, status, retry_after)
        if status == 500:
            assert_matches(response.json(), MESSAGES, "post", 500)
    assert await logs(client) == []  # nothing was accepted
    assert await pending(client) == []

    response = await client.post(MESSAGES, json=alim_body("821000000001"))
    assert response.status_code == 200, response.text
    await gateway.engine.run_until_idle()
    assert [e["status"]["name"] for e in await logs(client)] == ["DELIVERED_TO_HANDSET"]


async def test_a_fault_matches_its_path_and_method_only(client: httpx.AsyncClient) -> None:
    await add_fault(client, path="/kakao-alim/1/logs", method="GET", status=503, count=1)
    response = await client.post("/kakao-alim/1/logs")  # another method: the route's own answer
    assert response.status_code == 405
    assert (await client.get("/kakao-alim/1/reports")).status_code == 200  # another path
    assert [f["remaining"] for f in await pending(client)] == [1]
    response = await client.get("/kakao-alim/1/logs")
    assert_fault(response, 503, "1")  # 503 and 429 say when to retry: 1 s unless told
    assert (await client.get("/kakao-alim/1/logs")).status_code == 200


async def test_without_a_method_every_method_matches(client: httpx.AsyncClient) -> None:
    await add_fault(client, path="/kakao-alim/1/logs", status=429, count=2)
    assert_fault(await client.post("/kakao-alim/1/logs"), 429, "1")
    response = await client.get("/kakao-alim/1/logs")
    assert_fault(response, 429, "1")
    assert_matches(response.json(), "/kakao-alim/1/logs", "get", 429)


async def test_an_unauthenticated_request_takes_no_fault(client: httpx.AsyncClient) -> None:
    await add_fault(client, path=MESSAGES, status=500, count=1)
    for authorization in ("", "App wrong-key", "Basic !!!"):
        response = await client.post(MESSAGES, json=alim_body("821000000001"), headers={"Authorization": authorization})
        assert response.status_code == 401, response.text
        assert_api_error(response.json())
    assert [f["remaining"] for f in await pending(client)] == [1]


async def test_faults_are_the_accounts_own(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    other_id = await create_account(admin, "tenant-b")
    other_key = await create_key(admin, other_id, ["kakao:manage", "kakao:logs:read", "sandbox:manage"])
    async with api_client(gateway, other_key["key"]) as other:
        await add_fault(other, path="/kakao-alim/1/logs", status=500, count=1)
        assert (await client.get("/kakao-alim/1/logs")).status_code == 200
        assert await pending(client) == []
        assert_fault(await other.get("/kakao-alim/1/logs"), 500, None)


async def test_concurrent_requests_take_exactly_count_faults(client: httpx.AsyncClient) -> None:
    await add_fault(client, path="/kakao-alim/1/reports", status=503, count=3)
    answers = await asyncio.gather(*(client.get("/kakao-alim/1/reports") for _ in range(12)))
    assert sorted(a.status_code for a in answers) == [200] * 9 + [503] * 3


async def test_faults_are_listed_and_cleared(client: httpx.AsyncClient) -> None:
    first = await add_fault(client, path=MESSAGES, status=500, count=1)
    second = await add_fault(client, path="/kakao-alim/1/logs", method="GET", status=429, count=3)
    assert await pending(client) == [first, second]
    assert first == {"id": first["id"], "path": MESSAGES, "status": 500, "remaining": 1}
    response = await client.delete("/sandbox/1/faults")
    assert response.status_code == 204
    assert await pending(client) == []
    assert (await client.get("/kakao-alim/1/logs")).status_code == 200


async def test_another_process_sees_a_fault_within_its_watch_interval(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """Each process notes which accounts have faults for WATCH_MS; one made elsewhere is seen when that lapses."""
    now = [0]
    async with api_client(gateway) as elsewhere:
        app = elsewhere._transport.app  # type: ignore[attr-defined]
        app.state.fault_watch = FaultWatch(lambda: now[0])
        assert (await elsewhere.get("/kakao-alim/1/logs")).status_code == 200
        await add_fault(client, path="/kakao-alim/1/logs", status=503, count=1)
        now[0] = WATCH_MS - 1
        assert (await elsewhere.get("/kakao-alim/1/logs")).status_code == 200
        now[0] = WATCH_MS
        assert_fault(await elsewhere.get("/kakao-alim/1/logs"), 503, "1")


async def test_faults_need_the_sandbox_manage_scope(client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    key = await create_key(admin, await default_account_id(admin), ["kakao:manage"])
    headers = {"Authorization": f"App {key['key']}"}
    fault = {"path": MESSAGES, "status": 500, "count": 1}
    for method in ("GET", "POST", "DELETE"):
        payload = fault if method == "POST" else None
        response = await client.request(method, "/sandbox/1/faults", json=payload, headers=headers)
        assert response.status_code == 403, response.text
        assert_api_error(response.json())
        response = await client.request(method, "/sandbox/1/faults", json=payload, headers={"Authorization": ""})
        assert response.status_code == 401, response.text


@pytest.mark.parametrize(
    ("fault", "prop"),
    [
        ({"path": MESSAGES, "status": 404, "count": 1}, "status"),
        ({"path": MESSAGES, "status": 500, "count": 0}, "count"),
        ({"path": "kakao-alim/1/messages", "status": 500, "count": 1}, "path"),
        ({"path": "/sandbox/1/faults", "status": 500, "count": 1}, "path"),
        ({"path": MESSAGES, "status": 500, "count": 1, "retryAfterSeconds": 3}, ""),
        ({"path": MESSAGES, "method": "FETCH", "status": 500, "count": 1}, "method"),
        ({"status": 500, "count": 1}, "path"),
    ],
)
async def test_invalid_faults_are_refused(client: httpx.AsyncClient, fault: dict[str, Any], prop: str) -> None:
    response = await client.post("/sandbox/1/faults", json=fault)
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    assert [v["property"] for v in body["violations"]] == [prop], body
    assert await pending(client) == []
