"""Message rows at intake: plan a request's rows in its bulk and store them, with the reports of those refused,
in one operation."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import status as st
from ..domain.reports import delivery_report
from ..domain.row_plan import Pace, plan_row, wait_reason
from ..domain.schedule import AnyWindow, plan_due
from .message_rows import BODY_COLUMNS, QUEUE_COLUMNS, RESULT_COLUMNS, NewMessage
from .outcomes import CANCELED_ERROR, CANCELED_STATUS
from .reports import ReportDraft, add_reports
from .sql import Execute, Fetch, InsertMany, Notify, Op

PRIORITIES = {"HIGH": 0, "STANDARD": 1, "LOW": 2}
# The queue empties and fills again: statistics gathered while it was empty (autovacuum, or an operator's ANALYZE)
# made PostgreSQL plan every claim as if it held one row and walk all 100,000 rows of the next bulk through whatever
# index with each statement (a second round of 100,000 messages at 0.6x the first). A request that adds this many
# rows gathers them again, in its transaction (PostgreSQL samples 30,000 rows; SQLite is bounded by its
# analysis_limit); autovacuum re-analyzes the queue after as many changes (migration 0030).
ANALYZE_QUEUE_AFTER = 5_000


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """How a request's bulk paces its messages: from `start` (sendAt or now), `speed_amount` per `speed_unit`.
    `named`: the client gave the bulk's id (it may hold earlier messages); else the id is new, made for this request."""

    bulk_id: str
    channel: str
    start: int
    speed_amount: int | None
    speed_unit: str | None
    named: bool = True


_TIME_VIOLATION = st.status("PENDING_TIME_VIOLATION").id
_BULK_STATE = (
    "SELECT state, speed_amount, speed_unit, slot_base, next_slot FROM bulks WHERE account_id = ? AND bulk_id = ?"
)


@dataclass(slots=True)
class _Bulk:
    """A bulk's pacing as this request finds it (`stored`: its row exists) and leaves it (`next_slot`)."""

    stored: bool
    state: str
    amount: int | None
    unit: str | None
    base: int
    next_slot: int


def _bulk_for_accept(account_id: str, plan: BulkPlan, window: AnyWindow | None) -> Op[_Bulk]:
    """The request's bulk. A bulk that gets more messages after its slots ran into the past is re-based at this
    request's start, so it cannot burst. A bulk id made for this request is new: nothing to read."""
    new = _Bulk(False, "active", plan.speed_amount, plan.speed_unit, plan.start, 0)
    if not plan.named:
        return new
    rows = yield Fetch(f"{_BULK_STATE} {{for_update}}", (account_id, plan.bulk_id))
    if not rows:
        return new
    state, amount, unit, base, next_slot = rows[0]
    if amount is None and plan.speed_amount is not None:
        amount, unit = plan.speed_amount, plan.speed_unit
    if base is None or amount is None or plan_due(base, next_slot, amount, unit, window) < plan.start:
        base, next_slot = plan.start, 0
    return _Bulk(True, state, amount, unit, base, next_slot)


def _store_bulk(account_id: str, plan: BulkPlan, bulk: _Bulk, now: int) -> Op[None]:
    if bulk.stored:
        yield Execute(
            "UPDATE bulks SET slot_base = ?, next_slot = ?, speed_amount = ?, speed_unit = ? "
            "WHERE account_id = ? AND bulk_id = ?",
            (bulk.base, bulk.next_slot, bulk.amount, bulk.unit, account_id, plan.bulk_id),
        )
        return
    yield Execute(
        "INSERT INTO bulks (account_id, bulk_id, channel, created_at, send_at, state, speed_amount, "
        "speed_unit, slot_base, next_slot) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)",
        (account_id, plan.bulk_id, plan.channel, now, plan.start, bulk.amount, bulk.unit, bulk.base, bulk.next_slot),
    )


