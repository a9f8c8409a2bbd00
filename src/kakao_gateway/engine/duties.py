"""The engine's duties, as a list the composition root assembles (`Engine(..., duties=[...])`).

A duty is a name (what /ready and the metrics show), one bounded round of work that says how much it did, how long
to sleep when a round found nothing, and which duties to wake when one did something. The five standard duties
reach the engine's own parts; a duty of one's own (say, an ingest from a customer's database table) brings its own
step, and the engine runs it like the others: its own task under the supervisor, and in `run_once` after them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..store.message_queries import next_due_at

if TYPE_CHECKING:
    from .engine import Engine


async def poll_wait(engine: Engine) -> float:
    """Other processes may add work: look again after the poll interval."""
    return engine.settings.poll_interval_s


async def maintenance_wait(engine: Engine) -> float:
    return engine.settings.maintenance_interval_s


async def dispatch_wait(engine: Engine) -> float:
    """Sleep until the next queued row falls due, at most one poll interval (other processes may add work)."""
    limit = engine.settings.poll_interval_s
    if engine.clock.is_virtual:
        return limit
    due = await engine.db.read(next_due_at())
    if due is None:
        return limit
    return min(limit, max(0.0, (due - engine.clock.now_ms()) / 1000))


@dataclass(frozen=True)
class DutySpec:
    name: str
    step: Callable[[Engine], Awaitable[int]]  # one bounded round of work; how much it did (0: nothing to do)
    idle_wait: Callable[[Engine], Awaitable[float]] = poll_wait  # seconds to sleep after a round that found nothing
    wakes: tuple[str, ...] = ()  # duties woken after a round that did something (absent ones are left out)


async def _dispatch(engine: Engine) -> int:
    return await engine.dispatcher.step()


async def _collect(engine: Engine) -> int:
    return await engine.collector.step()


async def _push(engine: Engine) -> int:
    return await engine.pusher.step()


async def _maintain(engine: Engine) -> int:
    return await engine.maintenance.step()


async def _sangdam(engine: Engine) -> int:
    return await engine.sangdam.step()


DISPATCH = DutySpec("dispatch", _dispatch, dispatch_wait, wakes=("push",))  # claim, submit, record
COLLECT = DutySpec("collect", _collect, wakes=("push",))  # late results from connectors
PUSH = DutySpec("push", _push)  # the outbox to webhooks
MAINTENANCE = DutySpec("maintenance", _maintain, maintenance_wait)  # expire, rescue, inspect, purge, statistics
SANGDAM = DutySpec("sangdam", _sangdam, wakes=("push",))  # session expiry, inbound forwarding
STANDARD_DUTIES: tuple[DutySpec, ...] = (DISPATCH, COLLECT, PUSH, MAINTENANCE, SANGDAM)
