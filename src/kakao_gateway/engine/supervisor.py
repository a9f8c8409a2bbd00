"""Duties and their supervisor: each duty of the engine runs as its own asyncio task with its own wake-up, so a
slow webhook receiver or a slow upstream delays only the duty that talks to it.

A duty's `step` does one bounded round of work and says how much it did. Its loop runs it again at once while it
finds work, and otherwise sleeps until woken or until its idle wait passes (other processes may add work). A
step that raises is logged and retried with a growing pause; a task that dies anyway is started again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 5.0


@dataclass
class Duty:
    name: str
    step: Callable[[], Awaitable[int]]
    idle_wait: Callable[[], Awaitable[float]]
    wake_event: asyncio.Event = field(default_factory=asyncio.Event)
    guard: asyncio.Lock | None = None  # held around each step (the virtual clock shares one lock with its advances)
    failures: int = 0
    # Read-only state for readiness checks: the running task, and when (time.monotonic) a step last completed.
    task: asyncio.Task[None] | None = None
    last_step_at: float | None = None

    def wake(self) -> None:
        self.wake_event.set()

    @property
    def alive(self) -> bool:
        return self.task is not None and not self.task.done()


async def _sleep_until(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def _step(duty: Duty) -> int:
    if duty.guard is None:
        return await duty.step()
    async with duty.guard:
        return await duty.step()


async def run_duty(duty: Duty, stop: asyncio.Event) -> None:
    while not stop.is_set():
        duty.wake_event.clear()  # before the step, so a wake-up during it is not lost
        try:
            busy = await _step(duty)
        except Exception:
            duty.failures += 1
            pause = min(MAX_BACKOFF_S, 0.05 * 2**duty.failures)
            log.exception("engine duty %s failed (%d in a row); again in %.2f s", duty.name, duty.failures, pause)
            await _sleep_until(stop, pause)
            continue
        duty.failures = 0
        duty.last_step_at = time.monotonic()
        if busy:
            await asyncio.sleep(0)  # let the API and the other duties in between busy rounds
            continue
        try:
            wait = await duty.idle_wait()
        except Exception:
            log.exception("engine duty %s could not tell its next due time", duty.name)
            wait = MAX_BACKOFF_S
        await _sleep_until(duty.wake_event, wait)


def _start(duty: Duty, stop: asyncio.Event) -> asyncio.Task[None]:
    duty.task = asyncio.create_task(run_duty(duty, stop), name=f"engine-{duty.name}")
    return duty.task


async def supervise(duties: list[Duty], stop: asyncio.Event) -> None:
    """Run every duty in its own task until `stop` is set; restart any task that ends before that."""
    tasks = {_start(d, stop): d for d in duties}
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            done, _ = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
            for task in [t for t in tasks if t in done]:  # the duties' tasks that ended (not `stopping`)
                duty = tasks.pop(task)
                if not stop.is_set():
                    error = None if task.cancelled() else task.exception()
                    log.error("engine duty %s stopped unexpectedly (%r); restarting it", duty.name, error)
                    tasks[_start(duty, stop)] = duty
    finally:
        stop.set()
        for d in tasks.values():
            d.wake()
        stopping.cancel()
        results = await asyncio.gather(*tasks, stopping, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception) and not isinstance(result, asyncio.CancelledError):
                log.error("engine duty ended with %r", result)
