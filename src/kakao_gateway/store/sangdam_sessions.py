"""Sangdam sessions and their transcript: a user writes (opening a session), the business's messages are delivered
into an open session (or not), sessions close (TERMINATE_SESSION, inactivity), and both are listed and read.

An inbound message gets its forwarding state as it is written (see migration 0011): `none` without an inbound URL,
`held` while a batch of its session is in the outbox, else `queued`. The session row is locked while this is
decided, and the forwarder locks it as it sends a batch, so the rule holds across workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ..domain.sangdam import INBOUND, OUTBOUND, TERMINATE, expired_content, fold_keyword, timeout_ms
from .brand import get_settings
from .sql import Execute, Fetch, InsertMany, Op, Row, UpdateMany

MESSAGE_COLUMNS = (
    "account_id",
    "session_id",
    "message_id",
    "direction",
    "sender",
    "user_key",
    "content",
    "created_at",
    "paired_message_id",
    "callback_data",
    "keyword",
    "forward_state",
)
MESSAGE_TYPES = ("text",) * 7 + ("bigint",) + ("text",) * 4


def message_row(
    account_id: str,
    session_id: str,
    message_id: str,
    direction: str,
    sender: str,
    user_key: str,
    content: dict[str, Any],
    at: int,
    forward_state: str | None = None,
) -> tuple[Any, ...]:
    """A transcript row (MESSAGE_COLUMNS) without reply facts or keyword."""
    text = orjson.dumps(content).decode()
    return (account_id, session_id, message_id, direction, sender, user_key, text, at, None, None, None, forward_state)


@dataclass(frozen=True, slots=True)
class UserMessage:
    """What a (sandbox) user writes to a sender."""

    account_id: str
    sender: str
    user_key: str
    message_id: str
    content: dict[str, Any]  # the inbound `message`
    paired_message_id: str | None = None
    callback_data: str | None = None
    # A message an upstream pushed: the upstream's id for it (a push of it again is not written twice), and the id
    # it is stored under when the account has a message of `message_id` already (one of ours).
    upstream_id: str | None = None
    fallback_id: str | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """A user's message as written: its session and the id it is stored under; both None when the upstream had
    pushed it before (nothing written)."""

    session_id: str | None
    message_id: str | None


NOT_AGAIN = Stored(None, None)


@dataclass(frozen=True, slots=True)
class Delivery:
    """An outbound message reaching a user: recorded in the session's transcript if one is open."""

    seq: int  # the message row's
    account_id: str
    message_id: str
    sender: str
    user_key: str
    content: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    sender: str
    user_key: str
    state: str
    opened_at: int
    last_activity_at: int
    expires_at: int
    closed_at: int | None
    close_reason: str | None


_SESSION_COLUMNS = (
    "session_id, sender, user_key, state, opened_at, last_activity_at, expires_at, closed_at, close_reason"
)


