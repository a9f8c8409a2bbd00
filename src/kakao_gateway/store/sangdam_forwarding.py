"""Inbound forwarding through the reports outbox, in order per session, and the inbound pull.

A forwarding step (one transaction, one worker at a time: it locks the `sangdam_forwarder` row):

1. settles the batches the pusher has finished with: their messages become `pushed` or `exhausted` (pullable),
   and the messages their sessions held back become `queued`;
2. takes queued messages in arrival order and writes them to the outbox as `kind = 'inbound'` rows, each holding a
   whole `KakaoSangdamInboundResponse` of at most `batch_size` messages (one POST, retried as a unit on the
   reports' retry ladder). All messages of a user (with a sender, in any of their sessions) taken in a step go into
   one row; their sessions are then marked in flight, and anything else the user has (a message beyond the batch,
   one that arrived meanwhile, one in a new session) is held until the row is settled and none of the user's
   sessions is in flight. A later message of a user can therefore never overtake an earlier one waiting for a
   retry, also across a session that ended and the next one.

`pendingMessageCount` is what was still waiting to be forwarded for the account behind that body when it was
formed (a retry posts the same body).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from ..domain.sangdam import InboundFacts, inbound_response, inbound_result
from .sql import Fetch, InsertMany, Notify, Op, Row, UpdateMany, claim_rows

JSON = "application/json"
_FACTS = "seq, account_id, session_id, message_id, sender, user_key, content, created_at, paired_message_id, " + (
    "callback_data, keyword"
)
_OUTBOX_COLUMNS = (
    "account_id",
    "channel",
    "message_id",
    "bulk_id",
    "final",
    "body",
    "created_at",
    "push_url",
    "push_content_type",
    "push_state",
    "push_due_at",
    "push_attempts",
    "kind",
)
_OUTBOX_TYPES = ("text",) * 4 + ("int", "text", "bigint", "text", "text", "text", "bigint", "int", "text")


def facts(r: Row) -> InboundFacts:
    return InboundFacts(
        r["message_id"],
        r["sender"],
        r["user_key"],
        r["created_at"],
        orjson.loads(r["content"]),
        r["paired_message_id"],
        r["callback_data"],
        r["keyword"],
    )


def has_work(now: int) -> Op[bool]:
    """A read: is anything queued, in the outbox, or a session past its timeout? (An idle step then writes nothing.)"""
    rows = yield Fetch(
        "SELECT (SELECT 1 FROM sangdam_messages WHERE forward_state = 'queued' LIMIT 1) AS queued, "
        "(SELECT 1 FROM sangdam_messages WHERE forward_state = 'forwarding' LIMIT 1) AS forwarding, "
        "(SELECT 1 FROM sangdam_sessions WHERE state = 'open' AND expires_at <= ? LIMIT 1) AS expired",
        (now,),
    )
    return any(value is not None for value in rows[0])


def forward(now: int, limit: int, batch_size: int) -> Op[int]:
    """One forwarding step; returns how many messages it settled or sent to the outbox."""
    yield Fetch("SELECT id FROM sangdam_forwarder WHERE id = 1 {for_update}")
    settled = yield from _settle()
    sent = yield from _release(now, limit, batch_size)
    return settled + sent


def _settle() -> Op[int]:
    rows = yield Fetch("SELECT DISTINCT outbox_seq FROM sangdam_messages WHERE forward_state = 'forwarding'")
    outbox = [r["outbox_seq"] for r in rows]
    if not outbox:
        return 0
    states: dict[int, str] = {}
    for start in range(0, len(outbox), 500):
        part = outbox[start : start + 500]
        found = yield Fetch(f"SELECT seq, push_state FROM reports WHERE seq IN ({','.join('?' * len(part))})", part)
        states.update({r["seq"]: r["push_state"] for r in found})
    done = [
        (seq, "pushed" if states[seq] == "pushed" else "exhausted")
        for seq in outbox
        if states.get(seq, "gone") != "pending"  # a row that is gone (purged) counts as exhausted
    ]
    if not done:
        return 0
    sessions = yield UpdateMany(
        "UPDATE sangdam_messages SET forward_state = v.v_state FROM v WHERE sangdam_messages.outbox_seq = v.v_seq "
        "AND sangdam_messages.forward_state = 'forwarding' RETURNING sangdam_messages.session_id",
        ("v_seq", "v_state"),
        ("bigint", "text"),
        done,
    )
    ids = sorted({r["session_id"] for r in sessions})
    yield UpdateMany(
        "UPDATE sangdam_sessions SET inflight = 0 FROM v WHERE sangdam_sessions.session_id = v.v_id",
        ("v_id",),
        ("text",),
        [(i,) for i in ids],
    )
    free = yield from _sessions_of_free_users(ids)
    yield UpdateMany(
        "UPDATE sangdam_messages SET forward_state = 'queued' FROM v WHERE sangdam_messages.session_id = v.v_id "
        "AND sangdam_messages.forward_state = 'held'",
        ("v_id",),
        ("text",),
        [(i,) for i in free],
    )
    return len(sessions)


def _sessions_of_free_users(session_ids: list[str]) -> Op[list[str]]:
    """Every session of the users of these sessions who have no body left in the outbox: what they hold goes on
    (order is kept per user, across their sessions: a new session's messages wait behind the old one's)."""
    if not session_ids:
        return []
    users = yield Fetch(
        "SELECT DISTINCT account_id, sender, user_key FROM sangdam_sessions "
        f"WHERE session_id IN ({','.join('?' * len(session_ids))})",
        session_ids,
    )
    free: list[str] = []
    for u in sorted(users, key=lambda r: (r["account_id"], r["sender"], r["user_key"])):
        rows = yield Fetch(
            "SELECT session_id, inflight FROM sangdam_sessions {index:ix_sangdam_sessions_user} "
            "WHERE account_id = ? AND sender = ? AND user_key = ?",
            (u["account_id"], u["sender"], u["user_key"]),
        )
        if all(r["inflight"] == 0 for r in rows):
            free.extend(r["session_id"] for r in rows)
    return free


def _chunks(rows: list[Row], batch_size: int) -> tuple[list[list[Row]], list[Row]]:
    """One account's queued rows (in order) as bodies: a user's rows (with a sender, across their sessions) stay
    together and in order, at most `batch_size` of them; the rest is left over (held)."""
    by_session: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        by_session[(r["sender"], r["user_key"])].append(r)
    chunks: list[list[Row]] = []
    current: list[Row] = []
    left: list[Row] = []
    for session_rows in by_session.values():
        take, rest = session_rows[:batch_size], session_rows[batch_size:]
        left.extend(rest)
        if len(current) + len(take) > batch_size:
            chunks.append(current)
            current = []
        current.extend(take)
    if current:
        chunks.append(current)
    return chunks, left


def _release(now: int, limit: int, batch_size: int) -> Op[int]:
    rows = yield Fetch(
        f"SELECT {_FACTS} FROM sangdam_messages {{index:ix_sangdam_messages_queued}} WHERE forward_state = 'queued' "
        "ORDER BY seq LIMIT ?",
        (limit,),
    )
    if not rows:
        return 0
    accounts = sorted({r["account_id"] for r in rows})
    marks = ",".join("?" * len(accounts))
    found = yield Fetch(
        f"SELECT account_id, inbound_url FROM subscriptions WHERE channel = 'SANGDAM' AND account_id IN ({marks})",
        accounts,
    )
    urls = {r["account_id"]: r["inbound_url"] for r in found if r["inbound_url"] is not None}
    waiting_rows = yield Fetch(
        f"SELECT account_id, COUNT(*) AS n FROM sangdam_messages WHERE forward_state IN ('queued', 'held') "
        f"AND account_id IN ({marks}) GROUP BY account_id",
        accounts,
    )
    waiting = {r["account_id"]: int(r["n"]) for r in waiting_rows}
    by_account: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_account[r["account_id"]].append(r)
    unrouted = [(r["seq"],) for r in rows if r["account_id"] not in urls]  # the inbound URL went away
    outbox: list[tuple[Any, ...]] = []
    members: dict[str, list[int]] = {}  # outbox token -> message seqs
    for account_id, account_rows in by_account.items():
        url = urls.get(account_id)
        if url is None:
            continue
        chunks, _ = _chunks(account_rows, batch_size)
        remaining = waiting.get(account_id, 0)
        for chunk in chunks:
            remaining -= len(chunk)
            body = inbound_response([inbound_result(facts(r)) for r in chunk], max(remaining, 0))
            token = f"sangdam:{chunk[0]['message_id']}"
            members[token] = [r["seq"] for r in chunk]
            text = orjson.dumps(body).decode()
            outbox.append((account_id, "SANGDAM", token, "", 1, text, now, url, JSON, "pending", now, 0, "inbound"))
    if unrouted:
        yield UpdateMany(
            "UPDATE sangdam_messages SET forward_state = 'none' FROM v WHERE sangdam_messages.seq = v.v_seq",
            ("v_seq",),
            ("bigint",),
            unrouted,
        )
    if not outbox:
        return len(unrouted)
    top = yield Fetch("SELECT MAX(seq) FROM reports")
    yield InsertMany("reports", _OUTBOX_COLUMNS, _OUTBOX_TYPES, outbox)
    # The new rows' seqs (an InsertMany returns none on SQLite): those above the old maximum that carry our tokens.
    inserted = yield Fetch("SELECT seq, message_id FROM reports WHERE seq > ? AND kind = 'inbound'", (top[0][0] or 0,))
    seq_of = {r["message_id"]: r["seq"] for r in inserted if r["message_id"] in members}
    yield UpdateMany(
        "UPDATE sangdam_messages SET forward_state = 'forwarding', outbox_seq = v.v_outbox FROM v "
        "WHERE sangdam_messages.seq = v.v_seq",
        ("v_seq", "v_outbox"),
        ("bigint", "bigint"),
        [(seq, seq_of[token]) for token, seqs in members.items() for seq in seqs],
    )
    sessions = sorted({r["session_id"] for r in rows if r["account_id"] in urls})
    yield UpdateMany(
        "UPDATE sangdam_sessions SET inflight = 1 FROM v WHERE sangdam_sessions.session_id = v.v_id",
        ("v_id",),
        ("text",),
        [(s,) for s in sessions],
    )
    # Whatever else those users have queued, in any session (beyond a batch, or written meanwhile), waits.
    users = sorted({(r["account_id"], r["sender"], r["user_key"]) for r in rows if r["account_id"] in urls})
    yield UpdateMany(
        "UPDATE sangdam_messages {index:ix_sangdam_messages_queued} SET forward_state = 'held' FROM v "
        "WHERE sangdam_messages.account_id = v.v_account "
        "AND sangdam_messages.sender = v.v_sender AND sangdam_messages.user_key = v.v_user "
        "AND sangdam_messages.forward_state = 'queued'",
        ("v_account", "v_sender", "v_user"),
        ("text", "text", "text"),
        users,
    )
    yield Notify(payload="push")
    return len(unrouted) + sum(len(seqs) for seqs in members.values())


PULLABLE = "pulled_at IS NULL AND forward_state IN ('none', 'exhausted')"


def pull_inbound(account_id: str, limit: int, now: int) -> Op[dict[str, Any]]:
    """Hand out inbound messages that no push delivered (no inbound URL, or pushes exhausted), each once, oldest
    first, as a `KakaoSangdamInboundResponse` whose `pendingMessageCount` is what is left to pull."""
    pick = f"account_id = ? AND {PULLABLE}"
    rows = yield from claim_rows("sangdam_messages", pick, "seq", "pulled_at = ?", _FACTS, (account_id,), limit, (now,))
    left = yield Fetch(f"SELECT COUNT(*) FROM sangdam_messages WHERE account_id = ? AND {PULLABLE}", (account_id,))
    return inbound_response([inbound_result(facts(r)) for r in rows], int(left[0][0]))
