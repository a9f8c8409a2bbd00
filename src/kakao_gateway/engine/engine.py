"""The delivery engine: its duties, run either each as its own supervised task (`run_forever`, the server) or one
after the other (`run_once` / `run_until_idle`, for tests and the sandbox's virtual clock).

Duties: dispatch (claim, submit, record), collect (late upstream results), push (the outbox to webhooks),
maintenance (expire, rescue, purge, planner statistics) and sangdam (session expiry, inbound forwarding). Each has
its own wake-up: an accepted send wakes dispatch (in this process directly, in others by NOTIFY on PostgreSQL),
recorded outcomes wake push.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass

from ..clock import Clock
from ..connectors.base import Connector
from ..store.database import Database
from ..store.message_queries import next_due_at
from .dispatch import Dispatcher
from .maintenance import Collector, Maintenance
from .observer import EngineObserver, NullObserver
from .sessions import SangdamDuty
from .settings import EngineSettings
from .supervisor import Duty, supervise
from .upstream_routes import Router
from .webhooks import WebhookPusher

__all__ = ["DutyState", "Engine", "EngineSettings"]

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
    ) -> None:
        self.db = db
        self.clock = clock
        self.connectors = connectors  # by route
        self.router = router  # failover between upstreams
        self.pusher = pusher
        self.owner = uuid.uuid4().hex
        self._settings = settings or EngineSettings()
        self.observer: EngineObserver = observer or NullObserver()
        self._build()
        # The virtual clock's advances and the duties take turns: an advance plays out each instant completely.
        self.lock = asyncio.Lock()
        guard = self.lock if clock.is_virtual else None
        self.duties = {
            "dispatch": Duty("dispatch", self._dispatch_step, self._dispatch_wait, guard=guard),
            "collect": Duty("collect", self._collect_step, self._poll_wait, guard=guard),
            "push": Duty("push", self.pusher.step, self._poll_wait, guard=guard),
            "maintenance": Duty("maintenance", self._maintenance_step, self._maintenance_wait, guard=guard),
            "sangdam": Duty("sangdam", self._sangdam_step, self._poll_wait, guard=guard),
        }
        self.pusher.on_done = self._pushed

    def _build(self) -> None:
        s = self._settings
        self.dispatcher = Dispatcher(self.db, self.clock, self.connectors, s, self.owner, self.observer, self.router)
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
        self.duties["dispatch"].wake()

    def _on_notify(self, payload: str) -> None:
        self.duties["push" if payload == "push" else "dispatch"].wake()

    async def _dispatch_step(self) -> int:
        done = await self.dispatcher.step()
        if done:
            self.duties["push"].wake()
        return done

    def _pushed(self) -> None:
        """A post ended: its URL has a free slot, and a Sangdam session may have its next batch to forward."""
        self.duties["push"].wake()
        self.duties["sangdam"].wake()

    async def _sangdam_step(self) -> int:
        done = await self.sangdam.step()
        if done:
            self.duties["push"].wake()
        return done

    async def _maintenance_step(self) -> int:
        return await self.maintenance.step()

    async def _collect_step(self) -> int:
        done = await self.collector.step()
        if done:
            self.duties["push"].wake()
        return done

    async def _poll_wait(self) -> float:
        return self._settings.poll_interval_s

    async def _maintenance_wait(self) -> float:
        return self._settings.maintenance_interval_s

    async def _dispatch_wait(self) -> float:
        """Sleep until the next queued row falls due, at most one poll interval (other processes may add work)."""
        limit = self._settings.poll_interval_s
        if self.clock.is_virtual:
            return limit
        due = await self.db.read(next_due_at())
        if due is None:
            return limit
        return min(limit, max(0.0, (due - self.clock.now_ms()) / 1000))

    # --- the serial driver -------------------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Every duty once, in order, waiting for the pushes it starts; returns how much work was done."""
        async with self.lock:
            m = self.maintenance
            done = await m.expire()
            done += await m.rescue()
            done += await m.inspect_templates()
            done += await self.dispatcher.step()
            done += await self.collector.step()
            done += await self.pusher.push_due()
            done += await self.sangdam.step()
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
