"""Message rows at intake: plan a request's rows in its bulk and store them, with the reports of those refused,
in one operation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..domain import status as st
from ..domain.reports import delivery_report
from ..domain.row_plan import Pace, plan_row, wait_reason
from ..domain.schedule import AnyWindow, plan_due
from .message_rows import BODY_COLUMNS, QUEUE_COLUMNS, RESULT_COLUMNS, NewMessage
from .outcomes import CANCELED_ERROR, CANCELED_STATUS
from .reports import ReportDraft, add_reports
from .sql import Execute, Fetch, InsertMany, Notify, Op, UpdateMany

PRIORITIES = {"HIGH": 0, "STANDARD": 1, "LOW": 2}
# The queue empties and fills again: statistics gathered while it was empty (autovacuum, or an operator's ANALYZE)
# made PostgreSQL plan every claim as if it held one row and walk all 100,000 rows of the next bulk through whatever
# index with each statement (a second round of 100,000 messages at 0.6x the first). A request that adds this many
# rows gathers them again, in its transaction (PostgreSQL samples 30,000 rows; SQLite is bounded by its
# analysis_limit); autovacuum re-analyzes the queue after as many changes (migration 0030).
ANALYZE_QUEUE_AFTER = 5_000


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """How a request's bulk paces its messages: from `start` (sendAt or now), `speed_amount` per `speed_unit`."""

    bulk_id: str
    channel: str
    start: int
    speed_amount: int | None
    speed_unit: str | None


_TIME_VIOLATION = st.status("PENDING_TIME_VIOLATION").id


def _bulk_for_accept(
    account_id: str, plan: BulkPlan, now: int, window: AnyWindow | None
) -> Op[tuple[str, int | None, str | None, int, int]]:
    """The bulk's (state, speed amount, unit, slot base, next slot), creating it on first use. A bulk that gets
    more messages after its slots ran into the past is re-based at this request's start, so it cannot burst."""
    rows = yield Fetch(
        "SELECT state, speed_amount, speed_unit, slot_base, next_slot FROM bulks WHERE account_id = ? AND bulk_id = ?"
        " {for_update}",
        (account_id, plan.bulk_id),
    )
    if not rows:
        yield Execute(
            "INSERT INTO bulks (account_id, bulk_id, channel, created_at, send_at, state, speed_amount, "
            "speed_unit, slot_base, next_slot) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, 0)",
            (
                account_id,
                plan.bulk_id,
                plan.channel,
                now,
                plan.start,
                plan.speed_amount,
                plan.speed_unit,
                plan.start,
            ),
        )
        return "active", plan.speed_amount, plan.speed_unit, plan.start, 0
    state, amount, unit, base, next_slot = rows[0]
    if amount is None and plan.speed_amount is not None:
        amount, unit = plan.speed_amount, plan.speed_unit
    if base is None or amount is None or plan_due(base, next_slot, amount, unit, window) < plan.start:
        base, next_slot = plan.start, 0
    return state, amount, unit, base, next_slot


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
    state, amount, unit, base, next_slot = yield from _bulk_for_accept(account_id, plan, now, window)
    next_slot = _plan_rows(messages, state, Pace(base, amount, unit), next_slot, now)
    yield Execute(
        "UPDATE bulks SET slot_base = ?, next_slot = ?, speed_amount = ?, speed_unit = ? "
        "WHERE account_id = ? AND bulk_id = ?",
        (base, next_slot, amount, unit, account_id, plan.bulk_id),
    )
    inserted = yield InsertMany(
        "messages",
        tuple(BODY_COLUMNS),
        tuple(BODY_COLUMNS.values()),
        [m.body_row() for m in messages],
        conflict=("account_id", "message_id"),
        returning="message_id",
    )
    duplicates: set[int] = set()
    if len(inserted) != len(messages):
        stored: Counter[str] = Counter(inserted)
        for index, m in enumerate(messages):
            if stored[m.message_id] > 0:
                stored[m.message_id] -= 1
            else:
                duplicates.add(index)
    kept = [m for index, m in enumerate(messages) if index not in duplicates]
    queued = [m for m in kept if m.state != "done"]
    yield from _beside_bodies(account_id, "message_queue", QUEUE_COLUMNS, queued)
    if len(queued) >= ANALYZE_QUEUE_AFTER:
        yield Execute("ANALYZE message_queue")
    yield from _beside_bodies(account_id, "message_results", RESULT_COLUMNS, [m for m in kept if m.state == "done"])
    yield from add_reports(_accept_reports(messages, duplicates), now)
    if any(m.state == "queued" for m in messages):
        yield Notify(payload="due")
    return duplicates


def _beside_bodies(account_id: str, table: str, columns: dict[str, str], messages: list[NewMessage]) -> Op[None]:
    """Insert the queue or result rows of messages whose bodies were just stored, each under its body's seq (found
    by the account's unique message id: one index probe per row)."""
    if not messages:
        return
    row_of = NewMessage.queue_row if table == "message_queue" else NewMessage.result_row
    names = tuple(f"v_{c}" for c in columns)
    yield UpdateMany(
        f"INSERT INTO {table} (seq, {', '.join(columns)}) SELECT m.seq, {', '.join(f'v.{n}' for n in names)} "
        "FROM v JOIN messages m ON m.account_id = ? AND m.message_id = v.v_message_id",
        ("v_message_id", *names),
        ("text", *columns.values()),
        [(m.message_id, *row_of(m)) for m in messages],
        (account_id,),
    )


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
