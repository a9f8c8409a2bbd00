"""Claims and outcomes: what the engine does to the queue rows of unfinished messages, set-based.

state: `queued` (due at due_at) -> `inflight` (claimed; due_at is the lease end) -> `sent` (upstream took it;
due_at is the deadline for its result) -> `done` (final status; `retire` then moves the row to message_results).
Every operation that finishes rows writes their reports, from their report facts, in the same transaction.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..domain import status as st
from ..domain.channels import KAKAO_SANDBOX
from ..domain.codes import EXPIRED, LAPSED, NO_ERROR, NOT_SENT, PENDING, PROVIDER_ERROR, WAITING
from ..domain.hops import FAILOVER_ERRORS
from .message_rows import (
    QUEUE_CLAIM,
    RESULT_COLUMNS,
    Claimed,
    claimed_from,
    draft_of,
    facts,
    triggered_failover_reports,
)
from .reports import ReportDraft, add_reports
from .sangdam_sessions import Delivery, deliver
from .sql import UPDATE_CHUNK, Execute, Fetch, Op, UpdateMany, claim_picked, claim_rows

CANCELED_STATUS = NOT_SENT
CANCELED_ERROR = st.error("EC_MESSAGE_CANCELED").id

log = logging.getLogger(__name__)

# A row going back to the queue follows its bulk: held while the bulk is paused, canceled (in the same operation,
# see `record`) when the bulk was canceled meanwhile.
_REQUEUE_STATE = (
    "CASE (SELECT b.state FROM bulks b WHERE b.account_id = message_queue.account_id "
    "AND b.bulk_id = message_queue.bulk_id) "
    "WHEN 'paused' THEN 'paused' WHEN 'canceled' THEN 'canceling' ELSE 'queued' END"
)


def finish_and_report(
    where: str,
    params: Sequence[Any],
    status_id: int,
    error_sql: str,
    now: int,
    picked: str = "",
    event: str | None = None,
) -> Op[int]:
    """The one way rows end outside the engine's batches (expiry, cancel): set their final status and write their
    reports. `error_sql` is the error id as SQL (a literal or a CASE); `where` picks the rows, optionally from a
    `picked` CTE (`SELECT seq ...`; its parameters come first in `params`). `event`: a line for their history."""
    prefix = f"WITH picked AS MATERIALIZED ({picked}) " if picked else ""
    split = picked.count("?")
    history = f", {append_history('?')}" if event is not None else ""
    ended = yield Fetch(
        f"{prefix}UPDATE message_queue SET state = 'done', status_id = {status_id}, error_id = {error_sql}, "
        f"done_at = ?, lease_owner = NULL{history} WHERE {where} RETURNING seq",
        (*params[:split], now, *((event,) if event is not None else ()), *params[split:]),
    )
    rows = yield from retire([r["seq"] for r in ended])
    if rows:
        yield from add_reports([draft_of(r, True) for r in rows], now)
    return len(rows)


_RESULT_LIST = ", ".join(("seq", *RESULT_COLUMNS))
_RESULT_VALUES = ", ".join(f"m.{c}" if c == "channel" else f"q.{c}" for c in ("seq", *RESULT_COLUMNS))


def retire(seqs: Sequence[int]) -> Op[list[Any]]:
    """Move queue rows that just ended (state `done`) to the results; returns their report facts (FACT_COLUMNS)."""
    if not seqs:
        return []
    for start in range(0, len(seqs), UPDATE_CHUNK):
        chunk = seqs[start : start + UPDATE_CHUNK]
        marks = ",".join("?" * len(chunk))
        yield Execute(
            f"INSERT INTO message_results ({_RESULT_LIST}) SELECT {_RESULT_VALUES} FROM message_queue q "
            f"JOIN messages m ON m.seq = q.seq WHERE q.seq IN ({marks})",
            chunk,
        )
    yield from _delete_queued(seqs)
    rows: list[Any] = yield from facts("results", seqs)
    return rows


# Fair claims (ix_message_queue_fair: queued rows by priority, account, bulk, due_at). A claim walks the (account, bulk)
# groups with queued rows from where the last one stopped, one index probe each, and gives every account with due
# rows an equal part of the batch, split equally among its due bulks; a FIFO claim fills what they leave.
CLAIM_GROUPS = 64  # due groups per claim and priority: one UNION ALL term each (1,000 accounts: 16 claims a round)
CLAIM_BULKS = 16  # due bulks of one account per walk; its others get the FIFO fill, or a later walk's turn
WALK_STEPS = 1024  # groups visited per claim and priority, due or not: what a walk costs at most

_CLAIM_SET = (
    "state = 'inflight', due_at = ?, lease_owner = ?, attempts = attempts + 1, "
    "first_attempt_at = COALESCE(first_attempt_at, ?), "
    "sent_at = CASE WHEN attempts = 0 AND hop = 0 THEN ? ELSE sent_at END"  # the message's, not a hop's
)
_FAIR = "FROM message_queue {index:ix_message_queue_fair} WHERE state = 'queued' AND priority = ?"
_DUE = "CASE WHEN m.due_at <= ? THEN 1 ELSE 0 END"


def _next_bulk(account: str, bulk: str) -> str:
    """The head of the account's next group (parameter: the priority)."""
    return f"(SELECT seq {_FAIR} AND account_id = {account} AND bulk_id > {bulk} ORDER BY bulk_id, due_at, seq LIMIT 1)"


