"""Maintenance duties: expire rows past validity, rescue lapsed claims and silent upstream calls, collect late
results, purge finished rows (messages after their history retention, reports after 48 hours, short links and clicks
past their retention), move the logs' floors up past rows older than the logs show, refresh planner statistics."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from ..clock import Clock
from ..connectors.base import Connector, LateResult
from ..domain import status as st
from ..domain.codes import EXPIRED, LAPSED, NO_ERROR, PENDING, TIMEOUT
from ..store.database import Database
from ..store.links import purge_clicks, purge_links
from ..store.message_queries import moved_log_floors, purge_messages, raise_log_floors
from ..store.outcomes import Outcome, claim_stale, expire_queued, late_outcome, record
from ..store.reports import purge_reports
from ..store.rollups import purge_stats
from ..store.sangdam_sessions import purge_sessions
from ..store.sql import Op
from ..store.stats import channels_of
from ..store.template_inspection import advance_due
from .dispatch import log_ids, retry_outcome
from .observer import EngineObserver, NullObserver, observe_failovers
from .settings import EngineSettings

log = logging.getLogger(__name__)

EXPIRE_BATCH = 1000
PURGE_BATCH = 5000
REF_WAIT_MS = 10 * 60_000  # how long a result naming only the upstream's id is looked for (its row may be in flight)
SESSION_PURGE_BATCH = 500  # sessions per transaction, each with its whole transcript
INSPECTION_BATCH = 500  # templates whose planned inspection transition fell due, per transaction
LINK_PURGE_BATCH = 1000  # short links per statement (their codes are bound as parameters to delete their clicks)


class Maintenance:
    def __init__(
        self, db: Database, clock: Clock, settings: EngineSettings, owner: str, observer: EngineObserver | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.owner = owner
        self.observer: EngineObserver = observer or NullObserver()
        self._last_purge = 0
        self._last_optimize = 0

    async def expire(self) -> int:
        recorded = await self.db.write(expire_queued(self.clock.now_ms(), EXPIRE_BATCH))
        observe_failovers(self.observer, recorded.failed_over)
        if recorded.changed:
            self.observer.expired(recorded.changed)
            log.info("%d queued messages expired", recorded.changed)
        return recorded.changed + len(recorded.failed_over)

    async def inspect_templates(self) -> int:
        """Write the sandbox inspections' transitions that have passed, each queueing its TEMPLATE_STATUS webhook."""
        return await self.db.write(advance_due(self.clock.now_ms(), INSPECTION_BATCH))

    async def rescue(self) -> int:
        now = self.clock.now_ms()
        s = self.settings
        lapsed, silent = await self.db.write(claim_stale(now, s.claim_batch, self.owner, s.lease_ms))
        outcomes = []
        for c in lapsed:  # a worker died holding it: queue it again now; dispatch paces it like any submit
            log.warning("the lease of a message lapsed (its worker died?); sending it again", extra=log_ids([c]))
            if now >= c.expires_at:
                outcomes.append(Outcome(c.seq, "final", EXPIRED, LAPSED, owner=self.owner))
                self.observer.expired(1)
            else:
                outcomes.append(Outcome(c.seq, "retry", PENDING, NO_ERROR, now, self.owner, why="lease"))
                self.observer.retried(c.channel, c.route, "lease", 1)
        for c in silent:
            self.observer.retried(c.channel, c.route, "timeout", 1)
        outcomes.extend(retry_outcome(c, c.error_id or TIMEOUT, now, self.owner, "timeout") for c in silent)
        if outcomes:
            recorded = await self.db.write(record(outcomes, now))
            observe_failovers(self.observer, recorded.failed_over)
        return len(outcomes)

    async def purge(self) -> int:
        now = self.clock.now_ms()
        if now - self._last_purge < self.settings.purge_every_ms:
            return 0
        self._last_purge = now
        s = self.settings
        before = now - s.keep_ms
        history_before = now - max(s.history_keep_ms, s.keep_ms)  # the logs show finished rows for keep_ms
        await self._purge("messages", lambda: purge_messages(history_before, PURGE_BATCH), PURGE_BATCH)
        await self._purge("reports", lambda: purge_reports(before, PURGE_BATCH), PURGE_BATCH)
        await self.advance_log_floors(before)
        stats_before = now - s.stats_keep_ms
        await self._purge("stats", lambda: purge_stats(stats_before, PURGE_BATCH), PURGE_BATCH)
        if s.link_keep_ms > 0:
            links_before = now - s.link_keep_ms
            await self._purge("short_links", lambda: purge_links(links_before, LINK_PURGE_BATCH), LINK_PURGE_BATCH)
        if s.click_keep_ms > 0:
            clicks_before = now - s.click_keep_ms
            await self._purge("clicks", lambda: purge_clicks(clicks_before, PURGE_BATCH), PURGE_BATCH)
        if s.transcript_keep_ms > 0:
            closed_before = now - s.transcript_keep_ms
            await self._purge(
                "sangdam_sessions", lambda: purge_sessions(closed_before, SESSION_PURGE_BATCH), SESSION_PURGE_BATCH
            )
        return 0  # purging is housekeeping: it never makes the engine busier

    async def advance_log_floors(self, since: int) -> None:
        """Move each account's logs floor past the rows that left the logs (finished before `since`): a read walks
        them (off the writer), one short write records the floors."""
        moved = await self.db.read(moved_log_floors(since))
        if moved:
            await self.db.write(raise_log_floors(moved))

    async def _purge(self, table: str, op: Callable[[], Op[int]], batch: int) -> None:
        """Delete in bounded batches (each its own short transaction) until a batch comes back short."""
        total = 0
        while True:
            deleted = await self.db.write(op())
            total += deleted
            if deleted < batch:
                break
        if total:
            self.observer.purged(table, total)
            log.info("purged %d rows of %s", total, table)

    async def optimize(self) -> None:
        now = self.clock.now_ms()
        if self._last_optimize and now - self._last_optimize < self.settings.optimize_every_ms:
            return
        self._last_optimize = now
        await self.db.optimize()

    async def step(self) -> int:
        done = await self.expire() + await self.rescue() + await self.inspect_templates()
        await self.purge()
        await self.optimize()
        return done


