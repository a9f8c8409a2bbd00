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
    wake_engine: Callable[[], None] = field(default=lambda: None)
