"""The outbox pusher: posts due outbox rows to their webhooks, bounded per endpoint and overall.

Each kind of outbox row has its renderer: delivery reports go in batches per (URL, content type) as
`{"results": [...]}` (JSON or XML), click events one per request as Infobip's `UrlTrackingWebhook`. Posts run as
tasks of their own and record their results when they end, so a receiver that answers slowly (or never, until the
timeout) holds only its own endpoint's slots: at most `per_endpoint` posts per URL and `max_inflight` in all.
Claims leave out URLs with no free slot, so one tenant's dead receivers cannot take the others' turns.

Every push carries a `webhook-id`; with signing (Standard Webhooks), a push of an account that has signing secrets
also carries `webhook-timestamp` and `webhook-signature` (one `v1,` signature per secret that signs now: two
during a rotation). The body is the Infobip body, unchanged.

`webhook-id` is the same on every retry of the same push. A batch holds one account's rows only, and rows posted
for the first time get their batch's new id (`reports.push_id`), written before the post; a retry groups claimed
rows by that id again, and the webhook-id is derived from the id and the exact rows
(`domain.webhook_signing.webhook_id`). The rows of a batch are always recorded together (same due time, same
attempts), so a retry re-forms the batch and gets the same webhook-id; should a claim ever catch only part of a
batch (the claim limit, two workers), that part gets another webhook-id: never the same id for other content.
`webhook-timestamp` is the wall-clock time of the attempt (receivers check it against their own clock, also when
the gateway runs on a virtual clock).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx
import orjson

from ..clock import Clock
from ..domain.planning import MAX_VALIDITY_MS
from ..domain.reports import reports_xml
from ..domain.retry import webhook_retry_delay_ms
from ..domain.webhook_signing import signature, webhook_id
from ..store.database import Database
from ..store.reports import PushItem, claim_pushes, record_pushes, release_pushes
from ..store.webhook_secrets import signing_secrets, start_pushes
from .push_hosts import HostBackoff, host_of
from .transport import ALLOW_PRIVATE, RefusedPush

log = logging.getLogger(__name__)

BATCH_SIZE = 100
LEASE_MS = 120_000
GIVE_UP_AFTER_MS = MAX_VALIDITY_MS


@dataclass(frozen=True, slots=True)
class PushLimits:
    per_endpoint: int = 4  # posts under way to one destination host (host:port)
    per_account: int = 16  # posts under way for one account: the others always have slots left
    max_inflight: int = 64  # posts under way in all
    claim_size: int = 1000
    batch_size: int = BATCH_SIZE  # delivery reports per request


def _render_reports(items: list[PushItem], content_type: str) -> tuple[bytes, str]:
    if "xml" in content_type:
        return reports_xml([orjson.loads(item.body) for item in items]), "application/xml"
    joined = ",".join(item.body for item in items)  # stored JSON, joined as it is: no decoding on the hot path
    return f'{{"results":[{joined}]}}'.encode(), "application/json"


def _render_single(items: list[PushItem], content_type: str) -> tuple[bytes, str]:
    return items[0].body.encode(), "application/json"


# kind -> (batched, renderer): batched kinds go up to `batch_size` rows per request, the others one per request
RENDERERS: dict[str, tuple[bool, Callable[[list[PushItem], str], tuple[bytes, str]]]] = {
    "report": (True, _render_reports),
    "click": (False, _render_single),
    "inbound": (False, _render_single),  # a row holds a whole KakaoSangdamInboundResponse (store/sangdam_forwarding.py)
    "template": (False, _render_single),  # a TEMPLATE_STATUS event (store/template_inspection.py)
    "opt_out": (False, _render_single),  # {"type": "OPT_OUT", ...} (store/opt_outs.py)
}


def render(items: list[PushItem], content_type: str) -> tuple[bytes, str]:
    return RENDERERS[items[0].kind][1](items, content_type)


@dataclass(slots=True)
class _Batch:
    url: str
    content_type: str
    items: list[PushItem]
    batch_id: str | None  # the stored id of the batch (None until first posted)
    secrets: list[str] = field(default_factory=list)  # the account's signing secrets, current first
    claimed_at: int = 0
    allow_private: bool = False  # may go to private addresses (the account's routes are all the sandbox)
    host: str = ""

    def __post_init__(self) -> None:
        self.host = host_of(self.url)

    @property
    def account_id(self) -> str:
        return self.items[0].account_id

    @property
    def webhook_id(self) -> str:
        assert self.batch_id is not None
        return webhook_id(self.batch_id, [item.seq for item in self.items])


def _batches(items: list[PushItem], batch_size: int) -> list[_Batch]:
    """One account's rows per batch; rows already posted keep their batch (their push_id), new rows form new ones."""
    groups: dict[tuple[str, str, str, str, str | None], list[PushItem]] = defaultdict(list)
    for item in items:
        groups[(item.account_id, item.url, item.content_type, item.kind, item.push_id)].append(item)
    out: list[_Batch] = []
    for (_, url, content_type, kind, push_id), group in groups.items():
        size = batch_size if RENDERERS[kind][0] else 1
        out.extend(_Batch(url, content_type, group[i : i + size], push_id) for i in range(0, len(group), size))
    return out


