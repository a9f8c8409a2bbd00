"""Accounts' upstream settings: their own Kakao and SMS upstreams (NULL: the server's) and the default sender of
their SMS hops. Upstream URLs hold credentials: the API never returns them."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class SmsSettings:
    default_sender: str | None = None
    upstream: str | None = None


def get_sms_settings(account_id: str) -> Op[SmsSettings | None]:
    rows = yield Fetch("SELECT sms_sender, sms_upstream FROM accounts WHERE id = ?", (account_id,))
    if not rows:
        return None
    return SmsSettings(rows[0]["sms_sender"], rows[0]["sms_upstream"])


def get_kakao_upstream(account_id: str) -> Op[tuple[bool, str | None]]:
    """(the account exists, its own Kakao upstream URL or None)."""
    rows = yield Fetch("SELECT kakao_upstream FROM accounts WHERE id = ?", (account_id,))
    return (True, rows[0]["kakao_upstream"]) if rows else (False, None)


def put_sms_sender(account_id: str, sender: str | None) -> Op[bool]:
    changed = yield Execute("UPDATE accounts SET sms_sender = ? WHERE id = ?", (sender, account_id))
    return bool(changed)


def put_upstream(account_id: str, kind: str, upstream: str | None) -> Op[bool]:
    """Set an account's own `kind` ("sms" or "kakao") upstream URL; None returns it to the server's."""
    column = {"sms": "sms_upstream", "kakao": "kakao_upstream"}[kind]
    changed = yield Execute(f"UPDATE accounts SET {column} = ? WHERE id = ?", (upstream, account_id))
    return bool(changed)


def account_upstreams(kind: str) -> Op[list[str]]:
    """Every `kind` upstream URL an account has of its own (each process builds a connector for each)."""
    column = {"sms": "sms_upstream", "kakao": "kakao_upstream"}[kind]
    rows = yield Fetch(f"SELECT DISTINCT {column} AS url FROM accounts WHERE {column} IS NOT NULL")
    return [r["url"] for r in rows]