def _next_account(account: str) -> str:
    """The head of the next account's first group (parameter: the priority)."""
    return f"(SELECT seq {_FAIR} AND account_id > {account} ORDER BY account_id, bulk_id, due_at, seq LIMIT 1)"


# The walk, a loose index scan: each step is the head (first in due order) of the next group, or of the next
# account's first group once this account has CLAIM_BULKS due ones; two probes of ix_message_queue_fair at most. It
# stops after `steps` groups, or once it has found `groups` due ones; it starts with the first group (`{first}`) only
# if anything of the priority is due at all (a probe of ix_message_queue_claim).
_WALK = (
    "WITH RECURSIVE walk(step, found, k, account_id, bulk_id, due_at) AS ("
    f"SELECT 1, {_DUE}, {_DUE}, m.account_id, m.bulk_id, m.due_at FROM message_queue m WHERE m.seq = {{first}} "
    "AND (SELECT MIN(due_at) FROM message_queue {index:ix_message_queue_claim} WHERE state = 'queued' "
    "AND priority = ?) <= ? "
    f"UNION ALL SELECT w.step + 1, w.found + {_DUE}, "
    f"CASE WHEN m.account_id = w.account_id THEN w.k + {_DUE} ELSE {_DUE} END, m.account_id, m.bulk_id, m.due_at "
    "FROM walk w JOIN message_queue m ON m.seq = COALESCE(CASE WHEN w.k < ? THEN "
    f"{_next_bulk('w.account_id', 'w.bulk_id')} END, {_next_account('w.account_id')}) "
    "WHERE w.step < ? AND w.found < ?"
    ") SELECT account_id, bulk_id, due_at FROM walk"
)
_FIRST = f"(SELECT seq {_FAIR} ORDER BY account_id, bulk_id, due_at, seq LIMIT 1)"  # parameter: the priority
_AFTER = f"COALESCE({_next_bulk('?', '?')}, {_next_account('?')})"  # priority, account, bulk, priority, account
_SHARE = (
    f"SELECT seq, account_id, bulk_id FROM (SELECT seq, account_id, bulk_id {_FAIR} AND account_id = ? AND "
    "bulk_id = ? AND due_at <= ? AND expires_at > ? ORDER BY due_at, seq LIMIT ? {skip_locked}) AS p"
)

Group = tuple[str, str]  # (account_id, bulk_id)


