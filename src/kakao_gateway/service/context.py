"""What every use case needs: the database, the clock, id generation, and the hooks lent by the engine's process."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..clock import Clock
from ..domain.ids import IdSource
from ..store.database import Database

AdvanceClock = Callable[[int], Awaitable[None]]


def _nothing() -> None:
    return None


def _count_nothing(channel: str, accepted: int, rejected: int) -> None:
    return None


def _closed(route: str) -> dict[str, Any]:
    return {"state": "CLOSED", "consecutiveFailures": 0, "lastError": None}


@dataclass(frozen=True)
class Hooks:
    """What the process that runs the engine lends the use cases, given by the composition root (app.Gateway). A
    Context without an engine (the CLI's) keeps these: nothing to wake, nothing to count, no time to play out."""

    wake_engine: Callable[[], None] = _nothing  # work was queued: dispatch now, not at the next poll
    wake_sangdam: Callable[[], None] = _nothing  # inbound Sangdam was written: forward it now
    count_destinations: Callable[[str, int, int], None] = _count_nothing  # (channel, accepted, rejected): metrics
    # Virtual clock only: move time to an instant, playing out everything that falls due on the way (None where
    # nothing can play time out).
    advance_clock: AdvanceClock | None = None
    # A route's health as this process's engine sees it (its circuit breaker): {"state": "CLOSED", ...}.
    upstream_health: Callable[[str], dict[str, Any]] = _closed


@dataclass
class Context:
    db: Database
    clock: Clock
    template_approval_delay_ms: int = 0
    public_url: str = "http://127.0.0.1:8000"
    hooks: Hooks = field(default_factory=Hooks)
    ids: IdSource = field(default_factory=lambda: IdSource(os.urandom))
    # Webhook targets on loopback, private, link-local and metadata addresses: the operator's setting (None: allowed
    # for an account whose Kakao and SMS routes are both the sandbox; service.webhook_targets).
    webhook_allow_private: bool | None = None
    sms_upstream: str = "sandbox"  # the server's SMS upstream URL (an account may have its own)
    kakao_upstream: str = "sandbox"  # the server's Kakao upstream URL (likewise)
    # The server's further upstreams, in order (failover when the one before is unhealthy).
    sms_fallbacks: tuple[str, ...] = ()
    kakao_fallbacks: tuple[str, ...] = ()

    def wake_engine(self) -> None:
        self.hooks.wake_engine()

    @property
    def advance_clock(self) -> AdvanceClock | None:
        return self.hooks.advance_clock
