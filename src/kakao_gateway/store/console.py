"""Queries of the web console: the agent inbox (open sessions by latest activity, with unread counts), transcript
rows after a point, read markers, the keys a console sign-in stands for, and the console's signing secret."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .sangdam_sessions import Session, session_matches
from .sql import Execute, Fetch, Op, Row

UNREAD_CAP = 100  # counted up to this many ("99+"): a count never walks a long transcript


@dataclass(frozen=True, slots=True)
class InboxRow:
    session: Session
    seq: int
    unread: int
    last_content: dict[str, Any] | None
    last_direction: str | None
    assignee_id: str | None = None
    assignee: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptRow:
    seq: int
    message_id: str
    direction: str
    content: dict[str, Any]
    at: int
    callback_data: str | None
    keyword: str | None


def inbox(
    account_id: str,
    sender: str | None,
    limit: int,
    before: tuple[int, int] | None,
    assigned: str | None = None,
    matching: str | None = None,
) -> Op[tuple[list[InboxRow], tuple[int, int] | None]]:
    """Open sessions, latest activity first (keyset on (last_activity_at, seq)); returns a page and where the next
    one starts (None at the end). `assigned`: a key id (that agent's sessions), "" (unassigned ones) or None (all).
    `matching`: only sessions whose user key or transcript contains it."""
    where = ["s.account_id = ?", "s.state = 'open'"]
    params: list[Any] = [account_id]
    if sender:
        where.append("s.sender = ?")
        params.append(sender)
    if matching:
        condition, values = session_matches("s", account_id, matching)
        where.append(condition)
        params.extend(values)
    if assigned == "":
        where.append("a.key_id IS NULL")
    elif assigned is not None:
        where.append("a.key_id = ?")
        params.append(assigned)
    if before is not None:
        where.append("(s.last_activity_at < ? OR (s.last_activity_at = ? AND s.seq < ?))")
        params.extend((before[0], before[0], before[1]))
    rows = yield Fetch(
        "SELECT s.seq, s.session_id, s.sender, s.user_key, s.state, s.opened_at, s.last_activity_at, s.expires_at, "
        "s.closed_at, s.close_reason, "
        "(SELECT COUNT(*) FROM (SELECT 1 FROM sangdam_messages m WHERE m.session_id = s.session_id "
        "AND m.direction = 'INBOUND' AND m.seq > COALESCE((SELECT r.read_seq FROM console_reads r "
        "WHERE r.session_id = s.session_id), 0) LIMIT ?) AS u) AS unread, "
        "(SELECT m.content FROM sangdam_messages m WHERE m.session_id = s.session_id ORDER BY m.seq DESC LIMIT 1) "
        "AS last_content, (SELECT m.direction FROM sangdam_messages m WHERE m.session_id = s.session_id "
        "ORDER BY m.seq DESC LIMIT 1) AS last_direction, a.key_id AS assignee_id, k.name AS assignee "
        "FROM sangdam_sessions s LEFT JOIN console_assignments a ON a.session_id = s.session_id "
        f"LEFT JOIN api_keys k ON k.id = a.key_id WHERE {' AND '.join(where)} "
        "ORDER BY s.last_activity_at DESC, s.seq DESC LIMIT ?",
        (UNREAD_CAP, *params, limit + 1),
    )
    page = [_inbox_row(r) for r in rows[:limit]]
    after = (page[-1].session.last_activity_at, page[-1].seq) if len(rows) > limit else None
    return page, after


def _inbox_row(r: Row) -> InboxRow:
    session = Session(
        r["session_id"],
        r["sender"],
        r["user_key"],
        r["state"],
        r["opened_at"],
        r["last_activity_at"],
        r["expires_at"],
        r["closed_at"],
        r["close_reason"],
    )
    content = orjson.loads(r["last_content"]) if r["last_content"] is not None else None
    return InboxRow(session, r["seq"], int(r["unread"]), content, r["last_direction"], r["assignee_id"], r["assignee"])


def transcript_after(account_id: str, session_id: str, after_seq: int, limit: int) -> Op[list[TranscriptRow]]:
    """A session's rows after `after_seq`, in order (the session must be the account's)."""
    rows = yield Fetch(
        "SELECT seq, message_id, direction, content, created_at, callback_data, keyword FROM sangdam_messages "
        "WHERE session_id = ? AND seq > ? AND account_id = ? ORDER BY seq LIMIT ?",
        (session_id, after_seq, account_id, limit),
    )
    return [
        TranscriptRow(
            r["seq"],
            r["message_id"],
            r["direction"],
            orjson.loads(r["content"]),
            r["created_at"],
            r["callback_data"],
            r["keyword"],
        )
        for r in rows
    ]


def mark_read(account_id: str, session_id: str, seq: int) -> Op[None]:
    yield Execute(
        "INSERT INTO console_reads (session_id, account_id, read_seq) VALUES (?, ?, ?) "
        "ON CONFLICT (session_id) DO UPDATE SET read_seq = excluded.read_seq "
        "WHERE console_reads.read_seq < excluded.read_seq",
        (session_id, account_id, seq),
    )


def secret(name: str, candidate: str) -> Op[str]:
    """The secret stored under `name`, storing `candidate` if there is none (the first process to ask wins)."""
    yield Execute(
        "INSERT INTO console_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, candidate)
    )
    rows = yield Fetch("SELECT value FROM console_secrets WHERE name = ?", (name,))
    return str(rows[0]["value"])


@dataclass(frozen=True, slots=True)
class SignedKey:
    """What a console session stands for: an account key (account set) or an operator key (account None)."""

    key_id: str
    account_id: str | None
    account_name: str | None
    scopes: frozenset[str]


def live_key(key_id: str) -> Op[SignedKey | None]:
    rows = yield Fetch(
        "SELECT k.id, k.account_id, a.name, k.scopes FROM api_keys k JOIN accounts a ON a.id = k.account_id "
        "WHERE k.id = ? AND k.revoked_at IS NULL",
        (key_id,),
    )
    if not rows:
        return None
    r = rows[0]
    return SignedKey(r[0], r[1], r[2], frozenset(r[3].split()))


def live_operator_key(key_id: str | None = None, key_hash: str | None = None) -> Op[str | None]:
    """The id of a working operator key, found by id or by hash."""
    column, value = ("id", key_id) if key_id is not None else ("key_hash", key_hash)
    rows = yield Fetch(f"SELECT id FROM admin_keys WHERE {column} = ? AND revoked_at IS NULL", (value,))
    return str(rows[0][0]) if rows else None


@dataclass(frozen=True, slots=True)
class BulkRow:
    bulk_id: str
    channel: str
    state: str
    created_at: int
    send_at: int
    unfinished: bool  # some of its messages have not ended yet


def recent_bulks(
    account_id: str, limit: int, before: tuple[int, str] | None
) -> Op[tuple[list[BulkRow], tuple[int, str] | None]]:
    """An account's bulks, newest first (keyset on (created_at, bulk_id))."""
    where = "account_id = ?"
    params: list[Any] = [account_id]
    if before is not None:
        where += " AND (created_at < ? OR (created_at = ? AND bulk_id < ?))"
        params += [before[0], before[0], before[1]]
    rows = yield Fetch(
        "SELECT bulk_id, channel, state, created_at, send_at, EXISTS (SELECT 1 FROM message_queue q "
        "WHERE q.account_id = bulks.account_id AND q.bulk_id = bulks.bulk_id) AS unfinished "
        f"FROM bulks WHERE {where} ORDER BY created_at DESC, bulk_id DESC LIMIT ?",
        (*params, limit + 1),
    )
    page = [
        BulkRow(r["bulk_id"], r["channel"], r["state"], r["created_at"], r["send_at"], bool(r["unfinished"]))
        for r in rows[:limit]
    ]
    after = (page[-1].created_at, page[-1].bulk_id) if len(rows) > limit else None
    return page, after