@dataclass(slots=True)
class _Load:
    """Posts under way (or waiting for a slot) per destination host and per account."""

    hosts: Counter[str] = field(default_factory=Counter)
    accounts: Counter[str] = field(default_factory=Counter)

    def add(self, batch: _Batch) -> None:
        self.hosts[batch.host] += 1
        self.accounts[batch.account_id] += 1

    def fits(self, batch: _Batch, per_host: int, per_account: int) -> bool:
        return self.hosts[batch.host] < per_host and self.accounts[batch.account_id] < per_account


def _load(batches: Iterable[_Batch]) -> _Load:
    load = _Load()
    for batch in batches:
        load.add(batch)
    return load


def _fair_order(batches: list[_Batch], running: _Load) -> list[_Batch]:
    """Least-loaded account first: each account's n-th waiting batch ranks after its posts under way plus n, so the
    free slots go round the accounts rather than to the one that claimed most."""
    rank: Counter[str] = Counter()
    keyed = []
    for index, batch in enumerate(batches):
        keyed.append((running.accounts[batch.account_id] + rank[batch.account_id], index, batch))
        rank[batch.account_id] += 1
    return [batch for _, _, batch in sorted(keyed, key=lambda k: (k[0], k[1]))]


def _refuse_private(account_ids: list[str]) -> Awaitable[dict[str, bool]]:
    return asyncio.sleep(0, {})


def _observe_nothing(result: str, seconds: float, kind: str) -> None:
    return None


def _host_down(exc: Exception) -> bool:
    """A failure that says the host is unreachable or hangs (not a refusal of ours, not an answer)."""
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError) and not isinstance(exc, RefusedPush)