def _session(r: Row) -> Session:
    return Session(
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


def _forward_state(has_url: bool, inflight: int) -> str:
    if not has_url:
        return "none"
    return "held" if inflight else "queued"


def _user_busy(account_id: str, sender: str, user_key: str) -> Op[bool]:
    """Whether a body of any session of this user with this sender is in the outbox: the user's new messages wait
    behind it (order holds per user, across their sessions)."""
    rows = yield Fetch(
        "SELECT 1 FROM sangdam_sessions {index:ix_sangdam_sessions_user} WHERE account_id = ? AND sender = ? "
        "AND user_key = ? AND inflight = 1 LIMIT 1",
        (account_id, sender, user_key),
    )
    return bool(rows)


def _open_session(account_id: str, sender: str, user_key: str) -> Op[Row | None]:
    rows = yield Fetch(
        "SELECT session_id, expires_at, inflight FROM sangdam_sessions WHERE account_id = ? AND sender = ? "
        "AND user_key = ? AND state = 'open' {for_update}",
        (account_id, sender, user_key),
    )
    return rows[0] if rows else None


def _facts_of_write(m: UserMessage) -> Op[Row]:
    """What writing a message depends on, in one statement: whether the sender is the account's, the account's
    settings and inbound URL, the keyword the text matches, and whether the upstream pushed it before."""
    text = fold_keyword(m.content["text"]) if m.content["type"] == "TEXT" else None
    rows = yield Fetch(
        "SELECT (SELECT 1 FROM senders WHERE account_id = ? AND sender = ?) AS known, "
        "(SELECT settings FROM account_settings WHERE account_id = ?) AS settings, "
        "(SELECT inbound_url FROM subscriptions WHERE account_id = ? AND channel = 'SANGDAM') AS inbound_url, "
        "(SELECT display FROM sangdam_keywords WHERE account_id = ? AND keyword = ?) AS keyword, "
        "(SELECT 1 FROM sangdam_messages WHERE account_id = ? AND upstream_id = ?) AS pushed",
        (m.account_id, m.sender, m.account_id, m.account_id, m.account_id, text, m.account_id, m.upstream_id),
    )
    row: Row = rows[0]
    return row


# A user's message, in one statement: under its own id unless the account has a message of that id (then under
# the fallback id), and not at all when the upstream pushed it before (ux_sangdam_messages_upstream; a push that
# arrives twice at once waits for the first and is refused here, atomically). Returns the stored id, or no row.
_INSERT_INBOUND = (
    f"INSERT INTO sangdam_messages ({', '.join(MESSAGE_COLUMNS)}, upstream_id) VALUES (?, ?, "
    "CASE WHEN EXISTS (SELECT 1 FROM sangdam_messages WHERE account_id = ? AND message_id = ?) THEN ? ELSE ? END, "
    f"{', '.join('?' * (len(MESSAGE_COLUMNS) - 2))}) ON CONFLICT DO NOTHING RETURNING message_id"
)


def _insert_inbound(m: UserMessage, session_id: str, keyword: str | None, state: str, now: int) -> Op[str | None]:
    rows = yield Fetch(
        _INSERT_INBOUND,
        (
            m.account_id,
            session_id,
            m.account_id,
            m.message_id,
            m.fallback_id or m.message_id,
            m.message_id,
            INBOUND,
            m.sender,
            m.user_key,
            orjson.dumps(m.content).decode(),
            now,
            m.paired_message_id,
            m.callback_data,
            keyword,
            state,
            m.upstream_id,
        ),
    )
    return rows[0]["message_id"] if rows else None


def write_inbound(m: UserMessage, new_session_id: str, expiry_message_id: str, now: int) -> Op[Stored | None]:
    """Store what a user wrote in their open session with the sender, opening one if there is none (a session
    past its timeout that the expiry has not reached yet is expired first); returns where it went (NOT_AGAIN when
    the upstream pushed it before), or None when the sender is not the account's."""
    facts = yield from _facts_of_write(m)
    if facts["known"] is None:
        return None
    if m.upstream_id is not None and facts["pushed"] is not None:
        return NOT_AGAIN
    timeout = timeout_ms(json.loads(facts["settings"]) if facts["settings"] else {})
    url = facts["inbound_url"]
    keyword = facts["keyword"]
    session = yield from _open_session(m.account_id, m.sender, m.user_key)
    busy = yield from _user_busy(m.account_id, m.sender, m.user_key)
    if session is not None and session["expires_at"] <= now:
        yield from _close_expired(session, m.account_id, m.sender, m.user_key, url, expiry_message_id, busy)
        session = None
    if session is None:
        yield Execute(
            "INSERT INTO sangdam_sessions (session_id, account_id, sender, user_key, state, opened_at, "
            "last_activity_at, expires_at, inflight) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, 0) "
            "ON CONFLICT (account_id, sender, user_key) WHERE state = 'open' DO NOTHING",
            (new_session_id, m.account_id, m.sender, m.user_key, now, now, now + timeout),
        )
        session = yield from _open_session(m.account_id, m.sender, m.user_key)
        assert session is not None
    session_id: str = session["session_id"]
    state = _forward_state(url is not None, session["inflight"] or busy)
    stored = yield from _insert_inbound(m, session_id, keyword, state, now)
    if stored is None:
        return NOT_AGAIN
    yield Execute(
        "UPDATE sangdam_sessions SET last_activity_at = ?, expires_at = ? WHERE session_id = ?",
        (now, now + timeout, session_id),
    )
    return Stored(session_id, stored)


def _close_expired(
    s: Row, account_id: str, sender: str, user_key: str, url: str | None, message_id: str, busy: bool
) -> Op[None]:
    """Close one session as expired at its expiry instant and queue its EXPIRED_SESSION (held while a body of the
    user's is in the outbox)."""
    at = s["expires_at"]
    state = _forward_state(url is not None, s["inflight"] or busy)
    yield Execute(
        "UPDATE sangdam_sessions SET state = 'closed', closed_at = expires_at, close_reason = 'EXPIRED' "
        "WHERE session_id = ?",
        (s["session_id"],),
    )
    content = expired_content(s["session_id"], at)
    row = message_row(account_id, s["session_id"], message_id, INBOUND, sender, user_key, content, at, state)
    yield InsertMany("sangdam_messages", MESSAGE_COLUMNS, MESSAGE_TYPES, [row])


def _busy_users(sessions: list[Row]) -> Op[set[tuple[str, str, str]]]:
    """The (account, sender, user) of these sessions that have a body in the outbox (in any of their sessions)."""
    by_sender: dict[tuple[str, str], set[str]] = {}
    for r in sessions:
        by_sender.setdefault((r["account_id"], r["sender"]), set()).add(r["user_key"])
    busy: set[tuple[str, str, str]] = set()
    for (account_id, sender), users in sorted(by_sender.items()):
        keys = sorted(users)
        rows = yield Fetch(
            "SELECT user_key FROM sangdam_sessions {index:ix_sangdam_sessions_user} WHERE account_id = ? "
            f"AND sender = ? AND user_key IN ({','.join('?' * len(keys))}) AND inflight = 1",
            (account_id, sender, *keys),
        )
        busy.update((account_id, sender, r["user_key"]) for r in rows)
    return busy


def expire_sessions(now: int, limit: int, new_ids: Callable[[int], list[str]]) -> Op[int]:
    """Close open sessions whose inactivity timeout has passed; each sends the business an EXPIRED_SESSION."""
    due = yield Fetch(
        "SELECT session_id, account_id, sender, user_key, expires_at, inflight FROM sangdam_sessions "
        "WHERE state = 'open' AND expires_at <= ? ORDER BY expires_at LIMIT ? {skip_locked}",
        (now, limit),
    )
    if not due:
        return 0
    accounts = sorted({r["account_id"] for r in due})
    marks = ",".join("?" * len(accounts))
    urls = yield Fetch(
        f"SELECT account_id, inbound_url FROM subscriptions WHERE channel = 'SANGDAM' AND account_id IN ({marks})",
        accounts,
    )
    with_url = {r["account_id"] for r in urls if r["inbound_url"] is not None}
    busy = yield from _busy_users(due)
    ids = new_ids(len(due))
    rows = []
    for s, message_id in zip(due, ids, strict=True):
        at = s["expires_at"]
        state = _forward_state(s["account_id"] in with_url, (s["account_id"], s["sender"], s["user_key"]) in busy)
        content = expired_content(s["session_id"], at)
        rows.append(
            message_row(
                s["account_id"], s["session_id"], message_id, INBOUND, s["sender"], s["user_key"], content, at, state
            )
        )
    yield UpdateMany(
        "UPDATE sangdam_sessions SET state = 'closed', closed_at = sangdam_sessions.expires_at, "
        "close_reason = 'EXPIRED' FROM v WHERE sangdam_sessions.session_id = v.v_id",
        ("v_id",),
        ("text",),
        [(s["session_id"],) for s in due],
    )
    yield InsertMany("sangdam_messages", MESSAGE_COLUMNS, MESSAGE_TYPES, rows)
    return len(due)


def next_expiry_at(after: int) -> Op[int | None]:
    rows = yield Fetch("SELECT MIN(expires_at) FROM sangdam_sessions WHERE state = 'open' AND expires_at > ?", (after,))
    due: int | None = rows[0][0]
    return due


def deliver(deliveries: list[Delivery], now: int) -> Op[set[int]]:
    """Record the deliveries whose user has an open session with the sender (in seq order: a TERMINATE_SESSION
    closes it for the messages after it); returns their seqs. Each restarts its session's inactivity timeout."""
    by_sender: dict[tuple[str, str], set[str]] = {}
    for d in deliveries:
        by_sender.setdefault((d.account_id, d.sender), set()).add(d.user_key)
    open_sessions: dict[tuple[str, str, str], str] = {}
    for (account_id, sender), users in sorted(by_sender.items()):
        keys = sorted(users)
        found = yield Fetch(
            "SELECT session_id, user_key FROM sangdam_sessions WHERE account_id = ? AND sender = ? AND state = 'open' "
            f"AND expires_at > ? AND user_key IN ({','.join('?' * len(keys))}) "
            "ORDER BY session_id {for_update}",  # locked in session order, as the forwarder locks them
            (account_id, sender, now, *keys),
        )
        open_sessions.update({(account_id, sender, r["user_key"]): r["session_id"] for r in found})
    if not open_sessions:
        return set()
    timeouts: dict[str, int] = {}
    for account_id in sorted({d.account_id for d in deliveries}):
        timeouts[account_id] = timeout_ms((yield from get_settings(account_id)))
    delivered: set[int] = set()
    rows: list[tuple[Any, ...]] = []
    touched: dict[str, tuple[int, str | None]] = {}  # session -> (expires_at, close reason)
    for d in sorted(deliveries, key=lambda d: d.seq):
        session_id = open_sessions.get((d.account_id, d.sender, d.user_key))
        if session_id is None or touched.get(session_id, (0, None))[1] is not None:
            continue
        delivered.add(d.seq)
        rows.append(message_row(d.account_id, session_id, d.message_id, OUTBOUND, d.sender, d.user_key, d.content, now))
        closing = "TERMINATED" if d.content.get("type") == TERMINATE else None
        touched[session_id] = (now + timeouts[d.account_id], closing)
    if rows:
        yield InsertMany(
            "sangdam_messages", MESSAGE_COLUMNS, MESSAGE_TYPES, rows, conflict=("account_id", "message_id")
        )
    yield UpdateMany(
        "UPDATE sangdam_sessions SET last_activity_at = v.v_now, expires_at = v.v_expires, "
        "state = CASE WHEN v.v_reason IS NULL THEN state ELSE 'closed' END, "
        "closed_at = CASE WHEN v.v_reason IS NULL THEN closed_at ELSE v.v_now END, "
        "close_reason = COALESCE(v.v_reason, close_reason) FROM v WHERE sangdam_sessions.session_id = v.v_id",
        ("v_id", "v_now", "v_expires", "v_reason"),
        ("text", "bigint", "bigint", "text"),
        [(session_id, now, expires, reason) for session_id, (expires, reason) in touched.items()],
    )
    return delivered


def session_matches(table: str, account_id: str, text: str) -> tuple[str, list[Any]]:
    """A condition on `table` (sangdam_sessions or its alias) of an account's sessions: the user key or a message
    of the transcript contains `text`, Latin letters in any case, `%` and `_` as themselves. It reads the transcript
    of each session the walk comes to (by ix_sangdam_messages_session) until a page is full. A scalar subquery
    rather than EXISTS: PostgreSQL would otherwise hash every matching message of the table first."""

    def like(needle: str) -> str:
        return "%" + needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    # the transcript keeps each message's content as JSON: the words are looked for as JSON writes them (a quote,
    # a backslash or a line break escaped), so that they match inside a text field
    written = orjson.dumps(text).decode()[1:-1]
    return (
        f"(lower({table}.user_key) LIKE ? ESCAPE '\\' OR (SELECT 1 FROM sangdam_messages sm "
        f"WHERE sm.session_id = {table}.session_id AND sm.account_id = ? AND lower(sm.content) LIKE ? ESCAPE '\\' "
        "LIMIT 1) IS NOT NULL)",
        [like(text), account_id, like(written)],
    )


def list_sessions(
    account_id: str,
    sender: str | None,
    state: str | None,
    limit: int,
    before_seq: int | None,
    matching: str | None = None,
) -> Op[tuple[list[Session], int | None]]:
    """Newest first; returns the sessions and the seq to continue below (None at the end). `matching`: only those
    whose user key or transcript contains it."""
    where = ["account_id = ?"]
    params: list[Any] = [account_id]
    for column, value in (("sender", sender), ("state", state)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if matching:
        condition, values = session_matches("sangdam_sessions", account_id, matching)
        where.append(condition)
        params.extend(values)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    rows = yield Fetch(
        f"SELECT seq, {_SESSION_COLUMNS} FROM sangdam_sessions WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
        (*params, limit + 1),
    )
    next_seq = rows[limit - 1]["seq"] if len(rows) > limit else None
    return [_session(r) for r in rows[:limit]], next_seq


def get_session(account_id: str, session_id: str) -> Op[Session | None]:
    rows = yield Fetch(
        f"SELECT {_SESSION_COLUMNS} FROM sangdam_sessions WHERE session_id = ? AND account_id = ?",
        (session_id, account_id),
    )
    return _session(rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of a transcript."""

    session_id: str
    message_id: str
    direction: str
    sender: str
    user_key: str
    content: dict[str, Any]
    at: int
    paired_message_id: str | None
    callback_data: str | None
    keyword: str | None


_ENTRY_COLUMNS = (
    "session_id, message_id, direction, sender, user_key, content, created_at, paired_message_id, callback_data, "
    "keyword"
)


def _entry(r: Row) -> Entry:
    return Entry(
        r["session_id"],
        r["message_id"],
        r["direction"],
        r["sender"],
        r["user_key"],
        orjson.loads(r["content"]),
        r["created_at"],
        r["paired_message_id"],
        r["callback_data"],
        r["keyword"],
    )


def transcript(session_id: str, limit: int, after_seq: int | None) -> Op[tuple[list[Entry], int | None]]:
    """A session's messages in order; returns them and the seq to continue after (None at the end)."""
    rows = yield Fetch(
        f"SELECT seq, {_ENTRY_COLUMNS} FROM sangdam_messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        (session_id, after_seq or 0, limit + 1),
    )
    next_seq = rows[limit - 1]["seq"] if len(rows) > limit else None
    return [_entry(r) for r in rows[:limit]], next_seq


def conversation(account_id: str, sender: str, user_key: str, limit: int) -> Op[list[Entry]]:
    """The last `limit` messages between a user and a sender, over all their sessions, oldest first."""
    sessions = yield Fetch(
        "SELECT session_id FROM sangdam_sessions WHERE account_id = ? AND sender = ? AND user_key = ?",
        (account_id, sender, user_key),
    )
    if not sessions:
        return []
    ids = [r["session_id"] for r in sessions]
    rows = yield Fetch(
        f"SELECT seq, {_ENTRY_COLUMNS} FROM sangdam_messages WHERE session_id IN ({','.join('?' * len(ids))}) "
        "ORDER BY seq DESC LIMIT ?",
        (*ids, limit),
    )
    return [_entry(r) for r in reversed(rows)]


def received_message(account_id: str, message_id: str) -> Op[tuple[Entry, str | None] | None]:
    """An outbound message a user received (from the transcript) and its callbackData (from the message row)."""
    rows = yield Fetch(
        f"SELECT {_ENTRY_COLUMNS} FROM sangdam_messages WHERE account_id = ? AND message_id = ? AND direction = ?",
        (account_id, message_id, OUTBOUND),
    )
    if not rows:
        return None
    data = yield Fetch(
        "SELECT callback_data FROM messages WHERE account_id = ? AND message_id = ?", (account_id, message_id)
    )
    return _entry(rows[0]), (data[0]["callback_data"] if data else None)


def put_keywords(account_id: str, keywords: list[str]) -> Op[list[str]]:
    """Replace the account's keywords; returns them as registered (one per folded form, the first given)."""
    unique: dict[str, str] = {}
    for k in keywords:
        unique.setdefault(fold_keyword(k), k.strip())
    yield Execute("DELETE FROM sangdam_keywords WHERE account_id = ?", (account_id,))
    if unique:
        yield InsertMany(
            "sangdam_keywords",
            ("account_id", "keyword", "display"),
            ("text", "text", "text"),
            [(account_id, folded, display) for folded, display in unique.items()],
        )
    return sorted(unique.values())


def get_keywords(account_id: str) -> Op[list[str]]:
    rows = yield Fetch("SELECT display FROM sangdam_keywords WHERE account_id = ? ORDER BY display", (account_id,))
    return [r["display"] for r in rows]


def purge_sessions(before: int, limit: int) -> Op[int]:
    """Delete up to `limit` sessions closed before `before`, oldest first, with their transcripts. Returns how many
    sessions went."""
    rows = yield Fetch(
        "SELECT session_id FROM sangdam_sessions WHERE state = 'closed' AND closed_at < ? ORDER BY closed_at LIMIT ?",
        (before, limit),
    )
    ids = [r["session_id"] for r in rows]
    if not ids:
        return 0
    marks = ",".join("?" * len(ids))
    yield Execute(f"DELETE FROM sangdam_messages WHERE session_id IN ({marks})", tuple(ids))
    deleted = yield Execute(f"DELETE FROM sangdam_sessions WHERE session_id IN ({marks})", tuple(ids))
    return int(deleted)
