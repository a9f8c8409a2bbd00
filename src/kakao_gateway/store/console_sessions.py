"""Console sessions kept by the server (console_sessions, by the SHA-256 of the id the session cookie holds)."""

from __future__ import annotations

from dataclasses import dataclass

from .console import SignedKey
from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A session and the key it stands for: `key` None when that key no longer works (revoked, or gone)."""

    key: SignedKey | None
    created_at: int
    seen_at: int


def open_session(id_hash: str, key_id: str, operator: bool, now: int, over_before: tuple[int, int]) -> Op[None]:
    """Store a new session, first deleting those over: unused since `over_before[0]` or begun before `[1]`."""
    yield Execute("DELETE FROM console_sessions WHERE seen_at < ? OR created_at < ?", over_before)
    yield Execute(
        "INSERT INTO console_sessions (id_hash, key_id, kind, created_at, seen_at) VALUES (?, ?, ?, ?, ?)",
        (id_hash, key_id, "operator" if operator else "account", now, now),
    )


def find_session(id_hash: str) -> Op[StoredSession | None]:
    """The session and its key, in one look-up by primary key (and one by primary key of the key)."""
    rows = yield Fetch(
        "SELECT s.key_id, s.kind, s.created_at, s.seen_at, k.account_id, a.name, k.scopes, o.id AS operator_id "
        "FROM console_sessions s "
        "LEFT JOIN api_keys k ON s.kind = 'account' AND k.id = s.key_id AND k.revoked_at IS NULL "
        "LEFT JOIN accounts a ON a.id = k.account_id "
        "LEFT JOIN admin_keys o ON s.kind = 'operator' AND o.id = s.key_id AND o.revoked_at IS NULL "
        "WHERE s.id_hash = ?",
        (id_hash,),
    )
    if not rows:
        return None
    r = rows[0]
    key: SignedKey | None = None
    if r["operator_id"] is not None:
        key = SignedKey(r["key_id"], None, None, frozenset())
    elif r["account_id"] is not None:
        key = SignedKey(r["key_id"], r["account_id"], r["name"], frozenset(r["scopes"].split()))
    return StoredSession(key, r["created_at"], r["seen_at"])


def touch_session(id_hash: str, now: int) -> Op[None]:
    yield Execute("UPDATE console_sessions SET seen_at = ? WHERE id_hash = ? AND seen_at < ?", (now, id_hash, now))


def close_session(id_hash: str) -> Op[None]:
    yield Execute("DELETE FROM console_sessions WHERE id_hash = ?", (id_hash,))
