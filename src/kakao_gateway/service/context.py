"""What every use case needs: the database, the clock, id generation and the engine to wake."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..clock import Clock
from ..domain.ids import IdSource
from ..store.database import Database

AdvanceClock = Callable[[int], Awaitable[None]]


@dataclass
class Context:
    db: Database
    clock: Clock
    template_approval_delay_ms: int = 0
    public_url: str = "http://127.0.0.1:8000"
    wake_engine: Callable[[], None] = field(default=lambda: None)
    ids: IdSource = field(default_factory=lambda: IdSource(os.urandom))
    # Virtual clock only: move time to an instant, playing out everything that falls due on the way.
    # Set by whoever runs the engine (the Gateway); None where nothing can play time out.
    advance_clock: AdvanceClock | None = None
    # Webhook targets on loopback, private, link-local and metadata addresses: the operator's setting (None: allowed
    # for an account whose Kakao and SMS routes are both the sandbox; service.webhook_targets).
    webhook_allow_private: bool | None = None
    sms_upstream: str = "sandbox"  # the server's SMS upstream URL (an account may have its own)
    kakao_upstream: str = "sandbox"  # the server's Kakao upstream URL (likewise)
    # The server's further upstreams, in order (failover when the one before is unhealthy).
    sms_fallbacks: tuple[str, ...] = ()
    kakao_fallbacks: tuple[str, ...] = ()
    # A route's health as this process sees it (its circuit breaker): {"state": "CLOSED"|"OPEN"|"HALF_OPEN", ...}.
    upstream_health: Callable[[str], dict[str, Any]] = field(default=lambda route: {"state": "CLOSED"})