class WebhookPusher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        http: httpx.AsyncClient,
        limits: PushLimits | None = None,
        *,
        private_allowed: Callable[[list[str]], Awaitable[dict[str, bool]]] | None = None,
        observe: Callable[[str, float, str], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.http = http
        self.limits = limits or PushLimits()
        self.hosts = HostBackoff()
        self._running: dict[asyncio.Task[None], _Batch] = {}
        self._waiting: list[_Batch] = []  # claimed, waiting for a slot of their host and account
        self._after_account = ""  # the round robin of claims goes on after this account
        self.on_done: Callable[[], None] = lambda: None  # wakes the push duty when a slot frees up
        # account ids -> whether each may push to private addresses (absent: not); given by the Gateway
        self.private_allowed = private_allowed or _refuse_private
        # (result "ok" | "failed", seconds the post took, outbox kind): for metrics
        self.observe = observe or _observe_nothing
        self.wall_clock: Callable[[], float] = time.time  # webhook-timestamp: the wall-clock time of the attempt

    @property
    def busy(self) -> int:
        return len(self._running)

    async def step(self) -> int:
        """Claim what the free slots can take and start posting it; returns the rows claimed."""
        await self._start_waiting()
        free = self.limits.max_inflight - len(self._running)
        if free <= 0:
            return 0
        # Hosts and accounts whose slots are taken (their waiting batches count too) are left out of the claim.
        queued = [*self._running.values(), *self._waiting]
        load = _load(queued)
        busy_urls = sorted({b.url for b in queued if load.hosts[b.host] >= self.limits.per_endpoint})
        busy_accounts = sorted(a for a, n in load.accounts.items() if n >= self.limits.per_account)
        now = self.clock.now_ms()
        limit = min(self.limits.claim_size, free * self.limits.batch_size)
        items = await self.db.write(claim_pushes(now, limit, LEASE_MS, busy_urls, busy_accounts, self._after_account))
        if not items:
            return 0
        self._after_account = items[-1].account_id
        batches = _batches(items, self.limits.batch_size)
        await self._prepare(batches, now)
        # A claim may hold more batches for one host or account than it may post at once: up to one round of them
        # waits here under its lease (handing them back and claiming them again cost more than the posts); the rest
        # go back.
        keep, give_back = self._within(batches, load)
        self._waiting.extend(keep)
        if give_back:
            await self.db.write(release_pushes([item.seq for b in give_back for item in b.items], now))
        await self._start_waiting()
        return len(items) - sum(len(b.items) for b in give_back)

    async def _prepare(self, batches: list[_Batch], now: int) -> None:
        """Give new batches their stored id (before any post, so a retry after a crash mid-post has the same
        webhook-id), and every batch its account's signing secrets and address policy."""
        new_ids: list[tuple[int, str]] = []
        for batch in batches:
            if batch.batch_id is None:
                batch.batch_id = secrets.token_hex(16)
                new_ids.extend((item.seq, batch.batch_id) for item in batch.items)
        if new_ids:
            await self.db.write(start_pushes(new_ids, [], now))
        accounts = sorted({b.account_id for b in batches})
        keys = await self.db.read(signing_secrets(accounts, now))
        allowed = await self.private_allowed(accounts)
        for batch in batches:
            batch.secrets = keys.get(batch.account_id, [])
            batch.allow_private = allowed.get(batch.account_id, False)
            batch.claimed_at = now

    def _within(self, batches: list[_Batch], load: _Load) -> tuple[list[_Batch], list[_Batch]]:
        """Split batches into those their host and account can hold (two rounds, running or waiting) and the rest."""
        keep: list[_Batch] = []
        rest: list[_Batch] = []
        for batch in batches:
            if load.fits(batch, 2 * self.limits.per_endpoint, 2 * self.limits.per_account):
                keep.append(batch)
                load.add(batch)
            else:
                rest.append(batch)
        return keep, rest

    async def _start_waiting(self) -> None:
        """Give back batches that waited half their lease (another worker may claim them then), start the rest
        that have a slot."""
        now = self.clock.now_ms()
        stale = [b for b in self._waiting if now - b.claimed_at > LEASE_MS // 2]
        if stale:
            self._waiting = [b for b in self._waiting if b not in stale]
            await self.db.write(release_pushes([item.seq for b in stale for item in b.items], now))
        self._start_ready()

    def _start_ready(self) -> None:
        """Start waiting batches that have a slot (overall, of their host and of their account), least-loaded account
        first, unless they waited half their lease (the next step gives those back: another worker may claim them
        when the lease ends)."""
        now = self.clock.now_ms()
        running = _load(self._running.values())
        waiting, self._waiting = _fair_order(self._waiting, running), []
        for batch in waiting:
            fresh = now - batch.claimed_at <= LEASE_MS // 2
            room = len(self._running) < self.limits.max_inflight and running.fits(
                batch, self.limits.per_endpoint, self.limits.per_account
            )
            if fresh and room:
                self._start(batch)
                running.add(batch)
            else:
                self._waiting.append(batch)

    async def push_due(self) -> int:
        """One round for the serial driver: claim, post, and wait until every post has recorded its result."""
        claimed = await self.step()
        await self.drain()
        return claimed

    async def drain(self) -> None:
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    def cancel(self) -> None:
        """Stop: posts under way are cancelled, waiting batches dropped (their leases lapse and they are retried)."""
        self._waiting = []
        for task in list(self._running):
            task.cancel()

    def _start(self, batch: _Batch) -> None:
        task = asyncio.create_task(self._push(batch), name="webhook-push")
        self._running[task] = batch
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        batch = self._running.pop(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a webhook push to %s failed to record its result: %r", batch.url, task.exception())
        self._start_ready()
        self.on_done()

    async def _push(self, batch: _Batch) -> None:
        until = self.hosts.backed_off_until(batch.host, self.clock.now_ms())
        if until is not None:  # not posted: rescheduled on its ladder, not before the back-off ends
            reason = f"not attempted: {batch.host} is backed off after failing connections in a row"
            await self._record_failure(batch, None, reason, None, not_before=until)
            return
        started = time.perf_counter()
        status, error = await self._post(batch)
        seconds = time.perf_counter() - started
        self.observe("ok" if error is None else "failed", seconds, batch.items[0].kind)
        latency_ms = round(seconds * 1000)
        if error is None:
            now = self.clock.now_ms()
            await self.db.write(
                record_pushes([item.seq for item in batch.items], [], now, status=status, latency_ms=latency_ms)
            )
            return
        log.info("webhook push of %d rows to %s failed: %s", len(batch.items), batch.url, error)
        await self._record_failure(batch, status, error, latency_ms)

    async def _record_failure(
        self, batch: _Batch, status: int | None, error: str, latency_ms: int | None, not_before: int = 0
    ) -> None:
        now = self.clock.now_ms()
        failed = []
        for item in batch.items:
            next_due = max(now + webhook_retry_delay_ms(item.attempts + 1), not_before)
            give_up = next_due > item.created_at + GIVE_UP_AFTER_MS
            failed.append((item.seq, error, None if give_up else next_due))
        await self.db.write(record_pushes([], failed, now, status=status, latency_ms=latency_ms))

    async def _post(self, batch: _Batch) -> tuple[int | None, str | None]:
        """The HTTP status (None: no answer) and None when the receiver took it, else why not. Any error counts as a
        failed attempt (an URL httpx cannot parse, say): it goes down the retry ladder and the report becomes
        pullable, never stuck pending. Connection failures and timeouts count towards backing the host off."""
        try:
            body, media_type = render(batch.items, batch.content_type)
            headers = {"Content-Type": media_type, "webhook-id": batch.webhook_id}
            if batch.secrets:
                timestamp = int(self.wall_clock())
                headers["webhook-timestamp"] = str(timestamp)
                headers["webhook-signature"] = signature(batch.secrets, batch.webhook_id, timestamp, body)
            extensions = {ALLOW_PRIVATE: batch.allow_private}
            response = await self.http.post(batch.url, content=body, headers=headers, extensions=extensions)
        except RefusedPush as exc:
            return None, str(exc)
        except Exception as exc:
            if _host_down(exc):
                self.hosts.failed(batch.host, self.clock.now_ms())
            return None, f"{type(exc).__name__}: {exc}"[:500]
        self.hosts.succeeded(batch.host)
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"
