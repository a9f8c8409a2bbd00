"""Brand Message state: per-account settings (advertising hours and identity) and the sandbox's friend lists."""

from __future__ import annotations

import json
from typing import Any

from .sql import Execute, ExecuteMany, Fetch, Op


def get_settings(account_id: str) -> Op[dict[str, Any]]:
    rows = yield Fetch("SELECT settings FROM account_settings WHERE account_id = ?", (account_id,))
    return json.loads(rows[0][0]) if rows else {}


def put_settings(account_id: str, settings: dict[str, Any]) -> Op[None]:
    yield Execute("DELETE FROM account_settings WHERE account_id = ?", (account_id,))
    yield Execute(
        "INSERT INTO account_settings (account_id, settings) VALUES (?, ?)", (account_id, json.dumps(settings))
    )


def update_settings(account_id: str, changes: dict[str, Any]) -> Op[None]:
    """Set the settings named in `changes`, leaving the others as they are (read and written in one transaction)."""
    settings = yield from get_settings(account_id)
    yield from put_settings(account_id, {**settings, **changes})


def put_friends(account_id: str, sender: str, destinations: list[str]) -> Op[int]:
    """Replace the sender's friend list (the sandbox's view of who added the channel)."""
    yield Execute("DELETE FROM sandbox_friends WHERE account_id = ? AND sender = ?", (account_id, sender))
    unique = sorted(set(destinations))
    yield ExecuteMany(
        "INSERT INTO sandbox_friends (account_id, sender, destination) VALUES (?, ?, ?)",
        [(account_id, sender, d) for d in unique],
    )
    return len(unique)


def friends(account_id: str, sender: str) -> Op[set[str] | None]:
    """The sender's friend list; None when it has none (then every Kakao user but 821000000008 is a friend)."""
    rows = yield Fetch(
        "SELECT destination FROM sandbox_friends WHERE account_id = ? AND sender = ?", (account_id, sender)
    )
    return {r[0] for r in rows} if rows else None