class Collector:
    """Late results from connectors (an upstream that answers after the submit) become outcomes."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        connectors: Mapping[str, Connector],
        observer: EngineObserver | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.connectors = connectors
        self.observer: EngineObserver = observer or NullObserver()
        # Results taken from a connector but not yet written: a connector hands each result out once, so a failed
        # write must not lose them (the message would be sent again and its first report lost).
        self._unrecorded: list[tuple[str, LateResult]] = []
        # Results naming only the upstream's id whose row was not found yet (its submit not recorded yet, say), with
        # when they came: looked for again at every step, until REF_WAIT_MS.
        self._unmatched: dict[str, tuple[str, LateResult, int]] = {}

    async def step(self) -> int:
        now = self.clock.now_ms()
        late, self._unrecorded = self._unrecorded, []
        late.extend((route, r) for route, r, _ in self._unmatched.values())
        try:
            # A copy: a connector may be added while this awaits (an account's upstream, built on first use).
            for route, connector in list(self.connectors.items()):
                try:
                    late.extend((route, r) for r in await connector.poll_results(now))
                except Exception:
                    log.exception("connector %s failed to report results; asking again later", route)
            if not late:
                return 0
            outcomes = [_late_outcome(route, r, now) for route, r in late]
            recorded = await self.db.write(record(outcomes, now))
        except BaseException:  # never drop what a connector gave: each result is handed out once
            self._unrecorded = [(route, r) for route, r in late if r.seq]
            for route, r in late:
                if not r.seq and r.ref is not None:
                    self._unmatched.setdefault(r.ref, (route, r, now))
            raise
        self._keep_unmatched(late, recorded.unmatched, now)
        found = [(route, r) for route, r in late if r.seq]
        await self._observe(found, [_late_outcome(route, r, now) for route, r in found])
        observe_failovers(self.observer, recorded.failed_over)
        return len(late) - len(self._unmatched)

    def _keep_unmatched(self, late: list[tuple[str, LateResult]], unmatched: list[str], now: int) -> None:
        waiting = set(unmatched)
        kept: dict[str, tuple[str, LateResult, int]] = {}
        for route, r in late:
            if r.seq or r.ref not in waiting or r.ref is None:
                continue
            since = self._unmatched[r.ref][2] if r.ref in self._unmatched else now
            if now - since < REF_WAIT_MS:
                kept[r.ref] = (route, r, since)
            else:
                log.warning("route %s reported upstream id %s, which no waiting message has: dropped", route, r.ref)
        self._unmatched = kept

    async def _observe(self, late: list[tuple[str, LateResult]], outcomes: list[Outcome]) -> None:
        """Count late outcomes by channel (a late result names only its row: one primary-key lookup per batch)."""
        try:
            channels = await self.db.read(channels_of([r.seq for _, r in late]))
        except Exception:
            log.exception("could not look up the channels of %d late results", len(late))
            channels = {}
        for (route, r), o in zip(late, outcomes, strict=True):
            group = st.STATUS_BY_ID[o.status_id].group_name
            self.observer.outcome(channels.get(r.seq, "UNKNOWN"), route, group, "late")


def _late_outcome(route: str, r: LateResult, now: int) -> Outcome:
    return late_outcome(route, r.seq, r.hop, r.kind, r.status, r.error, now, r.ref)
