"""What a report pull or a log query selects: plain values the API builds and the store turns into SQL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PullFilter:
    bulk_id: str | None = None
    message_id: str | None = None
    entity_id: str | None = None
    application_id: str | None = None
    campaign_ref: str | None = None


@dataclass(frozen=True, slots=True)
class LogFilter:
    senders: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    bulk_ids: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    status_ids: tuple[int, ...] = ()
    sent_since: int | None = None
    sent_until: int | None = None
    entity_id: str | None = None
    application_id: str | None = None
    campaign_refs: tuple[str, ...] = ()
