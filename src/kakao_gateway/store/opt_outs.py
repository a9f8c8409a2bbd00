"""Opt-out (do-not-send) lists: the numbers an account must send no advertising to, per sender or for all its
senders (`sender` ''). Every statement is served by the primary key (account_id, destination, sender)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .reports import ReportDraft, add_reports
from .sql import Execute, Fetch, InsertMany, Op

ALL_SENDERS = ""
# Destinations per lookup statement on SQLite (it takes 32,766 bound variables): 100,000 take 50 statements.
LOOKUP_CHUNK = 2000
# An add this large refreshes the planner's statistics of the table at once: a list that grew by a whole import
# would otherwise be planned as the small table it was (a scan of the account's entries per lookup, seconds for a
# 100,000-destination request against 1,000,000 numbers) until autovacuum comes by, or never where it is off.
# Cheap on both: PostgreSQL samples 30,000 rows, SQLite is bounded by its analysis_limit (store/sqlite.py).
ANALYZE_AFTER = 10_000
_COLUMNS = ("account_id", "destination", "sender", "created_at", "source")
_TYPES = ("text", "text", "text", "bigint", "text")


@dataclass(frozen=True, slots=True)
class OptOut:
    destination: str
    sender: str  # ALL_SENDERS: every sender of the account
    created_at: int
    source: str


def has_any(account_id: str) -> Op[bool]:
    rows = yield Fetch("SELECT 1 FROM opt_outs WHERE account_id = ? LIMIT 1", (account_id,))
    return bool(rows)


def senders_of(account_id: str, destinations: Sequence[str], dialect: str = "sqlite") -> Op[dict[str, set[str]]]:
    """For each listed one of `destinations`: the senders its entries name (ALL_SENDERS for an entry that applies
    to all). An account without a list costs one probe. PostgreSQL takes all the destinations as one array (its
    generic plan probes the primary key per element; an IN list of literals is planned afresh each time, and planned
    as a scan of the account's entries once they are many); SQLite probes the primary key per element of an IN list
    of LOOKUP_CHUNK."""
    found: dict[str, set[str]] = {}
    if not destinations or not (yield from has_any(account_id)):
        return found
    unique = sorted(set(destinations))
    if dialect == "postgresql":
        chunks: list[tuple[str, Sequence[Any]]] = [("destination = ANY(?::text[])", (account_id, unique))]
    else:
        chunks = [
            (f"destination IN ({','.join('?' * len(part))})", (account_id, *part))
            for part in (unique[i : i + LOOKUP_CHUNK] for i in range(0, len(unique), LOOKUP_CHUNK))
        ]
    for condition, params in chunks:
        rows = yield Fetch(f"SELECT destination, sender FROM opt_outs WHERE account_id = ? AND {condition}", params)
        for row in rows:
            found.setdefault(row["destination"], set()).add(row["sender"])
    return found


def add(
    account_id: str, destinations: Sequence[str], sender: str, now: int, source: str, dialect: str = "sqlite"
) -> Op[int]:
    """List each of `destinations` for `sender` (ALL_SENDERS: all); those listed already stay as they were (their
    time and source). The number newly listed."""
    unique = sorted(set(destinations))
    listed = yield from senders_of(account_id, unique, dialect)
    new = [d for d in unique if sender not in listed.get(d, ())]
    if new:
        yield InsertMany(
            "opt_outs",
            _COLUMNS,
            _TYPES,
            [(account_id, d, sender, now, source) for d in new],
            conflict=("account_id", "destination", "sender"),
        )
    if len(new) >= ANALYZE_AFTER:
        yield Execute("ANALYZE opt_outs")
    return len(new)


def page(account_id: str, destination: str | None, after: tuple[str, str] | None, limit: int) -> Op[list[OptOut]]:
    """Entries in (destination, sender) order, after the cursor `after`; only `destination`'s when given."""
    where = ["account_id = ?"]
    params: list[Any] = [account_id]
    if destination is not None:
        where.append("destination = ?")
        params.append(destination)
    if after is not None:
        where.append("(destination, sender) > (?, ?)")
        params.extend(after)
    rows = yield Fetch(
        "SELECT destination, sender, created_at, source FROM opt_outs "
        f"WHERE {' AND '.join(where)} ORDER BY destination, sender LIMIT ?",
        (*params, limit),
    )
    return [OptOut(r["destination"], r["sender"], r["created_at"], r["source"]) for r in rows]


def remove(account_id: str, destination: str, sender: str | None) -> Op[int]:
    """Remove `destination`'s entry for `sender` (ALL_SENDERS: the one for all), or all its entries (None)."""
    if sender is None:
        removed: int = yield Execute(
            "DELETE FROM opt_outs WHERE account_id = ? AND destination = ?", (account_id, destination)
        )
        return removed
    removed = yield Execute(
        "DELETE FROM opt_outs WHERE account_id = ? AND destination = ? AND sender = ?",
        (account_id, destination, sender),
    )
    return removed


def user_opted_out(
    account_id: str, destination: str, sender: str, now: int, event: dict[str, Any], dialect: str = "sqlite"
) -> Op[int]:
    """A user asked to receive no more advertising: list the number and queue `event` for the account's OPT_OUT
    subscription (nothing is queued without one)."""
    added = yield from add(account_id, [destination], sender, now, "SANDBOX", dialect)
    draft = ReportDraft(account_id, "BRAND", "", "", None, None, None, False, event, None, None, True, kind="opt_out")
    yield from add_reports([draft], now)
    return added