@dataclass
class ClaimTurn:
    """Where each priority's next walk starts: the group after the last one the previous walk visited (a round
    robin over the groups, so every account gets its turn however many have due rows). One per dispatcher."""

    after: dict[int, Group] = field(default_factory=dict)


def claim_due(now: int, limit: int, owner: str, lease_ms: int, turn: ClaimTurn | None = None) -> Op[list[Claimed]]:
    """Claim due, unexpired queued rows, HIGH priority first: within a priority each account with due rows gets an
    equal part of what is left of the batch (split equally among its bulks, each bulk in due order), and the rows
    due longest fill what the parts leave (one account alone gets whole batches)."""
    turn = turn or ClaimTurn()
    claimed: list[Claimed] = []
    for priority in (0, 1, 2):
        if len(claimed) >= limit:
            break
        due = yield from _due_groups(priority, now, turn)
        if due is None:
            continue  # nothing of this priority is due
        rows = yield from _claim_shares(priority, now, _shares(due, limit - len(claimed)), owner, lease_ms)
        if len(claimed) + len(rows) < limit:  # parts left unused (fewer due rows than a part, or no group walked)
            rows += yield from _claim_fifo(priority, now, limit - len(claimed) - len(rows), owner, lease_ms)
        # Which rows make the batch is fair; within it they go in the order they were accepted, so two messages of
        # one account to one person (say, two requests) are submitted in the order they came.
        claimed.extend(sorted(rows, key=lambda c: c.seq))
    return claimed


def _due_groups(priority: int, now: int, turn: ClaimTurn) -> Op[list[Group] | None]:
    """The due groups of a priority, walked from the turn's position (round to the start when the walk reaches the
    end); None when nothing of the priority is due."""
    after = turn.after.pop(priority, None)
    walked = yield from _walk(priority, now, after, WALK_STEPS, CLAIM_GROUPS)
    if after is not None and not _stopped(walked, WALK_STEPS, CLAIM_GROUPS, now):
        found = sum(1 for r in walked if r["due_at"] <= now)
        walked += yield from _walk(priority, now, None, WALK_STEPS - len(walked), CLAIM_GROUPS - found)
    if not walked:
        return None
    if _stopped(walked, WALK_STEPS, CLAIM_GROUPS, now):  # the next claim goes on from here
        turn.after[priority] = (walked[-1]["account_id"], walked[-1]["bulk_id"])
    return list(dict.fromkeys((r["account_id"], r["bulk_id"]) for r in walked if r["due_at"] <= now))


def _stopped(walked: Sequence[Any], steps: int, groups: int, now: int) -> bool:
    """Whether a walk stopped at one of its bounds, before the last group."""
    return len(walked) >= steps or sum(1 for r in walked if r["due_at"] <= now) >= groups


def _walk(priority: int, now: int, after: Group | None, steps: int, groups: int) -> Op[list[Any]]:
    first, first_params = (_FIRST, [priority]) if after is None else (_AFTER, [priority, *after, priority, after[0]])
    params = (now, now, *first_params, priority, now, now, now, now, CLAIM_BULKS, priority, priority, steps, groups)
    rows: list[Any] = yield Fetch(_WALK.replace("{first}", first), params)
    return rows


def _shares(groups: Sequence[Group], limit: int) -> dict[Group, int]:
    """Each group's part of `limit`: equal parts per account (in walk order, the first ones get the remainder),
    each split equally among the account's groups."""
    if not groups:
        return {}
    by_account: dict[str, list[Group]] = defaultdict(list)
    for g in groups:
        by_account[g[0]].append(g)
    parts: dict[Group, int] = {}
    for account_part, account_groups in zip(_split(limit, len(by_account)), by_account.values(), strict=True):
        for part, g in zip(_split(account_part, len(account_groups)), account_groups, strict=True):
            if part:
                parts[g] = part
    return parts


