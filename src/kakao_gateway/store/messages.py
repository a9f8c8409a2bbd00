"""Message rows at intake (plan and store a request's rows in its bulk) and the queries on them (logs, state,
next due instants, purge). The engine's claims and outcomes are in `outcomes`, the row types in `message_rows`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..domain import status as st
from ..domain.filters import LogFilter
from ..domain.reports import delivery_report, log_entry
from ..domain.row_plan import Pace, plan_row
from ..domain.schedule import AnyWindow, plan_due
from .message_rows import INSERT_COLUMNS, NewMessage, facts_of
from .outcomes import CANCELED_ERROR, CANCELED_STATUS
from .reports import add_reports
from .sql import Execute, Fetch, InsertMany, Notify, Op

__all__ = ["BulkPlan", "NewMessage", "accept"]

PRIORITIES = {"HIGH": 0, "STANDARD": 1, "LOW": 2}


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
        if pace.amount is not None:
            next_slot += 1
        m.due_at, m.expires_at = planned.due_at, planned.expires_at
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
        tuple(INSERT_COLUMNS),
        tuple(INSERT_COLUMNS.values()),
        [m.row() for m in messages],
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
    duplicate_status = st.status("REJECTED_DUPLICATE_MESSAGE_ID").id
    duplicate_error = st.error("EC_DUPLICATE_REQUEST").id
    drafts = []
    for index, m in enumerate(messages):
        if index in duplicates:
            drafts.append(m.draft(delivery_report(m.facts(duplicate_status, duplicate_error))))
        elif m.state == "done":
            drafts.append(m.draft(delivery_report(m.facts(m.status_id, m.error_id))))
        elif m.held_reported:  # held by its delivery time window: say so once, when asked for intermediate reports
            drafts.append(m.draft(delivery_report(m.facts(_TIME_VIOLATION, m.error_id)), final=False))
    yield from add_reports(drafts, now)
    if any(m.state == "queued" for m in messages):
        yield Notify(payload="due")
    return duplicates


def query_logs(
    account_id: str, channel: str, f: LogFilter, limit: int, before_seq: int | None, since: int
) -> Op[tuple[list[dict[str, Any]], int | None]]:
    """Newest first; returns the entries and the seq to continue below (None at the end)."""
    where = ["account_id = ?", "channel = ?", "(done_at IS NULL OR done_at >= ?)"]
    params: list[Any] = [account_id, channel, since]
    for column, value in (
        ("sender", f.sender),
        ("destination", f.destination),
        ("entity_id", f.entity_id),
        ("application_id", f.application_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    for column, values in (
        ("bulk_id", f.bulk_ids),
        ("message_id", f.message_ids),
        ("campaign_ref", f.campaign_refs),
        ("status_id", f.status_ids),
    ):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if f.sent_since is not None:
        where.append("sent_at >= ?")
        params.append(f.sent_since)
    if f.sent_until is not None:
        where.append("sent_at <= ?")
        params.append(f.sent_until)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    rows = yield Fetch(
        "SELECT seq, message_id, bulk_id, sender, destination, sent_at, done_at, status_id, error_id, callback_data, "
        f"entity_id, application_id, campaign_ref, content FROM messages WHERE {' AND '.join(where)} "
        "ORDER BY seq DESC LIMIT ?",
        (*params, limit + 1),
    )
    entries = []
    for r in rows[:limit]:
        entries.append(log_entry(facts_of(r), json.loads(r["content"])))
    next_seq = rows[limit - 1]["seq"] if len(rows) > limit else None
    return entries, next_seq


def purge_messages(before: int, limit: int) -> Op[int]:
    deleted = yield Execute(
        "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages {index:ix_messages_purge} WHERE state = 'done' "
        "AND done_at < ? "
        "ORDER BY done_at LIMIT ?)",
        (before, limit),
    )
    return int(deleted)


def message_state(account_id: str, message_id: str) -> Op[dict[str, Any] | None]:
    rows = yield Fetch(
        "SELECT state, due_at, expires_at, attempts, status_id, error_id FROM messages "
        "WHERE account_id = ? AND message_id = ?",
        (account_id, message_id),
    )
    if not rows:
        return None
    return {key: rows[0][key] for key in ("state", "due_at", "expires_at", "attempts", "status_id", "error_id")}


def next_event_at(after: int) -> Op[int | None]:
    """The earliest instant after `after` at which some message becomes due or expires (virtual clock)."""
    rows = yield Fetch(
        "SELECT MIN(due_at) FROM messages WHERE state IN ('queued', 'inflight', 'sent') AND due_at > ?", (after,)
    )
    expiry = yield Fetch("SELECT MIN(expires_at) FROM messages WHERE state = 'queued' AND expires_at > ?", (after,))
    found = [v for v in (rows[0][0], expiry[0][0]) if v is not None]
    return min(found) if found else None


def next_due_at() -> Op[int | None]:
    """The earliest due time of a queued row: one index seek per priority."""
    found = []
    for priority in (0, 1, 2):
        rows = yield Fetch("SELECT MIN(due_at) FROM messages WHERE state = 'queued' AND priority = ?", (priority,))
        if rows[0][0] is not None:
            found.append(rows[0][0])
    return min(found) if found else None
