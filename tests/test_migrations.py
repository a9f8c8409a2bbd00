"""Migrations: upgrade from empty, downgrade to empty and upgrade again (SQLite files; PostgreSQL runs the same
history at the start of every PostgreSQL test session)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kakao_gateway.store.migrate import downgrade, upgrade

TABLES = {
    "accounts",
    "api_keys",
    "admin_keys",
    "senders",
    "alim_templates",
    "subscriptions",
    "bulks",
    "messages",
    "reports",
    "rate_buckets",
    "brand_templates",
    "sender_groups",
    "sender_group_members",
    "sandbox_friends",
    "url_domains",
    "short_links",
    "clicks",
    "rate_events",
    "account_settings",
    "console_sessions",
    "login_users",
    "oauth_clients",
    "auth_tokens",
    "opt_outs",
    "sandbox_rules",
    "sandbox_faults",
    "request_windows",
}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    upgrade(str(db))
    assert _tables(db) >= TABLES
    downgrade(str(db), "base")
    assert not (TABLES & _tables(db))
    upgrade(str(db))
    assert _tables(db) >= TABLES


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    upgrade(f"sqlite:///{db}")
    upgrade(f"sqlite:///{db}")
    assert _tables(db) >= TABLES
