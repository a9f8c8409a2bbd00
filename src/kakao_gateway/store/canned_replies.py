"""Canned replies: an account's saved answers by shortcut (migration 0031; every statement by the primary key)."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class CannedReply:
    shortcut: str
    text: str
    created_at: int


def list_replies(account_id: str) -> Op[list[CannedReply]]:
    rows = yield Fetch(
        "SELECT shortcut, text, created_at FROM canned_replies WHERE account_id = ? ORDER BY shortcut", (account_id,)
    )
    return [CannedReply(r["shortcut"], r["text"], r["created_at"]) for r in rows]


def add_reply(account_id: str, shortcut: str, text: str, now: int) -> Op[bool]:
    """Save a reply; False when the account has one of that shortcut already."""
    rows = yield Fetch(
        "INSERT INTO canned_replies (account_id, shortcut, text, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (account_id, shortcut) DO NOTHING RETURNING shortcut",
        (account_id, shortcut, text, now),
    )
    return bool(rows)


def remove_reply(account_id: str, shortcut: str) -> Op[bool]:
    removed: int = yield Execute(
        "DELETE FROM canned_replies WHERE account_id = ? AND shortcut = ?", (account_id, shortcut)
    )
    return removed > 0