def _split(total: int, n: int) -> list[int]:
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _claim_shares(priority: int, now: int, parts: dict[Group, int], owner: str, lease_ms: int) -> Op[list[Claimed]]:
    """Pick each group's part in its due order (one statement), then claim them, interleaved: every group's first
    row, then every group's second, and so on."""
    if not parts:
        return []
    terms = 1 << (len(parts) - 1).bit_length()  # padded with empty parts: a few statement texts, each prepared once
    padding = [(("", ""), 0)] * (terms - len(parts))
    picked = yield Fetch(
        " UNION ALL ".join(f"{_SHARE}{i}" for i in range(terms)),
        [p for (account, bulk), n in [*parts.items(), *padding] for p in (priority, account, bulk, now, now, n)],
    )
    rank: dict[Group, int] = defaultdict(int)
    order: list[tuple[int, int, int]] = []
    index = {g: i for i, g in enumerate(parts)}
    for r in picked:  # each group's rows come in its due order
        g = (r["account_id"], r["bulk_id"])
        order.append((rank[g], index[g], r["seq"]))
        rank[g] += 1
    seqs = [seq for _, _, seq in sorted(order)]
    rows = yield from claim_picked("message_queue", seqs, _CLAIM_SET, QUEUE_CLAIM, (now + lease_ms, owner, now, now))
    return (yield from claimed_from(rows))


def _claim_fifo(priority: int, now: int, limit: int, owner: str, lease_ms: int) -> Op[list[Claimed]]:
    rows = yield from claim_rows(
        "message_queue",
        "state = 'queued' AND priority = ? AND due_at <= ? AND expires_at > ?",
        "due_at, seq",
        _CLAIM_SET,
        QUEUE_CLAIM,
        (priority, now, now),
        limit,
        (now + lease_ms, owner, now, now),
    )
    return (yield from claimed_from(rows))


def claim_stale(now: int, limit: int, owner: str, lease_ms: int) -> Op[tuple[list[Claimed], list[Claimed]]]:
    """Claim rows whose lease lapsed (a worker died) and rows whose upstream result never came. In no particular
    order: all are overdue, and ordering them would sort every row in flight."""
    lease = (now + lease_ms, owner)
    lapsed = yield from claim_rows(
        "message_queue",
        "state = 'inflight' AND due_at <= ?",
        "",
        "due_at = ?, lease_owner = ?",
        QUEUE_CLAIM,
        (now,),
        limit,
        lease,
    )
    silent = yield from claim_rows(
        "message_queue",
        "state = 'sent' AND due_at <= ?",
        "",
        "state = 'inflight', due_at = ?, lease_owner = ?",
        QUEUE_CLAIM,
        (now,),
        limit,
        lease,
    )
    return (yield from claimed_from(lapsed)), (yield from claimed_from(silent))


def renew_leases(seqs: Sequence[int], owner: str, until: int) -> Op[int]:
    """Extend the lease of rows this worker still holds (a submit slower than the lease must not be rescued)."""
    renewed: int = yield UpdateMany(
        "UPDATE message_queue SET due_at = ? FROM v WHERE message_queue.seq = v.v_seq "
        "AND CASE WHEN message_queue.lease_owner = v.v_owner THEN message_queue.state = 'inflight' ELSE FALSE END",
        ("v_seq", "v_owner"),
        ("bigint", "text"),
        [(s, owner) for s in seqs],
        (until,),
    )
    return renewed


