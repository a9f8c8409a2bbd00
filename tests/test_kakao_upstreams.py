"""Kakao upstreams: the server's (`--kakao-upstream`) and an account's own, routed by the engine like any route.

Real upstreams register their URL scheme in `connectors.registry.KAKAO_SCHEMES`; here a recording connector stands
in for one, to check which route each account's messages take (the connectors themselves have their own tests).
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import LateResult, NoConnection, Submission, SubmitResult
from kakao_gateway.connectors.registry import KAKAO_SCHEMES
from kakao_gateway.connectors.upstreams import KAKAO_SANDBOX_ROUTE, kakao_route

from .conftest import Receiver, api_client, started_gateway
from .helpers import alim_body, register_basics, send, settle
from .test_engine import pull_all


class RecordingKakao(NoConnection):
    """Delivers everything, keeping what it was handed."""

    def __init__(self) -> None:
        self.seen: list[Submission] = []

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        self.seen.extend(batch)
        return [SubmitResult("final", "DELIVERED_TO_HANDSET") for _ in batch]

    async def poll_results(self, now: int) -> list[LateResult]:
        return []


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> RecordingKakao:
    connector = RecordingKakao()
    monkeypatch.setitem(KAKAO_SCHEMES, "test-kakao", lambda url, deps: connector)
    return connector


async def test_an_account_with_its_own_kakao_upstream(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, recording: RecordingKakao
) -> None:
    account = gateway.default_account_id
    url = "test-kakao://SECRET@kakao.test"
    response = await client.put(f"/admin/1/accounts/{account}/kakao", json={"upstream": url})
    assert response.status_code in (401, 403)
    response = await admin.put(f"/admin/1/accounts/{account}/kakao", json={"upstream": url})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["route"], answer["ownUpstream"]) == (kakao_route(url), True)
    assert [u["route"] for u in answer["upstreams"]] == [kakao_route(url)]  # a list of one
    assert "SECRET" not in response.text
    await register_basics(client)
    message_id = (await send(client, alim_body("821000000002")))["messages"][0]["messageId"]
    await settle(gateway)
    assert [(s.message_id, s.route) for s in recording.seen] == [(message_id, kakao_route(url))]
    report = (await pull_all(client))[message_id]
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"  # not the sandbox's "not a user": the real route
    response = await admin.put(f"/admin/1/accounts/{account}/kakao", json={"upstream": None})
    answer = response.json()
    assert (answer["route"], answer["ownUpstream"]) == (KAKAO_SANDBOX_ROUTE, False)


async def test_an_unknown_kakao_scheme_is_refused(admin: httpx.AsyncClient, gateway: Gateway) -> None:
    response = await admin.put(
        f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": "pigeon://k@h"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["violations"][0]["property"] == "upstream"


async def test_the_server_kakao_upstream(
    settings: Settings, clock: ManualClock, receiver: Receiver, recording: RecordingKakao
) -> None:
    url = "test-kakao://KEY@kakao.test"
    gateway = started_gateway(dataclasses.replace(settings, kakao_upstream=url), clock, receiver)
    async with gateway as gw, api_client(gw) as client:
        await register_basics(client)
        await send(client, alim_body("821000000001"))
        await settle(gw)
        assert [s.route for s in recording.seen] == [kakao_route(url)]
        assert gw.sandbox_upstream is False  # a real upstream: private webhook targets are refused by default
        ready = (await client.get("/ready")).json()
        assert ready["checks"]["connectors"]["routes"][kakao_route(url)] == "bound"
