"""The delivery engine: its duties, run either each as its own supervised task (`run_forever`, the server) or one
after the other (`run_once` / `run_until_idle`, for tests and the sandbox's virtual clock).

Its duties are the list its builder gives (duties.py): the standard five are dispatch (claim, submit, record),
collect (late upstream results), push (the outbox to webhooks), maintenance (expire, rescue, purge, planner
statistics) and sangdam (session expiry, inbound forwarding); others plug in beside them. Each has its own wake-up:
an accepted send wakes dispatch (in this process directly, in others by NOTIFY on PostgreSQL), recorded outcomes
wake push.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass

from ..clock import Clock
from ..connectors.base import Connector
from ..store.database import Database
from .dispatch import Dispatcher
from .duties import STANDARD_DUTIES, DutySpec
from .maintenance import Collector, Maintenance
from .observer import EngineObserver, NullObserver
from .sessions import SangdamDuty
from .settings import EngineSettings
from .supervisor import Duty, supervise
from .upstream_routes import Router
from .webhooks import WebhookPusher

__all__ = ["STANDARD_DUTIES", "DutySpec", "DutyState", "Engine", "EngineSettings"]

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "kakao_gateway"


@dataclass(frozen=True, slots=True)
class DutyState:
    alive: bool  # its task is running
    last_step_s: float | None  # seconds since a step last completed (None: none yet)
    failures: int  # steps that raised in a row


class Engine:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        connectors: MutableMapping[str, Connector],
        pusher: WebhookPusher,
        settings: EngineSettings | None = None,
        observer: EngineObserver | None = None,
        router: Router | None = None,
        *,
        resolve: Callable[[str], Awaitable[Connector | None]] | None = None,
        duties: Sequence[DutySpec] = STANDARD_DUTIES,
    ) -> None:
        """`resolve` builds the connector of a route met in a row that `connectors` lacks (None: such rows fail);
        `duties` are the duties to run, each under its name."""
        self.db = db
        self.clock = clock
        self.connectors = connectors  # by route
        self.router = router  # failover between upstreams
        self.pusher = pusher
        self.owner = uuid.uuid4().hex
        self._settings = settings or EngineSettings()
        self.observer: EngineObserver = observer or NullObserver()
        self._resolve = resolve
        self._build()
        # The virtual clock's advances and the duties take turns: an advance plays out each instant completely.
        self.lock = asyncio.Lock()
        guard = self.lock if clock.is_virtual else None
        self.duties: dict[str, Duty] = {}
        for spec in duties:
            if spec.name in self.duties:
                raise ValueError(f"two duties named {spec.name!r}")
            self.duties[spec.name] = Duty(spec.name, self._stepper(spec), self._waiter(spec), guard=guard)
        self._own_duties = [spec for spec in duties if spec not in STANDARD_DUTIES]  # run_once runs them last
        self.pusher.on_done = self._pushed

    def _build(self) -> None:
        s = self._settings
        self.dispatcher = Dispatcher(
            self.db, self.clock, self.connectors, s, self.owner, self.observer, self.router, resolve=self._resolve
        )
        self.maintenance = Maintenance(self.db, self.clock, s, self.owner, self.observer)
        self.collector = Collector(self.db, self.clock, self.connectors, self.observer)
        self.sangdam = SangdamDuty(self.db, self.clock)

    @property
    def settings(self) -> EngineSettings:
        return self._settings

    @settings.setter
    def settings(self, value: EngineSettings) -> None:
        self._settings = value
        self._build()

    def duty_states(self) -> dict[str, DutyState]:
        """Read-only: whether each duty's task is running and how long ago (seconds) a step of it completed."""
        now = time.monotonic()
        return {
            name: DutyState(d.alive, None if d.last_step_at is None else now - d.last_step_at, d.failures)
            for name, d in self.duties.items()
        }

    def wake(self) -> None:
        """Work was queued in this process: dispatch now rather than at its next poll."""
        self._wake("dispatch")

    def wake_duty(self, name: str) -> Callable[[], None]:
        """What wakes the duty `name` (nothing, if the engine has no such duty): for hooks handed to use cases."""
        return lambda: self._wake(name)

    def _wake(self, name: str) -> None:
        duty = self.duties.get(name)
        if duty is not None:
            duty.wake()

    def _on_notify(self, payload: str) -> None:
        self._wake("push" if payload == "push" else "dispatch")

    def _pushed(self) -> None:
        """A post ended: its URL has a free slot, and a Sangdam session may have its next batch to forward."""
        self._wake("push")
        self._wake("sangdam")

    def _stepper(self, spec: DutySpec) -> Callable[[], Awaitable[int]]:
        async def step() -> int:
            done = await spec.step(self)
            if done:
                for name in spec.wakes:
                    self._wake(name)
            return done

        return step

    def _waiter(self, spec: DutySpec) -> Callable[[], Awaitable[float]]:
        async def idle_wait() -> float:
            return await spec.idle_wait(self)

        return idle_wait

    # --- the serial driver -------------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Every duty once, in order, waiting for the pushes it starts (the standard duties' work in its serial
        order, then the others' steps); returns how much work was done."""
        async with self.lock:
            m = self.maintenance
            done = await m.expire()
            done += await m.rescue()
            done += await m.inspect_templates()
            done += await self.dispatcher.step()
            done += await self.collector.step()
            done += await self.pusher.push_due()
            done += await self.sangdam.step()
            for spec in self._own_duties:
                done += await spec.step(self)
            await m.purge()
            await m.optimize()
            return done

    async def run_until_idle(self, max_passes: int = 100_000) -> None:
        for _ in range(max_passes):
            if not await self.run_once():
                return
        raise RuntimeError("engine did not settle")

    # --- the server ----------------------------------------------------------------------------------------------

    async def run_forever(self, stop: asyncio.Event) -> None:
        try:
            await self.db.listen(NOTIFY_CHANNEL, self._on_notify)
        except Exception:
            log.exception("cannot listen for notifications; polling every %.1f s", self._settings.poll_interval_s)
        try:
            await supervise(list(self.duties.values()), stop)
        finally:
            await self.stop_pushes()

    async def stop_pushes(self, grace_s: float = 2.0) -> None:
        """Give posts under way a moment to finish; the rest are retried after their lease (at-least-once)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.pusher.drain(), grace_s)
        self.pusher.cancel()