OutcomeKind = Literal["final", "sent", "retry", "release"]
# Why a row went back to the queue unsent (release) or was sent again without an upstream error (retry).
Why = Literal["window", "pace", "rate", "lease", "timeout", "upstream"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to a claimed row.

    kind: `final` (done with status/error), `sent` (await the result until due_at), `retry` (queued again at
    due_at) or `release` (given back unsent: the attempt does not count). `owner` guards a claim (None: a late
    result, valid while the row is in flight or sent). `departed` is set when the row went upstream at that instant;
    a row keeps its first recorded departure, which is what its bulk's pace counts.
    """

    seq: int
    kind: OutcomeKind
    status_id: int
    error_id: int
    due_at: int = 0
    owner: str | None = None
    departed: int | None = None
    hop: int | None = None  # a late result for this hop only (None: whatever hop the row is on)
    # A late result: from this route only (an upstream settles only its own rows). A submit's: where it went, for
    # the row's history (the claim's owner guards those, not the route).
    route: str | None = None
    ref: str | None = None  # `sent`: the upstream's id of the message; a late result: finds the row when seq is 0
    why: Why | None = None  # for the row's history: which rule held it (release), what made it retry


_V_COLUMNS = (
    "v_seq",
    "v_owner",
    "v_status",
    "v_error",
    "v_due",
    "v_departed",
    "v_hop",
    "v_route",
    "v_ref",
    "v_event",
)
_V_TYPES = ("bigint", "text", "int", "int", "bigint", "bigint", "int", "text", "text", "text")

# message_queue.history: one JSON line per event, appended while the message is unfinished and moved to its
# result when it ends; past the bound a row keeps what it has (a message retried for days must not grow without end,
# and its first events tell the most).
HISTORY_BOUND = 8000


def _appended(event_sql: str) -> str:
    return (
        f"CASE WHEN length(message_queue.history) > {HISTORY_BOUND} THEN message_queue.history "
        f"ELSE COALESCE(message_queue.history, '') || {event_sql} END"
    )


def append_history(event_sql: str) -> str:
    return f"history = {_appended(event_sql)}"


def history_event(o: Outcome, now: int) -> str:
    """The history line of an outcome. Built by hand: only ints and fixed words go in, and it runs per outcome on
    the hot path."""
    if o.kind == "final":
        line = f'{{"at":{now},"event":"final","status":{o.status_id},"error":{o.error_id}'
    elif o.kind == "sent":
        # with an owner: the submit was accepted; without: a temporary late result (the timeout resends it)
        line = f'{{"at":{now},"event":"{"submitted" if o.owner else "result"}","error":{o.error_id}'
    elif o.kind == "retry":
        line = f'{{"at":{now},"event":"retry","error":{o.error_id},"until":{o.due_at}'
    else:
        line = f'{{"at":{now},"event":"held","until":{o.due_at}'
    if o.why is not None:
        line += f',"why":"{o.why}"'
    if o.owner is not None and o.route is not None:  # the upstream this attempt went to (a route is [A-Za-z0-9:._+-])
        line += f',"route":"{o.route}"'
    return line + "}\n"


# Every condition names `v`, so none of them can drive the plan on its own: PostgreSQL probes the primary key for
# each row of `v` instead of walking every in-flight row through the state index (which is what it did when the
# statistics said there were few of them and there were many).
# A late result (no owner) settles a row that is waiting for it; a final one also a row being sent again meanwhile
# (it is the answer to the first submit). A temporary late result must not take a row another worker now holds.
_LATE_STATES = {"final": "('inflight', 'sent')", "sent": "('sent')", "retry": "('sent')", "release": "('sent')"}


def _guard(kind: str) -> str:
    return (
        f"message_queue.seq = v.v_seq AND CASE WHEN v.v_owner IS NULL THEN message_queue.state IN "
        f"{_LATE_STATES[kind]} AND (v.v_hop IS NULL OR message_queue.hop = v.v_hop) "
        "AND (v.v_route IS NULL OR message_queue.route = v.v_route) "
        "ELSE message_queue.state = 'inflight' AND message_queue.lease_owner = v.v_owner END"
    )


_STATUS = (
    "status_id = v.v_status, error_id = v.v_error, lease_owner = NULL, "
    "departed_at = COALESCE(departed_at, v.v_departed)"
)
# The hop decision, set-based: a row that ends undelivered for a reason an SMS can get around (domain.hops), and has
# an SMS hop to go on to, starts that hop instead of finishing: same row and messageId, next route, attempts from
# zero, validity from now, and the Kakao hop's end kept for the reports.
_FAILS_OVER = f"message_queue.next_route IS NOT NULL AND {{error}} IN ({', '.join(map(str, sorted(FAILOVER_ERRORS)))})"
_FAILOVER_SET = (
    f"state = {_REQUEUE_STATE}, hop = hop + 1, route = next_route, next_route = NULL, attempts = 0, "
    "first_attempt_at = NULL, due_at = ?, expires_at = ? + COALESCE((SELECT b.next_validity_ms FROM messages b "
    "WHERE b.seq = message_queue.seq), 0), "
    f"prior_status_id = {{status}}, prior_error_id = {{error}}, prior_done_at = ?, status_id = {PENDING}, "
    f"error_id = {NO_ERROR}, lease_owner = NULL"
)

_HISTORY = append_history("v.v_event")
# A final outcome builds its row's result from the queue row and the outcome, in one INSERT (the queue row is not
# updated first: that would move its entries in every queue index just before deleting it). PostgreSQL locks the
# queue rows it reads, so that a late result and the lease's owner cannot both end one message.
_FINAL_VALUES = {
    "channel": "m.channel",
    "status_id": "v.v_status",
    "error_id": "v.v_error",
    "done_at": "?",
    "departed_at": "COALESCE(message_queue.departed_at, v.v_departed)",
    "history": _appended("v.v_event"),
}
_FINAL_INSERT = (
    f"INSERT INTO message_results ({_RESULT_LIST}) SELECT "
    + ", ".join(_FINAL_VALUES.get(c, f"message_queue.{c}") for c in ("seq", *RESULT_COLUMNS))
    + f" FROM v JOIN message_queue ON {_guard('final')} JOIN messages m ON m.seq = message_queue.seq"
    " {lock:message_queue} RETURNING seq"
)
# The Kakao hop's final result is where its SMS hop starts: the same line, told as a failover.
_AS_FAILOVER = """replace(v.v_event, '"event":"final"', '"event":"failover"')"""
_SET = {
    "sent": f"state = 'sent', due_at = v.v_due, upstream_ref = COALESCE(v.v_ref, upstream_ref), {_STATUS}, {_HISTORY}",
    "retry": f"state = {_REQUEUE_STATE}, due_at = v.v_due, {_STATUS}, {_HISTORY}",
    "release": f"state = {_REQUEUE_STATE}, due_at = v.v_due, attempts = attempts - 1, lease_owner = NULL, {_HISTORY}",
}


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording did: rows changed, and the (channel, Kakao error id) of each row that went on to SMS."""

    changed: int
    failed_over: list[tuple[str, int]]
    unmatched: list[str] = field(default_factory=list)  # refs of late results whose row was not found (yet)


def _failed_over(rows: list[Any]) -> list[tuple[str, int]]:
    return [(r["channel"], r["prior_error_id"]) for r in rows]


def record(outcomes: Sequence[Outcome], now: int) -> Op[Recorded]:
    """Apply outcomes to rows still in the state they were claimed in, one statement per kind, and write their
    reports (final ones, and intermediate ones for retries when asked). A late result that knows only the
    upstream's id of its message (seq 0) is first matched to its row by (route, upstream_ref)."""
    outcomes, unmatched = yield from _by_ref(outcomes)
    by_kind: dict[OutcomeKind, list[tuple[Any, ...]]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.kind].append(
            (
                o.seq,
                o.owner,
                o.status_id,
                o.error_id,
                o.due_at,
                o.departed,
                o.hop,
                o.route,
                o.ref,
                history_event(o, now),
            )
        )
    drafts: list[ReportDraft] = []
    changed = 0
    failed_over: list[Any] = []
    may_fail_over = [row for row in by_kind.get("final", ()) if row[3] in FAILOVER_ERRORS]  # row[3]: v_error
    if may_fail_over:
        moved = yield UpdateMany(
            f"UPDATE message_queue SET {_FAILOVER_SET.format(status='v.v_status', error='v.v_error')}, "
            "departed_at = COALESCE(departed_at, v.v_departed), "
            f"{append_history(_AS_FAILOVER)} "
            f"FROM v WHERE {_guard('final')} AND {_FAILS_OVER.format(error='v.v_error')} "
            "RETURNING message_queue.seq",
            _V_COLUMNS,
            _V_TYPES,
            may_fail_over,
            (now, now, now),
        )
        failed_over = yield from facts("queue", [r["seq"] for r in moved])
        changed += len(failed_over)
        drafts.extend(triggered_failover_reports(failed_over))
    if "final" in by_kind:
        ended = yield from _end(by_kind["final"], now)
        changed += len(ended)
        drafts.extend(draft_of(r, True) for r in ended)
        yield from _into_transcripts(ended, now)
    for kind in ("sent", "retry", "release"):
        if kind not in by_kind:
            continue
        rows = yield UpdateMany(
            f"UPDATE message_queue SET {_SET[kind]} FROM v WHERE {_guard(kind)} RETURNING message_queue.seq",
            _V_COLUMNS,
            _V_TYPES,
            by_kind[kind],
        )
        changed += len(rows)
        if kind == "retry" and rows:
            retried = yield from facts("queue", [r["seq"] for r in rows])
            drafts.extend(draft_of(r, False) for r in retried if r["intermediate"])
    if drafts:
        yield from add_reports(drafts, now)
    yield from finish_and_report("state = 'canceling'", (), CANCELED_STATUS, str(CANCELED_ERROR), now)
    return Recorded(changed, _failed_over(failed_over), unmatched)


def _end(rows: list[tuple[Any, ...]], now: int) -> Op[list[Any]]:
    """End the rows of final outcomes that still match their guard: append their results, delete their queue rows;
    returns their report facts.

    One message may have several final outcomes in a batch (a resend's result beside the first submit's, both late):
    each pass takes one outcome per message, the first whose guard holds ends it, and the next pass's outcomes for it
    find no queue row. (One INSERT of both would append two results for one message.)"""
    pending: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        pending.setdefault(row[0], []).append(row)  # row[0]: v_seq
    seqs: list[int] = []
    while pending:
        first = [outcomes.pop(0) for outcomes in pending.values()]
        ended = yield UpdateMany(_FINAL_INSERT, _V_COLUMNS, _V_TYPES, first, (now,))
        done = [r["seq"] for r in ended]
        yield from _delete_queued(done)
        seqs += done
        finished = set(done)
        pending = {seq: left for seq, left in pending.items() if left and seq not in finished}
    return (yield from facts("results", seqs))


def _delete_queued(seqs: Sequence[int]) -> Op[None]:
    for start in range(0, len(seqs), UPDATE_CHUNK):
        chunk = seqs[start : start + UPDATE_CHUNK]
        yield Execute(f"DELETE FROM message_queue WHERE seq IN ({','.join('?' * len(chunk))})", chunk)


def _into_transcripts(rows: list[Any], now: int) -> Op[None]:
    """Sangdam messages a real upstream delivered go into their session's transcript (and keep it alive, or close
    it) as they are recorded. The sandbox records them itself when it delivers them (it decides by the session)."""
    delivered = [
        r
        for r in rows
        if r["channel"] == "SANGDAM" and r["hop"] == 0 and st.STATUS_BY_ID[r["status_id"]].group_name == "DELIVERED"
    ]
    by_account: dict[str, list[str]] = defaultdict(list)
    for r in delivered:
        by_account[r["account_id"]].append(r["message_id"])
    deliveries: list[Delivery] = []
    for account_id, message_ids in by_account.items():
        found = yield Fetch(
            "SELECT seq, message_id, sender, destination, content, route FROM message_view WHERE account_id = ? "
            f"AND message_id IN ({','.join('?' * len(message_ids))})",
            (account_id, *message_ids),
        )
        deliveries.extend(
            Delivery(f["seq"], account_id, f["message_id"], f["sender"], f["destination"], json.loads(f["content"]))
            for f in found
            if f["route"] != KAKAO_SANDBOX
        )
    if deliveries:
        yield from deliver(deliveries, now)


def _by_ref(outcomes: Sequence[Outcome]) -> Op[tuple[list[Outcome], list[str]]]:
    """Outcomes with their rows: those naming only the upstream's id get the seq of the row waiting under it."""
    known = [o for o in outcomes if o.seq]
    by_route: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if not o.seq and o.ref is not None and o.route is not None:
            by_route[o.route].append(o)
    unmatched: list[str] = []
    for route, wanted in by_route.items():
        refs = sorted({o.ref for o in wanted if o.ref is not None})
        rows = yield Fetch(
            "SELECT seq, upstream_ref FROM message_queue {index:ix_message_queue_upstream_ref} WHERE state = 'sent' "
            f"AND route = ? AND upstream_ref IN ({','.join('?' * len(refs))})",
            (route, *refs),
        )
        seq_of = {r["upstream_ref"]: r["seq"] for r in rows}
        for o in wanted:
            if o.ref in seq_of:
                known.append(replace(o, seq=seq_of[o.ref]))
            elif o.ref is not None:
                unmatched.append(o.ref)
    return known, unmatched


def late_outcome(
    route: str, seq: int, hop: int | None, kind: str, status: str, error: str, now: int, ref: str | None = None
) -> Outcome:
    """A result the upstream of `route` gave after the submit (polled, or pushed to a webhook of ours): a final one
    settles the row (if that row is on this route and hop); a temporary one leaves it waiting, so the result timeout
    sends it again with the usual backoff."""
    try:
        status_id, error_id = st.status(status).id, st.error(error).id
    except KeyError:
        log.error("a late result named unknown status %r / error %r for %s", status, error, seq)
        return Outcome(seq, "final", NOT_SENT, PROVIDER_ERROR, hop=hop, route=route, ref=ref)
    if kind == "final":
        return Outcome(seq, "final", status_id, error_id, hop=hop, route=route, ref=ref)
    return Outcome(seq, "sent", WAITING, error_id, now, hop=hop, route=route, ref=ref)


def expire_queued(now: int, limit: int) -> Op[Recorded]:
    """Expire queued rows past validity: 4100 if they never left, 4101 if an attempt was made. A row whose Kakao hop
    lapsed after an attempt (4101) goes on to its SMS hop, if it has one. `changed` counts the rows that ended."""
    picked = (
        "SELECT seq FROM message_queue {index:ix_message_queue_expiry} WHERE state = 'queued' AND expires_at <= ? "
        "ORDER BY expires_at, seq LIMIT ? {skip_locked}"
    )
    moved = yield Fetch(
        f"WITH picked AS MATERIALIZED ({picked}) "
        f"UPDATE message_queue SET {_FAILOVER_SET.format(status=EXPIRED, error=LAPSED)}, {append_history('?')} "
        f"WHERE seq IN (SELECT seq FROM picked) AND attempts > 0 AND {_FAILS_OVER.format(error=LAPSED)} "
        "RETURNING seq",
        (now, limit, now, now, now, f'{{"at":{now},"event":"failover","status":{EXPIRED},"error":{LAPSED}}}\n'),
    )
    failed_over = yield from facts("queue", [r["seq"] for r in moved])
    drafts = triggered_failover_reports(failed_over)
    if drafts:
        yield from add_reports(drafts, now)
    expired = yield from finish_and_report(
        "seq IN (SELECT seq FROM picked)",
        (now, limit),
        EXPIRED,
        f"CASE WHEN attempts = 0 THEN {CANCELED_ERROR} ELSE {LAPSED} END",
        now,
        picked=picked,
        event=f'{{"at":{now},"event":"expired"}}\n',
    )
    return Recorded(expired, _failed_over(failed_over))
