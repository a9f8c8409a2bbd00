"""Sandbox rules (table `sandbox_rules`): one row per account holding its ordered rules as JSON text."""

from __future__ import annotations

from collections.abc import Sequence

from .sql import Execute, Fetch, Op


def put_rules(account_id: str, rules_json: str, now: int) -> Op[None]:
    yield Execute(
        "INSERT INTO sandbox_rules (account_id, rules, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (account_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
        (account_id, rules_json, now),
    )


def delete_rules(account_id: str) -> Op[None]:
    yield Execute("DELETE FROM sandbox_rules WHERE account_id = ?", (account_id,))


def rules_of(account_ids: Sequence[str]) -> Op[dict[str, str]]:
    """The rules (JSON text) of those of `account_ids` that have some: one primary-key lookup per account."""
    if not account_ids:
        return {}
    rows = yield Fetch(
        f"SELECT account_id, rules FROM sandbox_rules WHERE account_id IN ({','.join('?' * len(account_ids))})",
        tuple(account_ids),
    )
    return {r["account_id"]: r["rules"] for r in rows}
