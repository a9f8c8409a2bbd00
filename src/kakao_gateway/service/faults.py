"""API faults (README, "API faults"): an account asks that its next requests to a path answer an error status.

Which accounts have faults on which paths is kept per process for at most WATCH_MS (real time), so a request pays
nothing unless its account has a fault on its path; a fault made through this process is seen at once, one made
through another within WATCH_MS."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..schemas.sandbox_rules import FaultWire
from ..store import sandbox_faults as store
from ..store.sandbox_faults import Fault
from .context import Context

WATCH_MS = 1_000


def _monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def fault_wire(f: Fault) -> dict[str, Any]:
    wire: dict[str, Any] = {"id": str(f.id), "path": f.path, "status": f.status, "remaining": f.remaining}
    if f.method is not None:
        wire["method"] = f.method
    if f.retry_after_s is not None:
        wire["retryAfterSeconds"] = f.retry_after_s
    return wire


class FaultWatch:
    """The (account, path) pairs with pending faults, as this process last read them."""

    def __init__(self, monotonic_ms: Callable[[], int] = _monotonic_ms) -> None:
        self._now = monotonic_ms
        self._pending: set[tuple[str, str]] = set()
        self._read_at: int | None = None

    def changed(self) -> None:
        self._read_at = None

    async def may_have(self, ctx: Context) -> bool:
        """Whether some account may have a pending fault (cheap: no query while the last answer is fresh)."""
        await self._refresh(ctx)
        return bool(self._pending)

    async def take(self, ctx: Context, account_id: str, method: str, path: str) -> Fault | None:
        """Take one request's worth of the account's first pending fault for `method` `path`, if it has one."""
        await self._refresh(ctx)
        if (account_id, path) not in self._pending:
            return None
        return await ctx.db.write(store.take_fault(account_id, method, path))

    async def _refresh(self, ctx: Context) -> None:
        now = self._now()
        if self._read_at is None or now - self._read_at >= WATCH_MS:
            self._pending = await ctx.db.read(store.pending_paths())
            self._read_at = now


async def add_fault(ctx: Context, watch: FaultWatch, account_id: str, body: FaultWire) -> dict[str, Any]:
    retry_after = body.retryAfterSeconds
    if retry_after is None and body.status != 500:
        retry_after = 1
    fault = await ctx.db.write(
        store.add_fault(account_id, body.path, body.method, body.status, body.count, retry_after, ctx.clock.now_ms())
    )
    watch.changed()
    return fault_wire(fault)


async def list_faults(ctx: Context, account_id: str) -> dict[str, Any]:
    return {"faults": [fault_wire(f) for f in await ctx.db.read(store.pending_faults(account_id))]}


async def clear_faults(ctx: Context, watch: FaultWatch, account_id: str) -> None:
    await ctx.db.write(store.clear_faults(account_id))
    watch.changed()
