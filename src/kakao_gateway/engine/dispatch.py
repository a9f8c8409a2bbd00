"""Dispatch: claim due rows, hold what its window, pace or submit rate does not allow now, submit the rest to the
connector of each row's route, and record every outcome set-based in one operation.

While a batch is with its upstream, the leases of its rows are renewed, so a slow upstream does not get them
rescued and sent again by another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace

from ..clock import Clock
from ..connectors.base import Connector, Submission, SubmitResult
from ..domain import status as st
from ..domain.codes import NO_ERROR, NOT_SENT, PENDING, PROVIDER_ERROR, WAITING
from ..domain.retry import submit_retry_delay_ms
from ..domain.schedule import UNIT_MS, is_open, next_open, paced_start
from ..store import bulks as bulks_store
from ..store.database import Database
from ..store.message_rows import Claimed
from ..store.outcomes import ClaimTurn, Outcome, Why, claim_due, record, renew_leases
from ..store.rates import take_tokens, window_of
from ..store.reroute import hurry_waiting, set_route
from .observer import EngineObserver, NullObserver, observe_failovers
from .settings import EngineSettings
from .submission import submission_of
from .upstream_routes import NOT_TAKEN, Router, batch_failed

log = logging.getLogger(__name__)

LAST_CHANCE_MS = 1_000
TIMED_OUT = st.error("EC_PROVIDER_TIMEOUT").id
PROVIDER_INTERNAL = st.error("EC_PROVIDER_INTERNAL_ERROR").id
HURRY_LIMIT = 10_000  # rows waiting on their retry ladder moved at once when their upstream turns unhealthy


def retry_outcome(c: Claimed, error_id: int, now: int, owner: str | None, why: Why | None = None) -> Outcome:
    """Retry after the backoff, inside the message's delivery window, never past validity: when the retry would
    fall after it, the last retry is made just before validity ends (if the window is open then), and otherwise
    the message waits in the queue to expire exactly when its validity ends (4101)."""
    window = c.policy.timing.sending
    retry_at = next_open(now + submit_retry_delay_ms(c.attempts), window)
    last_chance = c.expires_at - LAST_CHANCE_MS
    if retry_at > last_chance:
        retry_at = last_chance if last_chance > now and is_open(last_chance, window) else c.expires_at
    return Outcome(c.seq, "retry", PENDING, error_id, retry_at, owner, departed=None, why=why)


def log_ids(rows: Sequence[Claimed]) -> dict[str, str]:
    """The `extra=` of a log line about these rows: each of messageId, bulkId, accountId that they share."""
    ids: dict[str, str] = {}
    if not rows:
        return ids
    first = rows[0]
    for key, value in (("messageId", first.message_id), ("bulkId", first.bulk_id), ("accountId", first.account_id)):
        if key == "messageId" and len(rows) > 1:
            continue
        if all(getattr(r, _ATTR[key]) == value for r in rows):
            ids[key] = value
    return ids


_ATTR = {"messageId": "message_id", "bulkId": "bulk_id", "accountId": "account_id"}


def _known(status: str, error: str) -> tuple[int, int] | None:
    try:
        return st.status(status).id, st.error(error).id
    except KeyError:
        return None


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        connectors: Mapping[str, Connector],
        settings: EngineSettings,
        owner: str,
        observer: EngineObserver | None = None,
        router: Router | None = None,
        *,
        resolve: Callable[[str], Awaitable[Connector | None]] | None = None,
    ) -> None:
        self.db = db
        self.router = router  # failover between upstreams (None: each row keeps the route it has)
        self.clock = clock
        self.connectors = connectors
        self.settings = settings
        self.owner = owner
        self.observer: EngineObserver = observer or NullObserver()
        # Finds the connector of a route built after this process started (an account's own SMS upstream).
        self.resolve = resolve
        self.turn = ClaimTurn()  # where the next claim's round of the accounts and bulks with due rows goes on

    async def step(self) -> int:
        now = self.clock.now_ms()
        s = self.settings
        claimed = await self.db.write(claim_due(now, s.claim_batch, self.owner, s.lease_ms, self.turn))
        if not claimed:
            return 0
        self.observer.claimed(len(claimed))
        allowed, held = self._hold_closed_windows(claimed, now)
        allowed = await self._pace(allowed, now)
        allowed, throttled = await self._throttle(allowed, now)
        if held or throttled:  # given back before the submits: they must not wait out a slow upstream's lease
            await self.db.write(record(held + throttled, now))
        allowed = await self._route(allowed, now)
        by_route: dict[str, list[Claimed]] = defaultdict(list)
        for c in allowed:
            by_route[c.route].append(c)
        outcomes: list[Outcome] = []
        renewal = asyncio.create_task(self._renew([c.seq for c in allowed]), name="lease-renewal")
        try:  # every row of the step keeps its lease until its outcome is recorded, whichever route it waits for
            for route, batch in by_route.items():
                for channel, count in Counter(c.channel for c in batch).items():
                    self.observer.submitted(channel, route, count)
                results = await self._submit(route, batch, now)
                moving = await self._judge(route, results, now)
                outcomes.extend(self._outcome(c, r, now, moving) for c, r in zip(batch, results, strict=True))
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
        recorded = await self.db.write(record(outcomes, self.clock.now_ms()))
        observe_failovers(self.observer, recorded.failed_over)
        return len(allowed)

    def _release(self, c: Claimed, due: int, why: Why) -> Outcome:
        """Give a claimed row back unsent, due at `due` inside its window (or at its expiry if none is left)."""
        due = next_open(due, c.policy.timing.sending)
        return Outcome(c.seq, "release", 0, 0, min(due, c.expires_at), self.owner, why=why)

    def _hold_closed_windows(self, claimed: list[Claimed], now: int) -> tuple[list[Claimed], list[Outcome]]:
        """A row claimed late (engine down or behind) may find its delivery window closed: it waits for it."""
        allowed, held = [], []
        for c in claimed:
            if is_open(now, c.policy.timing.sending):
                allowed.append(c)
            else:
                held.append(self._release(c, now, "window"))
        return allowed, held

    async def _pace(self, claimed: list[Claimed], now: int) -> list[Claimed]:
        """Enforce each paced bulk's sliding-window limit on actual departures. A row departs once: when its first
        submit is recorded (a retry does not take another slot; a claim rescued from a dead worker, whose submit was
        never recorded, does). Rows over the limit (a bulk that fell behind its plan) go back, and the bulk's rows
        that have not left are planned again from the first instant the limit allows, evenly spaced."""
        groups: dict[tuple[str, str], list[Claimed]] = defaultdict(list)
        for c in claimed:
            if c.departed_at is None:
                groups[(c.account_id, c.bulk_id)].append(c)
        behind = await self._behind(groups, now)
        if not behind:
            return claimed
        # Due at the first instant the limit allows, so they stay claimable even if the re-plan below fails (the
        # next dispatch paces them again); the re-plan then spreads them evenly.
        over = [
            Outcome(c.seq, "release", 0, 0, min(start, c.expires_at), self.owner, why="pace")
            for key, (start, room) in behind.items()
            for c in groups[key][room:]
        ]
        await self.db.write(record(over, now))
        for (account_id, bulk_id), (start, _) in behind.items():
            bulk = await self.db.read(bulks_store.get_bulk(account_id, bulk_id))
            if bulk is not None:
                await self.db.write(bulks_store.reslot_remaining(account_id, bulk, start))
        skip = {o.seq for o in over}
        return [c for c in claimed if c.seq not in skip]

    async def _behind(
        self, groups: dict[tuple[str, str], list[Claimed]], now: int
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """The paced bulks whose claimed rows exceed their room: (paced start for the rest, room)."""
        by_account: dict[str, list[str]] = defaultdict(list)
        for account_id, bulk_id in groups:
            by_account[account_id].append(bulk_id)
        behind: dict[tuple[str, str], tuple[int, int]] = {}
        for account_id, bulk_ids in by_account.items():
            paced = await self.db.read(bulks_store.paced_bulks(account_id, bulk_ids))
            for bulk_id, (amount, unit) in paced.items():
                rows = groups[(account_id, bulk_id)]
                since = now - UNIT_MS[unit]
                seqs = tuple(c.seq for c in rows)
                recent = await self.db.read(bulks_store.recent_departures(account_id, bulk_id, since, amount, seqs))
                room = max(0, amount - len(recent))
                if len(rows) > room:
                    behind[(account_id, bulk_id)] = (paced_start(now, recent + [now] * room, amount, unit), room)
        return behind

    async def _throttle(self, claimed: list[Claimed], now: int) -> tuple[list[Claimed], list[Outcome]]:
        """Keep what the upstream submit rates allow now; give the rest back, each due when a token frees up."""
        s = self.settings
        allowed = claimed
        released: list[Outcome] = []
        for rate, key_of in ((s.max_submit_rate_per_sender, _sender_key), (s.max_submit_rate, _global_key)):
            if rate <= 0 or not allowed:
                continue
            groups: dict[str, list[Claimed]] = defaultdict(list)
            for c in allowed:
                groups[key_of(c)].append(c)
            granted = await self.db.write(take_tokens({k: len(v) for k, v in groups.items()}, rate, now))
            allowed = []
            limit, window_ms = window_of(rate)
            for key, group in groups.items():
                allowed.extend(group[: granted[key]])
                for waiting, c in enumerate(group[granted[key] :]):  # due when the sliding window has room
                    released.append(self._release(c, now + window_ms * (waiting // limit + 1), "rate"))
        return allowed, released

    async def _renew(self, seqs: list[int]) -> None:
        while True:
            await asyncio.sleep(self.settings.renew_every_s)
            until = self.clock.now_ms() + self.settings.lease_ms
            try:
                await self.db.write(renew_leases(seqs, self.owner, until))
            except Exception:
                log.exception("could not renew the leases of %d rows", len(seqs))

    async def _submit(self, route: str, batch: list[Claimed], now: int) -> list[SubmitResult]:
        connector = self.connectors.get(route)
        if connector is None and self.resolve is not None:
            connector = await self.resolve(route)
        if connector is None:  # a process configured apart from the others, or an upstream removed: wait for it
            log.error(
                "no connector serves route %s; %d messages wait for one (until their validity ends)",
                route,
                len(batch),
                extra=log_ids(batch),
            )
            return [SubmitResult("temporary", error="EC_CONFIGURATION_ERROR")] * len(batch)
        submissions: list[Submission] = [submission_of(c) for c in batch]
        try:
            results = await connector.submit(submissions, now)
        except Exception:
            log.exception("connector %s failed a submit; retrying the batch later", route, extra=log_ids(batch))
            return [SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")] * len(batch)
        if len(results) != len(batch):
            log.error(
                "connector %s answered %d results for %d messages",
                route,
                len(results),
                len(batch),
                extra=log_ids(batch),
            )
            return [SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")] * len(batch)
        return results

    async def _route(self, claimed: list[Claimed], now: int) -> list[Claimed]:
        """Send each row to the first healthy upstream of its list; record the moves before the submits."""
        if self.router is None or not claimed:
            return claimed
        await self.router.load([c.account_id for c in claimed], now)
        moved: dict[tuple[str, str], list[int]] = defaultdict(list)
        routed: list[Claimed] = []
        for c in claimed:
            sticky = c.error_id == TIMED_OUT  # its last attempt got no answer: that upstream may have it
            route = self.router.choose(c.account_id, c.hop, c.route, sticky, now, c.channel)
            if route != c.route:
                moved[(c.route, route)].append(c.seq)
                c = replace(c, route=route)
            routed.append(c)
        for (old, new), seqs in moved.items():
            await self.db.write(set_route(seqs, self.owner, new))
            self.observer.rerouted(old, new, len(seqs))
            log.info("%d messages go to route %s instead of %s", len(seqs), new, old)
        return routed

    async def _judge(self, route: str, results: list[SubmitResult], now: int) -> bool:
        """Feed the route's breaker; True when the batch's rows should move to another upstream at once."""
        if self.router is None:
            return False
        breaker = self.router.breaker(route)
        breaker.sent()
        error = batch_failed(results)
        if error is None:
            breaker.answered()
            return False
        if breaker.failed(now, error):
            log.warning("route %s is unhealthy after %d failed batches (%s)", route, breaker.failures, error)
            self.observer.upstream_opened(route)
            await self.db.write(hurry_waiting(route, (PROVIDER_INTERNAL,), now, HURRY_LIMIT))
        return breaker.state == "open"

    def _outcome(self, c: Claimed, r: SubmitResult, now: int, moving: bool = False) -> Outcome:
        movable = moving and r.kind == "temporary" and r.error in NOT_TAKEN and self.router is not None
        if movable and self.router is not None and self.router.has_alternative(c.account_id, c.hop, c.route, now):
            return self._release(c, now, "upstream")  # not taken: to the next upstream now, not the ladder
        outcome = self._decide(c, r, now)
        group = st.STATUS_BY_ID[outcome.status_id].group_name
        self.observer.outcome(c.channel, c.route, group, "submit")
        if outcome.kind == "retry":
            self.observer.retried(c.channel, c.route, "temporary", 1)
        return outcome

    def _decide(self, c: Claimed, r: SubmitResult, now: int) -> Outcome:
        known = _known(r.status, r.error)
        if known is None:  # never raise after a submit: the outcome must be recorded, or the row is sent again
            log.error(
                "route %s answered unknown status %r / error %r",
                c.route,
                r.status,
                r.error,
                extra=log_ids([c]),
            )
            return Outcome(c.seq, "final", NOT_SENT, PROVIDER_ERROR, owner=self.owner, departed=now)
        status_id, error_id = known
        if r.kind == "final":  # `record` decides whether it ends the message or starts its SMS hop
            return Outcome(c.seq, "final", status_id, error_id, owner=self.owner, departed=now, route=c.route)
        if r.kind == "accepted":
            due = min(now + (r.wait_ms or self.settings.result_timeout_ms), c.expires_at)
            return Outcome(c.seq, "sent", WAITING, NO_ERROR, due, self.owner, departed=now, route=c.route, ref=r.ref)
        retry = retry_outcome(c, error_id, now, self.owner)
        return Outcome(
            retry.seq, "retry", retry.status_id, retry.error_id, retry.due_at, self.owner, departed=now, route=c.route
        )


def _sender_key(c: Claimed) -> str:
    return f"submit:{c.account_id}:{c.sender}"


def _global_key(c: Claimed) -> str:
    return "submit:*"
