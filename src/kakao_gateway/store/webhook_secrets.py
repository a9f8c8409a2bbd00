"""Webhook signing secrets per account: the current one (`expires_at` NULL) and rotated-out ones that sign alongside
it until their `expires_at`; and the stable batch ids of outbox pushes (`reports.push_id`)."""

from __future__ import annotations

from dataclasses import dataclass

from .reports import release_pushes
from .sql import Execute, Fetch, Op, UpdateMany


@dataclass(frozen=True, slots=True)
class SecretInfo:
    id: str
    created_at: int
    expires_at: int | None


def put_secret(account_id: str, secret_id: str, secret: str, now: int, rotation_ms: int) -> Op[bool]:
    """Make `secret` the account's current secret; the one it replaces keeps signing for `rotation_ms`.
    Returns whether a secret was replaced (a rotation)."""
    yield Execute(
        "DELETE FROM webhook_secrets WHERE account_id = ? AND expires_at IS NOT NULL AND expires_at <= ?",
        (account_id, now),
    )
    rotated = yield Execute(
        "UPDATE webhook_secrets SET expires_at = ? WHERE account_id = ? AND expires_at IS NULL",
        (now + rotation_ms, account_id),
    )
    yield Execute(
        "INSERT INTO webhook_secrets (id, account_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?, NULL)",
        (secret_id, account_id, secret, now),
    )
    return bool(rotated)


def delete_secrets(account_id: str) -> Op[int]:
    """Turn signing off: every secret of the account goes, the rotated-out ones too."""
    deleted = yield Execute("DELETE FROM webhook_secrets WHERE account_id = ?", (account_id,))
    return int(deleted)


def list_secrets(account_id: str, now: int) -> Op[list[SecretInfo]]:
    """The secrets that sign now, the current one first (never their values)."""
    rows = yield Fetch(
        "SELECT id, created_at, expires_at FROM webhook_secrets WHERE account_id = ? "
        "AND (expires_at IS NULL OR expires_at > ?) ORDER BY expires_at IS NOT NULL, created_at DESC, id",
        (account_id, now),
    )
    return [SecretInfo(r["id"], r["created_at"], r["expires_at"]) for r in rows]


def signing_secrets(account_ids: list[str], now: int) -> Op[dict[str, list[str]]]:
    """The secrets each of these accounts signs with now, the current one first; accounts without are left out."""
    if not account_ids:
        return {}
    marks = ",".join("?" * len(account_ids))
    rows = yield Fetch(
        f"SELECT account_id, secret FROM webhook_secrets WHERE account_id IN ({marks}) "
        "AND (expires_at IS NULL OR expires_at > ?) ORDER BY account_id, expires_at IS NOT NULL, created_at DESC, id",
        (*account_ids, now),
    )
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["account_id"], []).append(r["secret"])
    return out


def start_pushes(batch_ids: list[tuple[int, str]], release: list[int], due: int) -> Op[None]:
    """Before posting: give outbox rows posted for the first time the id of their batch (kept for every retry),
    and give back claimed rows whose endpoint had no room (due again at `due`)."""
    if batch_ids:
        yield UpdateMany(
            "UPDATE reports SET push_id = v.v_push_id FROM v WHERE reports.seq = v.v_seq AND reports.push_id IS NULL",
            ("v_seq", "v_push_id"),
            ("bigint", "text"),
            batch_ids,
        )
    if release:
        yield from release_pushes(release, due)
