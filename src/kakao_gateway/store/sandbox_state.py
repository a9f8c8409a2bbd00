"""Small persistent values of the sandbox (table `sandbox_state`): the virtual clock's instant survives a restart."""

from __future__ import annotations

from .sql import Execute, Fetch, Op

CLOCK = "clock_ms"


def get_value(key: str) -> Op[int | None]:
    rows = yield Fetch("SELECT value FROM sandbox_state WHERE key = ?", (key,))
    return int(rows[0][0]) if rows else None


def put_max(key: str, value: int) -> Op[None]:
    """Store `value` under `key` unless a larger one is stored (a clock only moves forward)."""
    yield Execute(
        "INSERT INTO sandbox_state (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE sandbox_state.value < excluded.value",
        (key, value),
    )
