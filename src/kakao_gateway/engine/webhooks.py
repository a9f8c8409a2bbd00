"""Pushes reports from the outbox to webhooks, batched per (URL, content type) as `{"results": [...]}`."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import httpx
import orjson

from ..clock import Clock
from ..domain.planning import MAX_VALIDITY_MS
from ..domain.reports import reports_xml
from ..domain.retry import webhook_retry_delay_ms
from ..store.database import Database
from ..store.links import CLICK_CHANNEL
from ..store.reports import PushItem, claim_pushes, record_pushes

log = logging.getLogger(__name__)

BATCH_SIZE = 100
CLAIM_SIZE = 1000
LEASE_MS = 120_000
GIVE_UP_AFTER_MS = MAX_VALIDITY_MS
CONCURRENCY = 16


def render(items: list[PushItem], content_type: str) -> tuple[bytes, str]:
    if items[0].channel == CLICK_CHANNEL:  # click events go one per request, as Infobip's UrlTrackingWebhook
        return orjson.dumps(items[0].body), "application/json"
    bodies = [item.body for item in items]
    if "xml" in content_type:
        return reports_xml(bodies), "application/xml"
    return orjson.dumps({"results": bodies}), "application/json"


class WebhookPusher:
    def __init__(self, db: Database, clock: Clock, http: httpx.AsyncClient) -> None:
        self.db = db
        self.clock = clock
        self.http = http
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def push_due(self) -> int:
        now = self.clock.now_ms()
        items = await self.db.write(claim_pushes(now, CLAIM_SIZE, LEASE_MS))
        if not items:
            return 0
        groups: dict[tuple[str, str, bool], list[PushItem]] = defaultdict(list)
        for item in items:
            groups[(item.url, item.content_type, item.channel == CLICK_CHANNEL)].append(item)
        batches = [
            (url, content_type, group[i : i + (1 if single else BATCH_SIZE)])
            for (url, content_type, single), group in groups.items()
            for i in range(0, len(group), 1 if single else BATCH_SIZE)
        ]
        results = await asyncio.gather(*(self._post(url, ct, batch) for url, ct, batch in batches))
        pushed: list[int] = []
        failed: list[tuple[int, str, int | None]] = []
        for (_, _, batch), error in zip(batches, results, strict=True):
            if error is None:
                pushed.extend(item.seq for item in batch)
                continue
            for item in batch:
                next_due = now + webhook_retry_delay_ms(item.attempts + 1)
                give_up = next_due > item.created_at + GIVE_UP_AFTER_MS
                failed.append((item.seq, error, None if give_up else next_due))
        await self.db.write(record_pushes(pushed, failed))
        return len(items)

    async def _post(self, url: str, content_type: str, batch: list[PushItem]) -> str | None:
        body, media_type = render(batch, content_type)
        async with self._limit:
            try:
                response = await self.http.post(url, content=body, headers={"Content-Type": media_type})
            except httpx.HTTPError as exc:
                return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
