"""Brand Message templates, sender groups, and the create throttle of the templates API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .sql import Execute, Fetch, Op, Row


@dataclass(frozen=True, slots=True)
class BrandTemplate:
    template_code: str
    sender: str | None
    sender_group: str | None
    name: str
    is_adult: bool
    content: dict[str, Any]
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class SenderGroup:
    group_key: str
    name: str
    senders: list[str]
    created_at: int


WINDOW_MS = 60_000
NEVER = -(2**62)  # `updated_at` of a create slot not used yet
_COLUMNS = "template_code, sender, sender_group, name, is_adult, content, created_at, updated_at"


def _template(row: Row) -> BrandTemplate:
    return BrandTemplate(row[0], row[1], row[2], row[3], bool(row[4]), json.loads(row[5]), row[6], row[7])


def insert_template(account_id: str, t: BrandTemplate) -> Op[bool]:
    """Insert a new template; False when the code is already taken on the account (nothing is written)."""
    changed = yield Execute(
        f"INSERT INTO brand_templates (account_id, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (account_id, template_code) DO NOTHING",
        (
            account_id,
            t.template_code,
            t.sender,
            t.sender_group,
            t.name,
            int(t.is_adult),
            json.dumps(t.content, ensure_ascii=False),
            t.created_at,
            t.updated_at,
        ),
    )
    return bool(changed)


def replace_template(account_id: str, t: BrandTemplate) -> Op[bool]:
    """Overwrite the name, adult flag and content of an existing template (its owner and creation time stay)."""
    changed = yield Execute(
        "UPDATE brand_templates SET name = ?, is_adult = ?, content = ?, updated_at = ? "
        "WHERE account_id = ? AND template_code = ?",
        (t.name, int(t.is_adult), json.dumps(t.content, ensure_ascii=False), t.updated_at, account_id, t.template_code),
    )
    return bool(changed)


def get_template(account_id: str, code: str) -> Op[BrandTemplate | None]:
    rows = yield Fetch(
        f"SELECT {_COLUMNS} FROM brand_templates WHERE account_id = ? AND template_code = ?", (account_id, code)
    )
    return _template(rows[0]) if rows else None


def modified_codes(
    account_id: str, since: int, sender: str | None, group: str | None, offset: int, limit: int
) -> Op[list[str]]:
    """Codes of the templates changed at or after `since`, oldest change first; `sender` and `group` narrow the
    list to templates of that sender or (when both are given) of either owner."""
    where = ["account_id = ?", "updated_at >= ?"]
    params: list[Any] = [account_id, since]
    owners = []
    if sender is not None:
        owners.append("sender = ?")
        params.append(sender)
    if group is not None:
        owners.append("sender_group = ?")
        params.append(group)
    if owners:
        where.append(f"({' OR '.join(owners)})")
    rows = yield Fetch(
        f"SELECT template_code FROM brand_templates WHERE {' AND '.join(where)} "
        "ORDER BY updated_at, template_code LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [r[0] for r in rows]


def template_for_send(account_id: str, code: str, sender: str) -> Op[dict[str, Any] | None]:
    """The content of a template the sender may use: its own, or one of a sender group it belongs to."""
    rows = yield Fetch(
        "SELECT content FROM brand_templates WHERE account_id = ? AND template_code = ? AND (sender = ? OR "
        "sender_group IN (SELECT group_key FROM sender_group_members WHERE account_id = ? AND sender = ?))",
        (account_id, code, sender, account_id, sender),
    )
    if not rows:
        return None
    content: dict[str, Any] = json.loads(rows[0][0])
    return content


def group_exists(account_id: str, group_key: str) -> Op[bool]:
    rows = yield Fetch("SELECT 1 FROM sender_groups WHERE account_id = ? AND group_key = ?", (account_id, group_key))
    return bool(rows)


def save_group(account_id: str, group_key: str, name: str, senders: list[str], now: int) -> Op[SenderGroup]:
    """Create a group or replace the name and members of an existing one."""
    rows = yield Fetch(
        "SELECT created_at FROM sender_groups WHERE account_id = ? AND group_key = ? {for_update}",
        (account_id, group_key),
    )
    if rows:
        created_at = int(rows[0][0])
        yield Execute(
            "UPDATE sender_groups SET name = ? WHERE account_id = ? AND group_key = ?", (name, account_id, group_key)
        )
        yield Execute(
            "DELETE FROM sender_group_members WHERE account_id = ? AND group_key = ?", (account_id, group_key)
        )
    else:
        created_at = now
        yield Execute(
            "INSERT INTO sender_groups (account_id, group_key, name, created_at) VALUES (?, ?, ?, ?)",
            (account_id, group_key, name, now),
        )
    for sender in senders:
        yield Execute(
            "INSERT INTO sender_group_members (account_id, group_key, sender) VALUES (?, ?, ?)",
            (account_id, group_key, sender),
        )
    return SenderGroup(group_key, name, sorted(senders), created_at)


def list_groups(account_id: str) -> Op[list[SenderGroup]]:
    groups = yield Fetch(
        "SELECT group_key, name, created_at FROM sender_groups WHERE account_id = ? ORDER BY group_key",
        (account_id,),
    )
    members = yield Fetch(
        "SELECT group_key, sender FROM sender_group_members WHERE account_id = ? ORDER BY group_key, sender",
        (account_id,),
    )
    by_group: dict[str, list[str]] = {}
    for row in members:
        by_group.setdefault(row[0], []).append(row[1])
    return [SenderGroup(g[0], g[1], by_group.get(g[0], []), int(g[2])) for g in groups]


def take_create_slot(account_id: str, per_minute: int, now: int) -> Op[int]:
    """A sliding window of one minute that admits `per_minute` requests: the account has `per_minute` slots, each
    holding the time it was last used; a request takes the least recently used slot if that use is a minute old.

    The slots are rows of `rate_buckets` (keyed `brand-template-create:<account>:<n>`, `updated_at` = last use),
    all locked together on PostgreSQL, so the limit holds across every worker process and restart.
    Returns 0 when a slot was taken, else the milliseconds until one frees up."""
    keys = [f"brand-template-create:{account_id}:{n}" for n in range(per_minute)]
    marks = ",".join("?" * len(keys))
    select = Fetch(f"SELECT key, updated_at FROM rate_buckets WHERE key IN ({marks}) ORDER BY key {{for_update}}", keys)
    rows = yield select
    if len(rows) < len(keys):  # the account's first create: make its slots (concurrent makers wait on each other)
        yield Execute(
            "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES "
            + ", ".join("(?, 0.0, ?)" for _ in keys)
            + " ON CONFLICT (key) DO NOTHING",
            [v for key in keys for v in (key, NEVER)],
        )
        rows = yield select
    key, used_at = min(((r[0], int(r[1])) for r in rows), key=lambda r: (r[1], r[0]))
    if used_at > now - WINDOW_MS:
        return used_at + WINDOW_MS - now
    yield Execute("UPDATE rate_buckets SET updated_at = ? WHERE key = ?", (now, key))
    return 0
