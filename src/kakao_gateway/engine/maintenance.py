"""Maintenance duties: expire rows past validity, rescue lapsed claims and silent upstream calls, collect late
results, purge finished rows, refresh planner statistics."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..clock import Clock
from ..connectors.base import Connector, LateResult
from ..domain import status as st
from ..store.database import Database
from ..store.messages import purge_messages
from ..store.outcomes import Outcome, claim_stale, expire_queued, record
from ..store.reports import purge_reports
from .dispatch import retry_outcome
from .settings import EngineSettings

log = logging.getLogger(__name__)

_EXPIRED = st.status("EXPIRED_EXPIRED").id
_LAPSED = st.error("EC_VALIDITY_EXPIRED").id
_PENDING = st.status("PENDING_ENROUTE").id
_WAITING = st.status("PENDING_WAITING_DELIVERY").id
_NO_ERROR = st.error("NO_ERROR").id
_TIMEOUT = st.error("EC_PROVIDER_TIMEOUT").id
_NOT_SENT = st.status("UNDELIVERABLE_NOT_SENT").id
_PROVIDER_ERROR = st.error("EC_PROVIDER_INTERNAL_ERROR").id
EXPIRE_BATCH = 1000
PURGE_BATCH = 5000


class Maintenance:
    def __init__(self, db: Database, clock: Clock, settings: EngineSettings, owner: str) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.owner = owner
        self._last_purge = 0
        self._last_optimize = 0

    async def expire(self) -> int:
        return await self.db.write(expire_queued(self.clock.now_ms(), EXPIRE_BATCH))

    async def rescue(self) -> int:
        now = self.clock.now_ms()
        s = self.settings
        lapsed, silent = await self.db.write(claim_stale(now, s.claim_batch, self.owner, s.lease_ms))
        outcomes = []
        for c in lapsed:  # a worker died holding it: queue it again now; dispatch paces it like any submit
            if now >= c.expires_at:
                outcomes.append(Outcome(c.seq, "final", _EXPIRED, _LAPSED, owner=self.owner))
            else:
                outcomes.append(Outcome(c.seq, "retry", _PENDING, _NO_ERROR, now, self.owner))
        outcomes.extend(retry_outcome(c, c.error_id or _TIMEOUT, now, self.owner) for c in silent)
        if outcomes:
            await self.db.write(record(outcomes, now))
        return len(outcomes)

    async def purge(self) -> int:
        now = self.clock.now_ms()
        if now - self._last_purge < self.settings.purge_every_ms:
            return 0
        self._last_purge = now
        before = now - self.settings.keep_ms
        while await self.db.write(purge_messages(before, PURGE_BATCH)) == PURGE_BATCH:
            pass
        while await self.db.write(purge_reports(before, PURGE_BATCH)) == PURGE_BATCH:
            pass
        return 0  # purging is housekeeping: it never makes the engine busier

    async def optimize(self) -> None:
        now = self.clock.now_ms()
        if self._last_optimize and now - self._last_optimize < self.settings.optimize_every_ms:
            return
        self._last_optimize = now
        await self.db.optimize()

    async def step(self) -> int:
        done = await self.expire() + await self.rescue()
        await self.purge()
        await self.optimize()
        return done


class Collector:
    """Late results from connectors (an upstream that answers after the submit) become outcomes."""

    def __init__(self, db: Database, clock: Clock, connectors: Mapping[str, Connector]) -> None:
        self.db = db
        self.clock = clock
        self.connectors = connectors

    async def step(self) -> int:
        now = self.clock.now_ms()
        late: list[LateResult] = []
        for route, connector in self.connectors.items():
            try:
                late.extend(await connector.poll_results(now))
            except Exception:
                log.exception("connector %s failed to report results; asking again later", route)
        if not late:
            return 0
        await self.db.write(record([_late_outcome(r, now) for r in late], now))
        return len(late)


def _late_outcome(r: LateResult, now: int) -> Outcome:
    try:
        status_id, error_id = st.status(r.status).id, st.error(r.error).id
    except KeyError:
        log.error("a late result named unknown status %r / error %r for %s", r.status, r.error, r.seq)
        return Outcome(r.seq, "final", _NOT_SENT, _PROVIDER_ERROR)
    if r.kind == "final":
        return Outcome(r.seq, "final", status_id, error_id)
    # retried on the next timeout sweep with the usual backoff; record why it waits
    return Outcome(r.seq, "sent", _WAITING, error_id, now)