def _plan_rows(messages: list[NewMessage], state: str, pace: Pace, next_slot: int, now: int) -> int:
    """Give each queued row its due time, expiry and state; returns the next free slot."""
    for m in messages:
        if m.state != "queued":
            continue
        if state == "canceled":
            m.state, m.status_id, m.error_id, m.due_at, m.expires_at = "done", CANCELED_STATUS, CANCELED_ERROR, now, now
            continue
        planned = plan_row(pace, next_slot, m.policy.timing)
        if planned.held:
            m.status_id = _TIME_VIOLATION
            m.held_reported = m.intermediate
        m.waits_for = wait_reason(planned, pace, next_slot, now)
        if pace.amount is not None:
            next_slot += 1
        m.due_at, m.expires_at = planned.due_at, planned.expires_at
        if m.hop > 0 and m.policy.failover is not None:  # starts on its SMS hop: that hop's validity
            m.expires_at = m.due_at + m.policy.failover.validity_ms
        if state == "paused":
            m.state = "paused"
    return next_slot


def accept(account_id: str, plan: BulkPlan, messages: list[NewMessage], now: int) -> Op[set[int]]:
    """Plan and store a request's rows (queued and rejected alike) in its bulk; return the indexes of duplicates.

    A row whose messageId the account already used (earlier, or earlier in this request) is not stored; it gets
    a REJECTED_DUPLICATE_MESSAGE_ID report instead. Rejected rows get their final report in the same transaction.
    """
    window = next((m.policy.timing.sending for m in messages if m.state == "queued"), None)
    bulk = yield from _bulk_for_accept(account_id, plan, window)
    bulk.next_slot = _plan_rows(messages, bulk.state, Pace(bulk.base, bulk.amount, bulk.unit), bulk.next_slot, now)
    yield from _store_bulk(account_id, plan, bulk, now)
    inserted = yield InsertMany(
        "messages",
        tuple(BODY_COLUMNS),
        tuple(BODY_COLUMNS.values()),
        [m.body_row() for m in messages],
        conflict=("account_id", "message_id"),
        returning=("seq", "message_id"),
    )
    seq_of: dict[str, int] = {message_id: seq for seq, message_id in inserted}
    kept: list[tuple[int, NewMessage]] = []
    duplicates: set[int] = set()
    for index, m in enumerate(messages):
        seq = seq_of.pop(m.message_id, None)  # a repeated id: its first row was stored, the others not
        if seq is None:
            duplicates.add(index)
        else:
            kept.append((seq, m))
    queued = [(seq, *m.queue_row()) for seq, m in kept if m.state != "done"]
    if queued:
        yield InsertMany("message_queue", _QUEUE_INSERT, _QUEUE_TYPES, queued)
    if len(queued) >= ANALYZE_QUEUE_AFTER:
        yield Execute("ANALYZE message_queue")
    ended = [(seq, *m.result_row()) for seq, m in kept if m.state == "done"]
    if ended:
        yield InsertMany("message_results", _RESULT_INSERT, _RESULT_TYPES, ended)
    yield from add_reports(_accept_reports(messages, duplicates), now)
    if any(m.state == "queued" for m in messages):
        yield Notify(payload="due")
    return duplicates


_QUEUE_INSERT, _QUEUE_TYPES = ("seq", *QUEUE_COLUMNS), ("bigint", *QUEUE_COLUMNS.values())
_RESULT_INSERT, _RESULT_TYPES = ("seq", *RESULT_COLUMNS), ("bigint", *RESULT_COLUMNS.values())


def _accept_reports(messages: list[NewMessage], duplicates: set[int]) -> list[ReportDraft]:
    """Reports due at accept: duplicates and rejected rows (final); rows held by their window (when asked for
    intermediate reports); the Kakao hop's end of rows that start on their SMS hop (when asked for: Brand)."""
    duplicate_status = st.status("REJECTED_DUPLICATE_MESSAGE_ID").id
    duplicate_error = st.error("EC_DUPLICATE_REQUEST").id
    drafts = []
    for index, m in enumerate(messages):
        if index in duplicates:
            drafts.append(m.draft(delivery_report(m.facts(duplicate_status, duplicate_error)), counted=False))
        elif m.state == "done":
            drafts.append(m.draft(delivery_report(m.facts(m.status_id, m.error_id))))
        elif m.prior_status_id is not None and m.prior_error_id is not None:
            if m.policy.failover_reports:
                drafts.append(m.draft(delivery_report(m.facts(m.prior_status_id, m.prior_error_id)), final=False))
        elif m.held_reported:  # held by its delivery time window: say so once, when asked for intermediate reports
            drafts.append(m.draft(delivery_report(m.facts(_TIME_VIOLATION, m.error_id)), final=False))
    return drafts
