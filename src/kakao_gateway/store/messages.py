"""Message rows: accept, claim, record outcomes, expire, rescue, logs, purge.

state: `queued` (due at due_at) -> `inflight` (claimed; due_at is the lease end) -> `sent` (upstream took it;
due_at is the deadline for its result) -> `done` (final status). Every final status writes its report in the
same operation.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..domain import status as st
from ..domain.filters import LogFilter
from ..domain.planning import DAY_MS
from ..domain.reports import MessageFacts, delivery_report, log_entry
from ..domain.schedule import AnyWindow, Window, combine, is_open, plan_due
from .reports import ReportDraft, add_reports
from .sql import Execute, Fetch, InsertMany, Op, claim_sql

PRIORITIES = {"HIGH": 0, "STANDARD": 1, "LOW": 2}


@dataclass(slots=True)
class NewMessage:
    account_id: str
    message_id: str
    channel: str
    bulk_id: str
    sender: str
    destination: str
    content: str
    state: str
    due_at: int
    expires_at: int
    priority: int
    status_id: int
    error_id: int
    created_at: int
    callback_data: str | None
    entity_id: str | None
    application_id: str | None
    campaign_ref: str | None
    webhook_url: str | None
    webhook_content_type: str | None
    notify: bool
    intermediate: bool
    options: str | None
    window: AnyWindow | None = None  # the message's own delivery window
    validity: int = 0
    ad_hours: AnyWindow | None = None  # a hold on top (Brand advertising hours): validity runs during it
    held_reported: bool = False

    def row(self) -> tuple[Any, ...]:
        done_at = self.created_at if self.state == "done" else None
        return (
            self.account_id,
            self.message_id,
            self.channel,
            self.bulk_id,
            self.sender,
            self.destination,
            self.content,
            self.state,
            self.due_at,
            self.expires_at,
            self.priority,
            0,
            self.status_id,
            self.error_id,
            self.created_at,
            self.created_at,
            done_at,
            self.callback_data,
            self.entity_id,
            self.application_id,
            self.campaign_ref,
            self.webhook_url,
            self.webhook_content_type,
            int(self.notify),
            int(self.intermediate),
            self.options,
            int(self.held_reported),
        )

    def facts(self, status_id: int, error_id: int) -> MessageFacts:
        return MessageFacts(
            self.message_id,
            self.bulk_id,
            self.sender,
            self.destination,
            self.created_at,
            self.created_at,
            status_id,
            error_id,
            self.callback_data,
            self.entity_id,
            self.application_id,
            self.campaign_ref,
        )

    def draft(self, report: dict[str, Any], final: bool = True) -> ReportDraft:
        return ReportDraft(
            self.account_id,
            self.channel,
            self.message_id,
            self.bulk_id,
            self.entity_id,
            self.application_id,
            self.campaign_ref,
            final,
            report,
            self.webhook_url,
            self.webhook_content_type,
            self.notify,
        )


_INSERT_COLUMNS = (
    "account_id",
    "message_id",
    "channel",
    "bulk_id",
    "sender",
    "destination",
    "content",
    "state",
    "due_at",
    "expires_at",
    "priority",
    "attempts",
    "status_id",
    "error_id",
    "created_at",
    "sent_at",
    "done_at",
    "callback_data",
    "entity_id",
    "application_id",
    "campaign_ref",
    "webhook_url",
    "webhook_content_type",
    "notify",
    "intermediate",
    "options",
    "held_reported",
)
_INSERT_TYPES = (
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "bigint",
    "bigint",
    "int",
    "int",
    "int",
    "int",
    "bigint",
    "bigint",
    "bigint",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "int",
    "int",
    "text",
    "int",
)


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """How a request's bulk paces its messages: from `start` (sendAt or now), `speed_amount` per `speed_unit`."""

    bulk_id: str
    channel: str
    start: int
    speed_amount: int | None
    speed_unit: str | None
    options: str


