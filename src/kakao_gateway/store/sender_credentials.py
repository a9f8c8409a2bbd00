"""Senders' upstream credentials, as ciphertext only: the store never sees them in the clear."""

from __future__ import annotations

from .sql import Execute, Fetch, Op


def put(account_id: str, sender: str, ciphertext: str, now: int) -> Op[None]:
    yield Execute("DELETE FROM sender_credentials WHERE account_id = ? AND sender = ?", (account_id, sender))
    yield Execute(
        "INSERT INTO sender_credentials (account_id, sender, ciphertext, updated_at) VALUES (?, ?, ?, ?)",
        (account_id, sender, ciphertext, now),
    )


def get(account_id: str, sender: str) -> Op[str | None]:
    rows = yield Fetch(
        "SELECT ciphertext FROM sender_credentials WHERE account_id = ? AND sender = ?", (account_id, sender)
    )
    return str(rows[0][0]) if rows else None


def delete(account_id: str, sender: str) -> Op[bool]:
    changed = yield Execute("DELETE FROM sender_credentials WHERE account_id = ? AND sender = ?", (account_id, sender))
    return bool(changed)


def senders_with(account_id: str) -> Op[list[str]]:
    rows = yield Fetch("SELECT sender FROM sender_credentials WHERE account_id = ? ORDER BY sender", (account_id,))
    return [str(r[0]) for r in rows]
