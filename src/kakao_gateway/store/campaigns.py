"""Campaigns: uploaded recipient files and what they were sent as (migration 0033)."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Execute, Fetch, Op, Row

_COLUMNS = "id, file_name, rows, created_at, sent_at, bulk_id, sender, template_code, campaign_ref, accepted"


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    file_name: str
    rows: int
    created_at: int
    sent_at: int | None
    bulk_id: str | None
    sender: str | None
    template_code: str | None
    campaign_ref: str | None
    accepted: int | None


def _campaign(r: Row) -> Campaign:
    return Campaign(
        r["id"],
        r["file_name"],
        r["rows"],
        r["created_at"],
        r["sent_at"],
        r["bulk_id"],
        r["sender"],
        r["template_code"],
        r["campaign_ref"],
        r["accepted"],
    )


def add(campaign_id: str, account_id: str, file_name: str, content: bytes, rows: int, now: int) -> Op[None]:
    yield Execute(
        "INSERT INTO campaigns (id, account_id, file_name, content, rows, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (campaign_id, account_id, file_name, content, rows, now),
    )


def get(account_id: str, campaign_id: str) -> Op[tuple[Campaign, bytes | None] | None]:
    rows = yield Fetch(
        f"SELECT {_COLUMNS}, content FROM campaigns WHERE id = ? AND account_id = ?", (campaign_id, account_id)
    )
    if not rows:
        return None
    content = rows[0]["content"]
    return _campaign(rows[0]), (bytes(content) if content is not None else None)


def recent(account_id: str, limit: int) -> Op[list[Campaign]]:
    rows = yield Fetch(
        f"SELECT {_COLUMNS} FROM campaigns WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (account_id, limit),
    )
    return [_campaign(r) for r in rows]


def claim(account_id: str, campaign_id: str, now: int) -> Op[bool]:
    """Take an unsent campaign for sending (False: it is sent, or being sent, already: a second click)."""
    changed: int = yield Execute(
        "UPDATE campaigns SET sent_at = ? WHERE id = ? AND account_id = ? AND sent_at IS NULL",
        (now, campaign_id, account_id),
    )
    return changed > 0


def release(account_id: str, campaign_id: str) -> Op[None]:
    """Give back a campaign whose sending was refused before anything was accepted."""
    yield Execute(
        "UPDATE campaigns SET sent_at = NULL WHERE id = ? AND account_id = ? AND bulk_id IS NULL",
        (campaign_id, account_id),
    )


def record_sent(
    account_id: str, campaign_id: str, bulk_id: str, sender: str, template_code: str, ref: str | None, accepted: int
) -> Op[None]:
    """What a campaign was sent as; its file is dropped."""
    yield Execute(
        "UPDATE campaigns SET bulk_id = ?, sender = ?, template_code = ?, campaign_ref = ?, accepted = ?, "
        "content = NULL WHERE id = ? AND account_id = ?",
        (bulk_id, sender, template_code, ref, accepted, campaign_id, account_id),
    )


def purge_unsent(account_id: str, before: int) -> Op[int]:
    """Forget the account's uploads never sent that are older than `before`."""
    deleted: int = yield Execute(
        "DELETE FROM campaigns WHERE account_id = ? AND sent_at IS NULL AND created_at < ?", (account_id, before)
    )
    return deleted