_TIME_VIOLATION = st.status("PENDING_TIME_VIOLATION").id
# A row going back to the queue follows its bulk: held while the bulk is paused, canceled (in this same
# operation, see `record`) when the bulk was canceled meanwhile.
_REQUEUE_STATE = (
    "CASE (SELECT b.state FROM bulks b WHERE b.account_id = messages.account_id AND b.bulk_id = messages.bulk_id) "
    "WHEN 'paused' THEN 'paused' WHEN 'canceled' THEN 'canceling' ELSE 'queued' END"
)
CANCELED_STATUS = st.status("UNDELIVERABLE_NOT_SENT").id
CANCELED_ERROR = st.error("EC_MESSAGE_CANCELED").id


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
            "INSERT INTO bulks (account_id, bulk_id, channel, created_at, send_at, options, state, speed_amount, "
            "speed_unit, slot_base, next_slot) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, 0)",
            (
                account_id,
                plan.bulk_id,
                plan.channel,
                now,
                plan.start,
                plan.options,
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


def _validity_start(due: int, m: NewMessage, base: int, slot: int, amount: int | None, unit: str | None) -> int:
    """When a row's validity starts: its planned send time. A message held overnight by the advertising hours was
    planned for when the hold began (the end of the previous day's hours), or its own plan if that was later."""
    ad = m.ad_hours
    if not isinstance(ad, Window) or not is_open(due, ad) or is_open(due - 1, ad) or ad.start_minute is None:
        return due
    hold_began = due - (DAY_MS - ad.period_ms())
    return max(hold_began, plan_due(base, slot, amount, unit, m.window))


def _plan_rows(
    messages: list[NewMessage], state: str, amount: int | None, unit: str | None, base: int, next_slot: int, now: int
) -> int:
    """Give each queued row its due time, expiry and state; returns the next free slot."""
    for m in messages:
        if m.state != "queued":
            continue
        if state == "canceled":
            m.state, m.status_id, m.error_id, m.due_at, m.expires_at = "done", CANCELED_STATUS, CANCELED_ERROR, now, now
            continue
        sending = combine(m.window, m.ad_hours)
        due = plan_due(base, next_slot, amount, unit, sending)
        planned = _validity_start(due, m, base, next_slot, amount, unit)
        if sending is not None and due > plan_due(base, next_slot, amount, unit, None):
            m.status_id = _TIME_VIOLATION
            m.held_reported = m.intermediate
        if amount is not None:
            next_slot += 1
        # Validity starts at the planned send time; a hold for advertising hours does not extend it (a message
        # that cannot make it past the hold expires, never having left: 4100).
        m.due_at, m.expires_at = due, planned + m.validity
        if state == "paused":
            m.state = "paused"
    return next_slot


def accept(account_id: str, plan: BulkPlan, messages: list[NewMessage], now: int) -> Op[set[int]]:
    """Plan and store a request's rows (queued and rejected alike) in its bulk; return the indexes of duplicates.

    A row whose messageId the account already used (earlier, or earlier in this request) is not stored; it gets
    a REJECTED_DUPLICATE_MESSAGE_ID report instead. Rejected rows get their final report in the same transaction.
    """
    window = next((combine(m.window, m.ad_hours) for m in messages if m.state == "queued"), None)
    state, amount, unit, base, next_slot = yield from _bulk_for_accept(account_id, plan, now, window)
    next_slot = _plan_rows(messages, state, amount, unit, base, next_slot, now)
    yield Execute(
        "UPDATE bulks SET slot_base = ?, next_slot = ?, speed_amount = ?, speed_unit = ? "
        "WHERE account_id = ? AND bulk_id = ?",
        (base, next_slot, amount, unit, account_id, plan.bulk_id),
    )
    inserted = yield InsertMany(
        "messages",
        _INSERT_COLUMNS,
        _INSERT_TYPES,
        [m.row() for m in messages],
        conflict=("account_id", "message_id"),
        returning="message_id",
    )
    duplicates: set[int] = set()
    if len(inserted) != len(messages):
        stored = Counter(inserted)
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
    return duplicates


@dataclass(frozen=True, slots=True)
class Claimed:
    seq: int
    account_id: str
    message_id: str
    channel: str
    sender: str
    destination: str
    content: dict[str, Any]
    attempts: int
    first_attempt_at: int
    expires_at: int
    intermediate: bool
    error_id: int
    options: str | None
    bulk_id: str


_CLAIM_COLUMNS = (
    "seq, account_id, message_id, channel, sender, destination, content, attempts, first_attempt_at, expires_at, "
    "intermediate, error_id, options, bulk_id"
)


def _claimed(rows: list[Any]) -> list[Claimed]:
    return [
        Claimed(
            r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9], bool(r[10]), r[11], r[12], r[13]
        )
        for r in rows
    ]


def claim_due(now: int, limit: int, owner: str, lease_ms: int) -> Op[list[Claimed]]:
    """Claim due, unexpired queued rows: HIGH priority first, then by due time."""
    claimed: list[Claimed] = []
    for priority in (0, 1, 2):
        if len(claimed) >= limit:
            break
        rows = yield Fetch(
            claim_sql(
                "messages",
                "state = 'queued' AND priority = ? AND due_at <= ? AND expires_at > ?",
                "due_at, seq",
                "state = 'inflight', due_at = ?, lease_owner = ?, attempts = attempts + 1, "
                "first_attempt_at = COALESCE(first_attempt_at, ?), "
                "sent_at = CASE WHEN attempts = 0 THEN ? ELSE sent_at END",
                "state = 'queued'",
                _CLAIM_COLUMNS,
            ),
            (priority, now, now, limit - len(claimed), now + lease_ms, owner, now, now),
        )
        claimed.extend(_claimed(rows))
    return claimed


