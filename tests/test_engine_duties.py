"""The engine's duties are a list the composition root assembles: a duty of one's own (here a stand-in for an ingest
from a customer's table) runs beside the standard five, as its own supervised task (retried when a step fails, shown
by /ready and /metrics) and in the serial driver that tests and the virtual clock use."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.engine.duties import STANDARD_DUTIES, DutySpec
from kakao_gateway.engine.engine import Engine

from .conftest import ADMIN_KEY, START_MS, Receiver

STANDARD = ["dispatch", "collect", "push", "maintenance", "sangdam"]


@dataclass
class Ingest:
    """Finds one row of work per step until its table is empty; its first step fails (a database hiccup)."""

    backlog: int = 3
    steps: int = 0
    failed: bool = False
    engines: list[Engine] = field(default_factory=list)

    async def step(self, engine: Engine) -> int:
        self.steps += 1
        self.engines.append(engine)
        if not self.failed:
            self.failed = True
            raise RuntimeError("the customer's database went away")
        if not self.backlog:
            return 0
        self.backlog -= 1
        return 1

    def spec(self) -> DutySpec:
        return DutySpec("ingest", self.step, wakes=("dispatch",))


@pytest.fixture
def ingest() -> Ingest:
    return Ingest()


@pytest.fixture
async def running(settings: Settings, receiver: Receiver, ingest: Ingest) -> AsyncIterator[Gateway]:
    """A gateway whose engine runs its duties as tasks (as `serve` does), with the ingest duty added."""
    gw = Gateway(
        dataclasses.replace(settings, engine=True),
        clock=ManualClock(START_MS),
        webhook_transport=httpx.ASGITransport(app=receiver.app()),
        duties=[ingest.spec()],
    )
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def until(condition: object, what: str) -> None:
    for _ in range(200):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_duty_of_ones_own_runs_under_the_supervisor(running: Gateway, ingest: Ingest) -> None:
    assert list(running.engine.duties) == [*STANDARD, "ingest"]
    await until(lambda: ingest.backlog == 0 and ingest.steps >= 5, "the ingest to drain its backlog")
    assert ingest.failed, "its failing step was retried"
    assert set(ingest.engines) == {running.engine}
    assert running.engine.duty_states()["ingest"].failures == 0
    app = create_app(running)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        for _ in range(100):  # every duty's first step
            ready = await c.get("/ready")
            if ready.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert ready.status_code == 200, ready.text
        duties = ready.json()["checks"]["engine"]["duties"]
        assert list(duties) == [*STANDARD, "ingest"]
        assert duties["ingest"]["alive"] and duties["ingest"]["lastStepSecondsAgo"] is not None
        metrics = await c.get("/metrics", headers={"Authorization": f"App {ADMIN_KEY}"})
        assert 'kakao_gateway_engine_duty_up{duty="ingest"} 1.0' in metrics.text
        assert 'kakao_gateway_engine_duty_up{duty="dispatch"} 1.0' in metrics.text


async def test_the_serial_driver_runs_it_after_the_standard_duties(
    settings: Settings, receiver: Receiver, ingest: Ingest
) -> None:
    gw = Gateway(settings, clock=ManualClock(START_MS), duties=[ingest.spec()])
    await gw.start()
    try:
        with pytest.raises(RuntimeError, match="went away"):
            await gw.engine.run_once()
        await gw.engine.run_until_idle()
        assert ingest.backlog == 0
    finally:
        await gw.stop()


async def test_duty_names_are_unique(gateway: Gateway) -> None:
    twice = [*STANDARD_DUTIES, dataclasses.replace(STANDARD_DUTIES[0], name="push")]
    with pytest.raises(ValueError, match="two duties named 'push'"):
        Engine(gateway.db, gateway.clock, gateway.connectors, gateway.engine.pusher, duties=twice)
