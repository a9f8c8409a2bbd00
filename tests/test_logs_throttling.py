"""The logs operations are throttled as the spec's `x-throttling-info` says: 120 requests a minute per account on
each, the rest answered 429 E429 with `Retry-After` (spec-validated); `--logs-rate-limit N` changes it, 0 turns it
off. Measured on the gateway's clock (the fake one here)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings

from .conftest import Receiver, api_client
from .spec import assert_matches
from .test_auth import create_account, create_key
from .test_engine import open_gateway

LOGS = ("/kakao-alim/1/logs", "/kakao-chingu/1/logs", "/kakao-sangdam/1/logs")


async def statuses(client: httpx.AsyncClient, path: str, n: int) -> list[int]:
    return [(await client.get(path)).status_code for _ in range(n)]


def assert_throttled(response: httpx.Response, path: str, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert_matches(response.json(), path, "get", 429)
    assert response.json()["errorCode"] == "E429"
    assert response.headers["retry-after"] == str(retry_after)


@pytest.mark.parametrize("path", LOGS)
async def test_the_121st_request_of_a_minute_is_refused_until_the_minute_ends(
    client: httpx.AsyncClient, clock: ManualClock, path: str
) -> None:
    assert await statuses(client, path, 60) == [200] * 60
    clock.advance(20)
    assert await statuses(client, path, 60) == [200] * 60
    clock.advance(10)
    assert_throttled(await client.get(path), path, 30)  # the window began 30 s ago
    clock.advance(29.5)
    assert_throttled(await client.get(path), path, 1)
    clock.advance(0.5)
    assert await statuses(client, path, 120) == [200] * 120
    assert (await client.get(path)).status_code == 429


async def test_each_operation_and_each_account_has_its_own_limit(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    alim, brand, sangdam = LOGS
    assert await statuses(client, alim, 121) == [200] * 120 + [429]
    assert await statuses(client, brand, 1) == [200]
    assert await statuses(client, sangdam, 1) == [200]
    other_key = await create_key(admin, await create_account(admin, "tenant-b"), ["kakao:logs:read"])
    async with api_client(gateway, other_key["key"]) as other:
        assert await statuses(other, alim, 1) == [200]


async def test_unauthenticated_requests_do_not_count(client: httpx.AsyncClient) -> None:
    path = LOGS[0]
    for _ in range(130):
        assert (await client.get(path, headers={"Authorization": ""})).status_code == 401
    assert await statuses(client, path, 120) == [200] * 120


@pytest.mark.parametrize(("limit", "answers"), [(0, [200] * 130), (5, [200] * 5 + [429] * 125)])
async def test_logs_rate_limit_setting(
    settings: Settings, clock: ManualClock, receiver: Receiver, limit: int, answers: list[int]
) -> None:
    async with open_gateway(dataclasses.replace(settings, logs_rate_limit=limit), clock, receiver) as (_, c):
        assert await statuses(c, LOGS[0], 130) == answers
