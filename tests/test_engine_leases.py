"""Leases and upstream answers: a slow submit keeps its lease, an unknown answer is recorded as a failure instead of
being sent again, and the worker takes every engine flag."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from kakao_gateway import cli
from kakao_gateway.app import Gateway
from kakao_gateway.cli import serve as cli_serve
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import Connector, LateResult, Submission, SubmitResult
from kakao_gateway.domain import status as st
from kakao_gateway.engine.settings import EngineSettings
from kakao_gateway.store.message_queries import message_state
from kakao_gateway.store.sql import Fetch, Op

from .conftest import Receiver, started_gateway
from .helpers import alim_body, pull, register_basics, send, settle
from .spec import assert_matches

ROUTE = "KAKAO_SANDBOX"


@dataclass
class Stalling:
    """Holds every submit until released; notes what was submitted."""

    inner: Connector
    answer: SubmitResult | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    submitted: list[int] = field(default_factory=list)

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        self.submitted.extend(s.seq for s in batch)
        self.entered.set()
        await self.release.wait()
        if self.answer is not None:
            return [self.answer] * len(batch)
        return await self.inner.submit(batch, now)

    async def poll_results(self, now: int) -> list[LateResult]:
        return await self.inner.poll_results(now)


@pytest.fixture
async def other_worker(settings: Settings, clock: ManualClock, receiver: Receiver) -> AsyncIterator[Gateway]:
    """A second gateway on the same database, as another worker process would be."""
    async with started_gateway(settings, clock, receiver) as gw:
        yield gw


async def test_a_submit_slower_than_the_lease_is_not_rescued_by_another_worker(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, other_worker: Gateway
) -> None:
    """The upstream takes 50 s on a 30 s lease: the worker renews its lease meanwhile, so the other worker does not
    rescue the row and send it a second time; the message is delivered once."""
    await register_basics(client)
    answer = await send(client, alim_body("821000000001"))
    stalling = Stalling(gateway.engine.connectors[ROUTE])
    gateway.engine.connectors[ROUTE] = stalling
    gateway.engine.settings = EngineSettings(renew_every_s=0.01)
    dispatching = asyncio.create_task(gateway.engine.dispatcher.step())
    await asyncio.wait_for(stalling.entered.wait(), 5)

    clock.advance(25)
    renewed_to = clock.now_ms() + gateway.engine.settings.lease_ms
    # the renewal runs: the lease now ends 30 s after this instant (waited for, not slept: a loaded machine is slow)
    async with asyncio.timeout(5):
        while await gateway.db.read(_lease_end(answer["messages"][0]["messageId"])) < renewed_to:
            await asyncio.sleep(0.01)
    clock.advance(25)
    assert await other_worker.engine.maintenance.rescue() == 0, "the row was rescued while still being submitted"

    stalling.release.set()
    assert await asyncio.wait_for(dispatching, 5) == 1
    await settle(gateway)
    await settle(other_worker)
    reports = await pull(client)
    assert [r["messageId"] for r in reports] == [answer["messages"][0]["messageId"]]
    assert reports[0]["status"]["groupName"] == "DELIVERED"
    assert len(stalling.submitted) == 1


def _lease_end(message_id: str) -> Op[int]:
    rows = yield Fetch("SELECT due_at FROM message_view WHERE message_id = ? AND state = 'inflight'", (message_id,))
    return int(rows[0]["due_at"])


async def test_an_unknown_upstream_status_is_recorded_as_a_failure_not_sent_again(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821000000001"))
    stalling = Stalling(gateway.engine.connectors[ROUTE], SubmitResult("final", "NO_SUCH_STATUS", "NO_SUCH_ERROR"))
    stalling.release.set()
    gateway.engine.connectors[ROUTE] = stalling
    await settle(gateway)
    clock.advance(120)  # well past the lease: nothing is left to rescue
    await settle(gateway)
    reports = await pull(client)
    assert_matches({"results": reports}, "/kakao-alim/1/reports", "get", 200)
    assert [r["messageId"] for r in reports] == [answer["messages"][0]["messageId"]]
    assert reports[0]["status"]["name"] == "UNDELIVERABLE_NOT_SENT"
    assert reports[0]["error"]["name"] == "EC_PROVIDER_INTERNAL_ERROR"
    assert len(stalling.submitted) == 1


async def test_a_message_on_a_route_no_connector_serves_waits_for_one(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """A process started without that upstream, or an upstream removed while messages were queued for it: the
    messages wait (never lost), and go when the route is served again within their validity."""
    await register_basics(client)
    answer = await send(client, alim_body("821000000001"))
    connector = gateway.engine.connectors.pop(ROUTE)
    await settle(gateway)
    assert await pull(client) == []
    state = await gateway.db.read(message_state(gateway.default_account_id, answer["messages"][0]["messageId"]))
    assert state is not None and state["state"] == "queued"
    assert state["error_id"] == st.error("EC_CONFIGURATION_ERROR").id  # why it waits
    gateway.engine.connectors[ROUTE] = connector
    clock.advance(60)
    await settle(gateway)
    (report,) = await pull(client)
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"


@pytest.mark.parametrize("how", ["flag", "env"])
def test_worker_takes_the_submit_rate_flags(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """`worker` honours --max-submit-rate and --max-submit-rate-per-sender (and their variables) as `serve` does."""
    seen: list[Settings] = []

    class Captured:
        def __init__(self, settings: Settings, **_: Any) -> None:
            seen.append(settings)

        async def start(self) -> None:
            raise KeyboardInterrupt  # stop right after the settings are known

        async def stop(self) -> None:
            return None

    monkeypatch.setattr(cli_serve, "Gateway", Captured)
    # Leave the test session's logging alone.
    monkeypatch.setattr(cli_serve, "_configure_logging", lambda settings: None)
    monkeypatch.setattr(cli_serve.database, "migrate", lambda url: None)
    args = ["worker", "--database-url", "postgresql://postgres@127.0.0.1:5432/unused"]
    env = {}
    if how == "flag":
        args += ["--max-submit-rate", "20", "--max-submit-rate-per-sender", "5"]
    else:
        env = {"KAKAO_GATEWAY_MAX_SUBMIT_RATE": "20", "KAKAO_GATEWAY_MAX_SUBMIT_RATE_PER_SENDER": "5"}
    result = CliRunner().invoke(cli.app, args, env=env)
    assert result.exit_code == 0, result.output
    assert [(s.max_submit_rate, s.max_submit_rate_per_sender) for s in seen] == [(20.0, 5.0)]
