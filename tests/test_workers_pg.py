"""Two worker processes on one PostgreSQL database: two gateways (engines with different owners, driven by the test)
share a speed-limited bulk and the upstream submit rate, with no coordination beyond the database.

Both engines run concurrently (`asyncio.gather`) at every instant something falls due on a shared fake clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import Connector, LateResult, Submission, SubmitResult
from kakao_gateway.engine.engine import EngineSettings
from kakao_gateway.store.message_queries import next_event_at
from kakao_gateway.store.reports import next_push_at

from .conftest import PG_URL, START_MS, Receiver
from .helpers import register_basics
from .test_scheduling import (
    DELIVERED,
    HOUR,
    SECOND,
    Ledger,
    accept,
    assert_paced,
    bulk_body,
    numbers,
    open_gateway,
    outcome,
    state_of,
)

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (KAKAO_GATEWAY_TEST_DATABASE_URL)")


@dataclass
class Counting:
    """Wraps a worker's upstream connector and notes what that worker submitted."""

    inner: Connector
    submitted: list[int] = field(default_factory=list)

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        self.submitted.extend(s.seq for s in batch)
        return await self.inner.submit(batch, now)

    async def poll_results(self, now: int) -> list[LateResult]:
        return await self.inner.poll_results(now)


@dataclass
class Workers:
    gateways: list[Gateway]
    client: httpx.AsyncClient  # the API of the first one
    counters: list[Counting]
    clock: ManualClock

    async def run_until_idle(self) -> None:
        await asyncio.gather(*(gw.engine.run_until_idle() for gw in self.gateways))

    async def play(self, until: int, ledger: Ledger) -> None:
        """Step the shared clock through every due instant up to `until`, both workers running at each."""
        db = self.gateways[0].db
        await self.run_until_idle()
        while True:
            now = self.clock.now_ms()
            found = [await db.read(next_event_at(now)), await db.read(next_push_at(now))]
            due = [t for t in found if t is not None and t <= until]
            if not due:
                break
            self.clock.set(min(due))
            await self.run_until_idle()
        if until > self.clock.now_ms():
            self.clock.set(until)
        await self.run_until_idle()
        await ledger.pull(self.client)


async def start_workers(stack: AsyncExitStack, settings: Settings, clock: ManualClock, receiver: Receiver) -> Workers:
    gateways, counters, client = [], [], None
    for _ in range(2):
        gw, c = await stack.enter_async_context(open_gateway(settings, clock, receiver))
        gw.engine.settings = EngineSettings(
            claim_batch=20,
            max_submit_rate=settings.max_submit_rate,
            max_submit_rate_per_sender=settings.max_submit_rate_per_sender,
        )
        counting = Counting(gw.engine.connectors["KAKAO_SANDBOX"])
        gw.engine.connectors["KAKAO_SANDBOX"] = counting
        gateways.append(gw)
        counters.append(counting)
        client = client or c
    assert client is not None
    assert gateways[0].engine.owner != gateways[1].engine.owner
    return Workers(gateways, client, counters, clock)


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as s:
        yield s


async def test_two_workers_share_a_speed_limited_bulk(
    settings: Settings, clock: ManualClock, receiver: Receiver, stack: AsyncExitStack
) -> None:
    """60/HOUR over 150 messages, next to 300 unpaced ones due at once: every message leaves exactly once, the paced
    bulk on its slots (never more than 60 in an hour), and both workers take part."""
    workers = await start_workers(stack, settings, clock, receiver)
    await register_basics(workers.client)
    _, paced = await accept(workers.client, bulk_body(numbers(150), speed=(60, "HOUR")))
    _, burst = await accept(workers.client, bulk_body(numbers(300, first=1000)))
    ledger = Ledger()
    await workers.play(START_MS + 3 * HOUR, ledger)

    assert sorted(ledger.reports) == sorted(paced + burst)
    assert all(outcome(r) == DELIVERED for r in ledger.reports.values())
    submitted = workers.counters[0].submitted + workers.counters[1].submitted
    assert len(submitted) == len(set(submitted)) == 450  # nobody submitted anything twice
    assert all(len(c.submitted) > 0 for c in workers.counters)
    for message_id in paced[::10] + burst[::30]:
        assert (await state_of(workers.gateways[0], message_id))["attempts"] == 1
    times = ledger.sent_at(paced)
    assert times == [START_MS + i * 60 * SECOND for i in range(150)]
    assert_paced(times, 60, "HOUR")
    assert set(ledger.sent_at(burst)) == {START_MS}


async def test_two_workers_share_the_upstream_submit_rate(
    settings: Settings, clock: ManualClock, receiver: Receiver, stack: AsyncExitStack
) -> None:
    """10 per second overall, held by the database's token bucket for both workers: 100 due messages leave over 10
    seconds, at most 10 in each second (the clock steps one second at a time)."""
    workers = await start_workers(stack, dataclasses.replace(settings, max_submit_rate=10), clock, receiver)
    await register_basics(workers.client)
    _, ids = await accept(workers.client, bulk_body(numbers(100)))
    await workers.run_until_idle()
    for _ in range(15):
        clock.advance(1)
        await workers.run_until_idle()
    ledger = Ledger()
    await ledger.pull(workers.client)
    assert sorted(ledger.reports) == sorted(ids)
    per_second = Counter(t // SECOND for t in ledger.done_at(ids))
    assert max(per_second.values()) <= 10
    assert len(per_second) == 10
    submitted = workers.counters[0].submitted + workers.counters[1].submitted
    assert len(submitted) == len(set(submitted)) == 100
