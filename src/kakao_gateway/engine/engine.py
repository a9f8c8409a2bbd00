"""The delivery engine: claim due rows, submit them upstream, record outcomes, push reports, expire, purge.

`run_once` does one pass of every duty and says how much it did; `run_until_idle` repeats it until nothing is
due at the clock's current time, which is how tests (fake clock) and the sandbox's virtual clock drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from ..clock import Clock
from ..connectors.base import Connector, LateResult, Submission, SubmitResult
from ..domain import status as st
from ..domain.planning import MAX_VALIDITY_MS, MINUTE_MS
from ..domain.retry import submit_retry_delay_ms
from ..domain.schedule import UNIT_MS, is_open, next_open, paced_start, window_from_options
from ..store import bulks as bulks_store
from ..store import messages as msgs
from ..store.database import Database
from ..store.rates import take_tokens, window_of
from ..store.reports import purge_reports
from .webhooks import WebhookPusher

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    claim_batch: int = 500
    lease_ms: int = 30_000
    result_timeout_ms: int = 60_000
    poll_interval_s: float = 0.2
    purge_every_ms: int = 10 * MINUTE_MS
    keep_ms: int = MAX_VALIDITY_MS
    max_submit_rate: float = 0.0  # messages per second to the upstreams, all senders together; 0 = no limit
    max_submit_rate_per_sender: float = 0.0  # messages per second per (account, sender); 0 = no limit


_PENDING = st.status("PENDING_ENROUTE").id
_WAITING = st.status("PENDING_WAITING_DELIVERY").id
_EXPIRED = st.status("EXPIRED_EXPIRED").id
_LAPSED = st.error("EC_VALIDITY_EXPIRED").id
_NO_ERROR = st.error("NO_ERROR").id
_TIMEOUT = st.error("EC_PROVIDER_TIMEOUT").id
LAST_CHANCE_MS = 1_000


class Engine:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        connectors: dict[str, Connector],
        pusher: WebhookPusher,
        settings: EngineSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.connectors = connectors
        self.pusher = pusher
        self.settings = settings or EngineSettings()
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._last_purge = 0

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        async with self._lock:  # the background loop and a virtual-clock advance may both drive the engine
            return await self._pass()

    async def _pass(self) -> int:
        done = await self.db.write(msgs.expire_queued(self.clock.now_ms(), 1000))
        done += await self._rescue()
        done += await self._dispatch()
        done += await self._collect()
        done += await self.pusher.push_due()
        await self._purge()
        return done

    async def run_until_idle(self, max_passes: int = 100_000) -> None:
        for _ in range(max_passes):
            if not await self.run_once():
                return
        raise RuntimeError("engine did not settle")

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # before the pass, so a wake-up during it is not lost
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("engine pass failed; retrying")
                busy = 0
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), await self._idle_wait())

    async def _idle_wait(self) -> float:
        """Sleep until the next queued row falls due, at most one poll interval (other processes may add work)."""
        limit = self.settings.poll_interval_s
        if self.clock.is_virtual:
            return limit
        try:
            due = await self.db.read(msgs.next_due_at())
        except Exception:
            log.exception("could not read the next due time")
            return limit
        if due is None:
            return limit
        return min(limit, max(0.0, (due - self.clock.now_ms()) / 1000))

    def _temporary(self, c: msgs.Claimed, error_id: int, now: int) -> msgs.Outcome:
        """Retry after the backoff, inside the message's delivery window, never past validity: when the retry
        would fall after it, the last retry is made just before validity ends (if the window is open then), and
        otherwise the message waits in the queue to expire exactly when its validity ends (4101)."""
        window = window_from_options(c.options)
        retry_at = next_open(now + submit_retry_delay_ms(c.attempts), window)
        last_chance = c.expires_at - LAST_CHANCE_MS
        if retry_at > last_chance:
            retry_at = last_chance if last_chance > now and is_open(last_chance, window) else c.expires_at
        return msgs.Outcome(c.seq, "retry", _PENDING, error_id, retry_at, self.owner)

    async def _rescue(self) -> int:
        now = self.clock.now_ms()
        s = self.settings
        lapsed, silent = await self.db.write(msgs.claim_stale(now, s.claim_batch, self.owner, s.lease_ms))
        outcomes = []
        for c in lapsed:  # a worker died holding it: send again now (same messageId upstream)
            if now >= c.expires_at:
                outcomes.append(msgs.Outcome(c.seq, "final", _EXPIRED, _LAPSED, owner=self.owner))
            else:
                outcomes.append(msgs.Outcome(c.seq, "retry", _PENDING, _NO_ERROR, now, self.owner))
        outcomes.extend(self._temporary(c, c.error_id or _TIMEOUT, now) for c in silent)
        if outcomes:
            await self.db.write(msgs.record(outcomes, now))
        return len(outcomes)

    async def _dispatch(self) -> int:
        now = self.clock.now_ms()
        s = self.settings
        claimed = await self.db.write(msgs.claim_due(now, s.claim_batch, self.owner, s.lease_ms))
        if not claimed:
            return 0
        allowed, released = self._hold_closed_windows(claimed, now)
        allowed, paced_out = await self._pace(allowed, now)
        allowed, throttled = await self._throttle(allowed, now)
        by_channel: dict[str, list[msgs.Claimed]] = defaultdict(list)
        for c in allowed:
            by_channel[c.channel].append(c)
        outcomes: list[msgs.Outcome] = released + paced_out + throttled
        for channel, batch in by_channel.items():
            results = await self._submit(channel, batch, now)
            outcomes.extend(self._outcome(c, r, now) for c, r in zip(batch, results, strict=True))
        await self.db.write(msgs.record(outcomes, self.clock.now_ms()))
        return len(allowed)

    def _release(self, c: msgs.Claimed, due: int) -> msgs.Outcome:
        """Give a claimed row back unsent, due at `due` inside its window (or at its expiry if none is left)."""
        due = next_open(due, window_from_options(c.options))
        return msgs.Outcome(c.seq, "release", 0, 0, min(due, c.expires_at), self.owner)

    def _hold_closed_windows(
        self, claimed: list[msgs.Claimed], now: int
    ) -> tuple[list[msgs.Claimed], list[msgs.Outcome]]:
        """A row claimed late (engine down or behind) may find its delivery window closed: it waits for it."""
        allowed, held = [], []
        for c in claimed:
            if is_open(now, window_from_options(c.options)):
                allowed.append(c)
            else:
                held.append(self._release(c, now))
        return allowed, held

    async def _pace(self, claimed: list[msgs.Claimed], now: int) -> tuple[list[msgs.Claimed], list[msgs.Outcome]]:
        """Enforce each paced bulk's sliding-window limit on actual departures. Rows over it (a bulk that fell
        behind its plan) go back, and the bulk's remaining rows are planned again from the first instant the
        limit allows, evenly spaced."""
        firsts: dict[tuple[str, str], list[msgs.Claimed]] = defaultdict(list)
        for c in claimed:
            if c.attempts == 1:
                firsts[(c.account_id, c.bulk_id)].append(c)
        if not firsts:
            return claimed, []
        over: list[msgs.Claimed] = []
        behind: list[tuple[str, str, list[int], int, str]] = []
        by_account: dict[str, list[str]] = defaultdict(list)
        for account_id, bulk_id in firsts:
            by_account[account_id].append(bulk_id)
        for account_id, bulk_ids in by_account.items():
            paced = await self.db.read(bulks_store.paced_bulks(account_id, bulk_ids))
            for bulk_id, (amount, unit) in paced.items():
                rows = firsts[(account_id, bulk_id)]
                recent = await self.db.read(
                    bulks_store.recent_departures(
                        account_id, bulk_id, now - UNIT_MS[unit], amount, tuple(c.seq for c in rows)
                    )
                )
                room = max(0, amount - len(recent))
                if len(rows) > room:
                    over.extend(rows[room:])
                    behind.append((account_id, bulk_id, recent + [now] * room, amount, unit))
        if not over:
            return claimed, []
        skip = {c.seq for c in over}
        outcomes = [msgs.Outcome(c.seq, "release", 0, 0, c.expires_at, self.owner) for c in over]
        await self.db.write(msgs.record(outcomes, now))
        for account_id, bulk_id, departures, amount, unit in behind:
            bulk = await self.db.read(bulks_store.get_bulk(account_id, bulk_id))
            if bulk is not None:
                start = paced_start(now, departures, amount, unit)
                await self.db.write(bulks_store.reslot_remaining(account_id, bulk, start))
        return [c for c in claimed if c.seq not in skip], []

    async def _throttle(self, claimed: list[msgs.Claimed], now: int) -> tuple[list[msgs.Claimed], list[msgs.Outcome]]:
        """Keep what the upstream submit rates allow now; give the rest back, each due when a token frees up."""
        s = self.settings
        allowed = claimed
        released: list[msgs.Outcome] = []
        for rate, key_of in ((s.max_submit_rate_per_sender, _sender_key), (s.max_submit_rate, _global_key)):
            if rate <= 0 or not allowed:
                continue
            groups: dict[str, list[msgs.Claimed]] = defaultdict(list)
            for c in allowed:
                groups[key_of(c)].append(c)
            granted = await self.db.write(take_tokens({k: len(v) for k, v in groups.items()}, rate, now))
            allowed = []
            for key, group in groups.items():
                allowed.extend(group[: granted[key]])
                limit, window_ms = window_of(rate)
                for waiting, c in enumerate(group[granted[key] :]):  # due when the sliding window has room
                    released.append(self._release(c, now + window_ms * (waiting // limit + 1)))
        return allowed, released

    async def _submit(self, channel: str, batch: list[msgs.Claimed], now: int) -> list[SubmitResult]:
        connector = self.connectors.get(channel)
        if connector is None:
            return [SubmitResult("final", "UNDELIVERABLE_NOT_SENT", "EC_CONFIGURATION_ERROR")] * len(batch)
        submissions = [
            Submission(
                c.seq,
                c.account_id,
                c.message_id,
                c.channel,
                c.sender,
                c.destination,
                c.content,
                c.attempts,
                c.first_attempt_at,
                _targeting(c.options),
            )
            for c in batch
        ]
        try:
            return await connector.submit(submissions, now)
        except Exception:
            log.exception("connector %s failed a submit; retrying the batch later", channel)
            return [SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")] * len(batch)

    def _outcome(self, c: msgs.Claimed, r: SubmitResult, now: int) -> msgs.Outcome:
        if r.kind == "final":
            return msgs.Outcome(c.seq, "final", st.status(r.status).id, st.error(r.error).id, owner=self.owner)
        if r.kind == "accepted":
            return msgs.Outcome(c.seq, "sent", _WAITING, _NO_ERROR, now + self.settings.result_timeout_ms, self.owner)
        return self._temporary(c, st.error(r.error).id, now)

    async def _collect(self) -> int:
        now = self.clock.now_ms()
        late: list[LateResult] = []
        for connector in self.connectors.values():
            late.extend(await connector.poll_results(now))
        if not late:
            return 0
        outcomes = []
        for r in late:
            if r.kind == "final":
                outcomes.append(msgs.Outcome(r.seq, "final", st.status(r.status).id, st.error(r.error).id))
            else:  # retried on the next timeout sweep with the usual backoff; record why it waits
                outcomes.append(msgs.Outcome(r.seq, "sent", _WAITING, st.error(r.error).id, now))
        await self.db.write(msgs.record(outcomes, now))
        return len(outcomes)

    async def _purge(self) -> None:
        now = self.clock.now_ms()
        if now - self._last_purge < self.settings.purge_every_ms:
            return
        self._last_purge = now
        before = now - self.settings.keep_ms
        while await self.db.write(msgs.purge_messages(before, 5000)) == 5000:
            pass
        while await self.db.write(purge_reports(before, 5000)) == 5000:
            pass


def _sender_key(c: msgs.Claimed) -> str:
    return f"submit:{c.account_id}:{c.sender}"


def _global_key(c: msgs.Claimed) -> str:
    return "submit:*"


@lru_cache(maxsize=4096)
def _targeting(options: str | None) -> str | None:
    return json.loads(options).get("targeting") if options else None
