"""What every use case needs: the database, the clock and the engine to wake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..clock import Clock
from ..store.database import Database


@dataclass
class Context:
    db: Database
    clock: Clock
    template_approval_delay_ms: int = 0
    public_url: str = "http://127.0.0.1:8000"
    wake_engine: Callable[[], None] = field(default=lambda: None)