def claim_stale(now: int, limit: int, owner: str, lease_ms: int) -> Op[tuple[list[Claimed], list[Claimed]]]:
    """Claim rows whose lease lapsed (a worker died) and rows whose upstream result never came."""
    lapsed = yield Fetch(
        claim_sql(
            "messages",
            "state = 'inflight' AND due_at <= ?",
            "due_at, seq",
            "due_at = ?, lease_owner = ?",
            "state = 'inflight'",
            _CLAIM_COLUMNS,
        ),
        (now, limit, now + lease_ms, owner),
    )
    silent = yield Fetch(
        claim_sql(
            "messages",
            "state = 'sent' AND due_at <= ?",
            "due_at, seq",
            "state = 'inflight', due_at = ?, lease_owner = ?",
            "state = 'sent'",
            _CLAIM_COLUMNS,
        ),
        (now, limit, now + lease_ms, owner),
    )
    return _claimed(lapsed), _claimed(silent)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to a message. kind: `final`, `sent` (await result until due_at) or `retry` (at due_at)."""

    seq: int
    kind: str
    status_id: int
    error_id: int
    due_at: int = 0
    owner: str | None = None


_FACT_COLUMNS = (
    "account_id, channel, message_id, bulk_id, sender, destination, sent_at, done_at, status_id, "
    "error_id, callback_data, entity_id, application_id, campaign_ref, webhook_url, "
    "webhook_content_type, notify, intermediate"
)


def _draft(row: Any, final: bool) -> ReportDraft:
    facts = MessageFacts(
        row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11], row[12], row[13]
    )
    return ReportDraft(
        row[0],
        row[1],
        row[2],
        row[3],
        row[11],
        row[12],
        row[13],
        final,
        delivery_report(facts),
        row[14],
        row[15],
        bool(row[16]),
    )


def record(outcomes: list[Outcome], now: int) -> Op[int]:
    """Apply outcomes to rows still in the state they were claimed in; write reports. Returns rows changed."""
    drafts: list[ReportDraft] = []
    changed = 0
    for o in outcomes:
        guard = "state IN ('inflight', 'sent')" if o.owner is None else "state = 'inflight' AND lease_owner = ?"
        guard_params: tuple[Any, ...] = () if o.owner is None else (o.owner,)
        if o.kind == "final":
            rows = yield Fetch(
                "UPDATE messages SET state = 'done', status_id = ?, error_id = ?, done_at = ?, lease_owner = NULL "
                f"WHERE seq = ? AND {guard} RETURNING {_FACT_COLUMNS}",
                (o.status_id, o.error_id, now, o.seq, *guard_params),
            )
            drafts.extend(_draft(r, True) for r in rows)
        else:
            state = "'sent'" if o.kind == "sent" else _REQUEUE_STATE
            if o.kind == "release":  # claimed but not submitted (rate limit): the attempt does not count
                rows = yield Fetch(
                    "UPDATE messages SET state = 'queued', due_at = ?, attempts = attempts - 1, lease_owner = NULL "
                    f"WHERE seq = ? AND {guard} RETURNING seq",
                    (o.due_at, o.seq, *guard_params),
                )
                changed += len(rows)
                continue
            rows = yield Fetch(
                f"UPDATE messages SET state = {state}, due_at = ?, status_id = ?, error_id = ?, lease_owner = NULL "
                f"WHERE seq = ? AND {guard} RETURNING {_FACT_COLUMNS}",
                (o.due_at, o.status_id, o.error_id, o.seq, *guard_params),
            )
            if o.kind == "retry":
                drafts.extend(_draft(r, False) for r in rows if r[17])
        changed += len(rows)
    canceled = yield Fetch(
        "UPDATE messages SET state = 'done', status_id = ?, error_id = ?, done_at = ?, lease_owner = NULL "
        f"WHERE state = 'canceling' RETURNING {_FACT_COLUMNS}",
        (CANCELED_STATUS, CANCELED_ERROR, now),
    )
    drafts.extend(_draft(r, True) for r in canceled)
    if drafts:
        yield from add_reports(drafts, now)
    return changed


def expire_queued(now: int, limit: int) -> Op[int]:
    """Expire queued rows past validity: 4100 if they never left, 4101 if an attempt was made."""
    expired = st.status("EXPIRED_EXPIRED").id
    canceled = st.error("EC_MESSAGE_CANCELED").id
    lapsed = st.error("EC_VALIDITY_EXPIRED").id
    rows = yield Fetch(
        claim_sql(
            "messages",
            "state = 'queued' AND expires_at <= ?",
            "expires_at, seq",
            "state = 'done', status_id = ?, "
            "error_id = CASE WHEN attempts = 0 THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END, "
            "done_at = ?, lease_owner = NULL",
            "state = 'queued'",
            _FACT_COLUMNS,
        ),
        (now, limit, expired, canceled, lapsed, now),
    )
    if rows:
        yield from add_reports([_draft(r, True) for r in rows], now)
    return len(rows)


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
        facts = MessageFacts(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12])
        entries.append(log_entry(facts, json.loads(r[13])))
    next_seq = rows[limit - 1][0] if len(rows) > limit else None
    return entries, next_seq


def purge_messages(before: int, limit: int) -> Op[int]:
    deleted = yield Execute(
        "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE state = 'done' AND done_at < ? "
        "ORDER BY seq LIMIT ?)",
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
    r = rows[0]
    return {"state": r[0], "due_at": r[1], "expires_at": r[2], "attempts": r[3], "status_id": r[4], "error_id": r[5]}


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
