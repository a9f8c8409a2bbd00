"""API faults of the sandbox (table `sandbox_faults`): the next `remaining` requests of an account to a path answer
an error status. A request takes one fault in one statement, so concurrent requests (of any process) never take
more than a fault's count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class Fault:
    id: int
    path: str
    method: str | None
    status: int
    remaining: int
    retry_after_s: int | None


_COLUMNS = "id, path, method, status, remaining, retry_after_s"


def _fault(r: Any) -> Fault:
    return Fault(r["id"], r["path"], r["method"], r["status"], r["remaining"], r["retry_after_s"])


def add_fault(
    account_id: str, path: str, method: str | None, status: int, count: int, retry_after_s: int | None, now: int
) -> Op[Fault]:
    yield Execute("DELETE FROM sandbox_faults WHERE account_id = ? AND remaining <= 0", (account_id,))
    rows = yield Fetch(
        "INSERT INTO sandbox_faults (account_id, path, method, status, remaining, retry_after_s, created_at) "
        f"VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
        (account_id, path, method, status, count, retry_after_s, now),
    )
    return _fault(rows[0])


def pending_faults(account_id: str) -> Op[list[Fault]]:
    rows = yield Fetch(
        f"SELECT {_COLUMNS} FROM sandbox_faults WHERE account_id = ? AND remaining > 0 ORDER BY id", (account_id,)
    )
    return [_fault(r) for r in rows]


def clear_faults(account_id: str) -> Op[None]:
    yield Execute("DELETE FROM sandbox_faults WHERE account_id = ?", (account_id,))


def pending_paths() -> Op[set[tuple[str, str]]]:
    """(account id, path) of every pending fault."""
    rows = yield Fetch("SELECT DISTINCT account_id, path FROM sandbox_faults WHERE remaining > 0")
    return {(r["account_id"], r["path"]) for r in rows}


def take_fault(account_id: str, method: str, path: str) -> Op[Fault | None]:
    """Take one request's worth of the oldest pending fault of `account_id` for `method` `path`, if any."""
    rows = yield Fetch(
        "UPDATE sandbox_faults SET remaining = remaining - 1 WHERE id = (SELECT id FROM sandbox_faults "
        "WHERE account_id = ? AND path = ? AND remaining > 0 AND (method IS NULL OR method = ?) "
        "ORDER BY id LIMIT 1 {for_update}) AND remaining > 0 "
        f"RETURNING {_COLUMNS}",
        (account_id, path, method),
    )
    return _fault(rows[0]) if rows else None