def assign(account_id: str, session_id: str, key_id: str | None, now: int) -> Op[None]:
    """Assign a session to an agent (a key of the account), or (None) to nobody."""
    if key_id is None:
        yield Execute(
            "DELETE FROM console_assignments WHERE session_id = ? AND account_id = ?", (session_id, account_id)
        )
        return
    yield Execute(
        "INSERT INTO console_assignments (session_id, account_id, key_id, assigned_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (session_id) DO UPDATE SET key_id = excluded.key_id, assigned_at = excluded.assigned_at",
        (session_id, account_id, key_id, now),
    )


def assignee(account_id: str, session_id: str) -> Op[tuple[str, str] | None]:
    """(key id, key name) of the agent a session is assigned to."""
    rows = yield Fetch(
        "SELECT a.key_id, k.name FROM console_assignments a JOIN api_keys k ON k.id = a.key_id "
        "WHERE a.session_id = ? AND a.account_id = ?",
        (session_id, account_id),
    )
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


@dataclass(frozen=True, slots=True)
class PhoneMessage:
    seq: int
    message_id: str
    channel: str
    sender: str
    content: dict[str, Any]
    status_id: int
    created_at: int


def phone_messages(
    account_id: str, channel: str, destination: str, limit: int, before_seq: int | None = None
) -> Op[list[PhoneMessage]]:
    """A destination's newest messages of a channel (below `before_seq`), newest first: a walk of
    ix_messages_destination (account, channel, destination, seq), however many messages others got."""
    below = "" if before_seq is None else " AND m.seq < ?"
    rows = yield Fetch(
        "SELECT m.seq, m.message_id, m.channel, m.sender, m.content, COALESCE(r.status_id, q.status_id) AS status_id, "
        "m.created_at FROM messages m {index:ix_messages_destination} LEFT JOIN message_queue q ON q.seq = m.seq "
        "LEFT JOIN message_results r ON r.seq = m.seq "
        f"WHERE m.account_id = ? AND m.channel = ? AND m.destination = ?{below} ORDER BY m.seq DESC LIMIT ?",
        (account_id, channel, destination, *(() if before_seq is None else (before_seq,)), limit),
    )
    return [
        PhoneMessage(
            r["seq"],
            r["message_id"],
            r["channel"],
            r["sender"],
            orjson.loads(r["content"]),
            r["status_id"],
            r["created_at"],
        )
        for r in rows
    ]


def link_owner(code: str) -> Op[str | None]:
    rows = yield Fetch("SELECT account_id FROM short_links WHERE code = ?", (code,))
    return str(rows[0][0]) if rows else None


@dataclass(frozen=True, slots=True)
class BrandTemplateRow:
    template_code: str
    name: str
    sender: str | None
    sender_group: str | None
    kind: str
    updated_at: int


def brand_templates(account_id: str, limit: int) -> Op[list[BrandTemplateRow]]:
    """An account's Brand templates, last updated first (ix_brand_templates_updated)."""
    rows = yield Fetch(
        "SELECT template_code, name, sender, sender_group, content, updated_at FROM brand_templates "
        "WHERE account_id = ? ORDER BY updated_at DESC LIMIT ?",
        (account_id, limit),
    )
    out = []
    for r in rows:
        content = orjson.loads(r[4])
        kind = str(content.get("type", "")) if isinstance(content, dict) else ""
        out.append(BrandTemplateRow(r[0], r[1], r[2], r[3], kind, r[5]))
    return out
