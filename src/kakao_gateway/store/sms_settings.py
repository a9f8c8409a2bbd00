"""Accounts' SMS settings: the default sender of their SMS hops and their own SMS upstream (NULL: the server's)."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class SmsSettings:
    default_sender: str | None = None
    upstream: str | None = None  # an upstream URL (credentials included): never returned by the API


def get_sms_settings(account_id: str) -> Op[SmsSettings | None]:
    rows = yield Fetch("SELECT sms_sender, sms_upstream FROM accounts WHERE id = ?", (account_id,))
    if not rows:
        return None
    return SmsSettings(rows[0]["sms_sender"], rows[0]["sms_upstream"])


def put_sms_sender(account_id: str, sender: str | None) -> Op[bool]:
    changed = yield Execute("UPDATE accounts SET sms_sender = ? WHERE id = ?", (sender, account_id))
    return bool(changed)


def put_sms_upstream(account_id: str, upstream: str | None) -> Op[bool]:
    changed = yield Execute("UPDATE accounts SET sms_upstream = ? WHERE id = ?", (upstream, account_id))
    return bool(changed)


def account_upstreams() -> Op[list[str]]:
    """Every SMS upstream URL an account has of its own (the engine builds a connector for each)."""
    rows = yield Fetch("SELECT DISTINCT sms_upstream FROM accounts WHERE sms_upstream IS NOT NULL")
    return [r["sms_upstream"] for r in rows]
