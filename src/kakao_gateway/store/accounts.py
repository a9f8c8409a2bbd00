"""Accounts, their API keys and the operator (admin) keys."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Execute, Fetch, Op


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    created_at: int


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    account_id: str
    account_name: str
    name: str
    scopes: frozenset[str]
    revoked_at: int | None


def create_account(account_id: str, name: str, now: int) -> Op[Account | None]:
    """Create an account; None when the name is taken."""
    existing = yield Fetch("SELECT id FROM accounts WHERE name = ?", (name,))
    if existing:
        return None
    yield Execute("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)", (account_id, name, now))
    return Account(account_id, name, now)


def get_account(account_id: str) -> Op[Account | None]:
    rows = yield Fetch("SELECT id, name, created_at FROM accounts WHERE id = ?", (account_id,))
    return Account(*rows[0]) if rows else None


def find_account_by_name(name: str) -> Op[Account | None]:
    rows = yield Fetch("SELECT id, name, created_at FROM accounts WHERE name = ?", (name,))
    return Account(*rows[0]) if rows else None


def list_accounts() -> Op[list[Account]]:
    rows = yield Fetch("SELECT id, name, created_at FROM accounts ORDER BY created_at, id")
    return [Account(*r) for r in rows]


def add_key(
    key_id: str, account_id: str, name: str, key_hash: str, scopes: list[str], now: int, source: str | None = None
) -> Op[None]:
    """Add an API key; `source` is `env` for a key given by environment variable, `generated` for one made at
    start, None for keys made through the API or the CLI."""
    yield Execute(
        "INSERT INTO api_keys (id, account_id, name, key_hash, scopes, created_at, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key_id, account_id, name, key_hash, " ".join(scopes), now, source),
    )


def adopt_env_key(account_id: str, key_hash: str, scopes: list[str], now: int) -> Op[int]:
    """The key `key_hash` (already stored) is the account's environment key, holding `scopes`; every other
    environment key of the account is retired (revoked at `now`). Returns how many were retired."""
    yield Execute(
        "UPDATE api_keys SET source = 'env', scopes = ? WHERE account_id = ? AND key_hash = ?",
        (" ".join(scopes), account_id, key_hash),
    )
    retired = yield Execute(
        "UPDATE api_keys SET revoked_at = ? WHERE account_id = ? AND source = 'env' AND key_hash <> ? "
        "AND revoked_at IS NULL",
        (now, account_id, key_hash),
    )
    return int(retired)


def find_key(key_hash: str) -> Op[KeyRecord | None]:
    rows = yield Fetch(
        "SELECT k.id, k.account_id, a.name, k.name, k.scopes, k.revoked_at FROM api_keys k "
        "JOIN accounts a ON a.id = k.account_id WHERE k.key_hash = ?",
        (key_hash,),
    )
    if not rows:
        return None
    r = rows[0]
    return KeyRecord(r[0], r[1], r[2], r[3], frozenset(r[4].split()), r[5])


def list_keys(account_id: str) -> Op[list[KeyRecord]]:
    rows = yield Fetch(
        "SELECT k.id, k.account_id, a.name, k.name, k.scopes, k.revoked_at FROM api_keys k "
        "JOIN accounts a ON a.id = k.account_id WHERE k.account_id = ? ORDER BY k.created_at, k.id",
        (account_id,),
    )
    return [KeyRecord(r[0], r[1], r[2], r[3], frozenset(r[4].split()), r[5]) for r in rows]


def revoke_key(account_id: str, key_id: str, now: int) -> Op[bool]:
    changed = yield Execute(
        "UPDATE api_keys SET revoked_at = ? WHERE account_id = ? AND id = ? AND revoked_at IS NULL",
        (now, account_id, key_id),
    )
    return bool(changed)


def key_hash_exists(key_hash: str) -> Op[bool]:
    rows = yield Fetch("SELECT 1 FROM api_keys WHERE key_hash = ?", (key_hash,))
    return bool(rows)


@dataclass(frozen=True, slots=True)
class AdminKeyRecord:
    id: str
    name: str
    created_at: int
    source: str | None
    revoked_at: int | None


def add_admin_key(key_id: str, name: str, key_hash: str, now: int, source: str | None = None) -> Op[bool]:
    rows = yield Fetch("SELECT 1 FROM admin_keys WHERE key_hash = ?", (key_hash,))
    if rows:
        return False
    yield Execute(
        "INSERT INTO admin_keys (id, name, key_hash, created_at, source) VALUES (?, ?, ?, ?, ?)",
        (key_id, name, key_hash, now, source),
    )
    return True


def adopt_env_admin_key(key_hash: str, now: int) -> Op[int]:
    """The operator key `key_hash` (already stored) is the environment's; other environment keys are retired."""
    yield Execute("UPDATE admin_keys SET source = 'env' WHERE key_hash = ?", (key_hash,))
    retired = yield Execute(
        "UPDATE admin_keys SET revoked_at = ? WHERE source = 'env' AND key_hash <> ? AND revoked_at IS NULL",
        (now, key_hash),
    )
    return int(retired)


def admin_key_exists(key_hash: str) -> Op[bool]:
    """Whether `key_hash` is an operator key that is not revoked."""
    rows = yield Fetch("SELECT 1 FROM admin_keys WHERE key_hash = ? AND revoked_at IS NULL", (key_hash,))
    return bool(rows)


def count_admin_keys() -> Op[int]:
    """Operator keys that work (not revoked)."""
    rows = yield Fetch("SELECT COUNT(*) FROM admin_keys WHERE revoked_at IS NULL")
    return int(rows[0][0])


def list_admin_keys() -> Op[list[AdminKeyRecord]]:
    rows = yield Fetch("SELECT id, name, created_at, source, revoked_at FROM admin_keys ORDER BY created_at, id")
    return [AdminKeyRecord(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def revoke_admin_key(key_id: str, now: int) -> Op[str]:
    """Revoke an operator key: `revoked`, `missing` (unknown or already revoked) or `last` (the only one left that
    works: refused, so the operator cannot lock themselves out)."""
    rows = yield Fetch("SELECT id FROM admin_keys WHERE revoked_at IS NULL")
    active = {r[0] for r in rows}
    if key_id not in active:
        return "missing"
    if len(active) == 1:
        return "last"
    yield Execute("UPDATE admin_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, key_id))
    return "revoked"
