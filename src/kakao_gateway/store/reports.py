"""Report rows: one table is both the webhook outbox and the pull queue.

push_state: `pending` (a push is due at push_due_at), `pushed`, `exhausted` (pushes gave up; pullable when
final), `dropped` (an intermediate report whose push gave up) or `none` (no push target; pullable).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..domain.filters import PullFilter
from .sql import Execute, Fetch, InsertMany, Op, claim_sql

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class ReportDraft:
    account_id: str
    channel: str
    message_id: str
    bulk_id: str
    entity_id: str | None
    application_id: str | None
    campaign_ref: str | None
    final: bool
    body: dict[str, Any]
    webhook_url: str | None
    content_type: str | None
    notify: bool


@dataclass(frozen=True, slots=True)
class PushItem:
    seq: int
    account_id: str
    url: str
    content_type: str
    body: dict[str, Any]
    attempts: int
    created_at: int
    channel: str


_COLUMNS = (
    "account_id",
    "channel",
    "message_id",
    "bulk_id",
    "entity_id",
    "application_id",
    "campaign_ref",
    "final",
    "body",
    "created_at",
    "push_url",
    "push_content_type",
    "push_state",
    "push_due_at",
    "push_attempts",
)
_TYPES = (
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "int",
    "text",
    "bigint",
    "text",
    "text",
    "text",
    "bigint",
    "int",
)


def add_reports(drafts: list[ReportDraft], now: int) -> Op[None]:
    """Store reports, each with its push target: the message's URL, else the account's subscription."""
    subscriptions: dict[tuple[str, str], tuple[str | None, str]] = {}
    rows = []
    for d in drafts:
        if not d.notify:
            url, content_type = None, None
        elif d.webhook_url:
            url, content_type = d.webhook_url, d.content_type
        else:
            key = (d.account_id, d.channel)
            if key not in subscriptions:
                found = yield Fetch(
                    "SELECT report_url, content_type FROM subscriptions WHERE account_id = ? AND channel = ?", key
                )
                subscriptions[key] = (found[0][0], found[0][1]) if found else (None, JSON)
            url, sub_type = subscriptions[key]
            content_type = d.content_type or sub_type
        if url is None and not d.final:
            continue
        state = "pending" if url else "none"
        rows.append(
            (
                d.account_id,
                d.channel,
                d.message_id,
                d.bulk_id,
                d.entity_id,
                d.application_id,
                d.campaign_ref,
                int(d.final),
                json.dumps(d.body),
                now,
                url,
                content_type or JSON,
                state,
                now,
                0,
            )
        )
    if rows:
        yield InsertMany("reports", _COLUMNS, _TYPES, rows)


def claim_pushes(now: int, limit: int, lease_ms: int) -> Op[list[PushItem]]:
    rows = yield Fetch(
        claim_sql(
            "reports",
            "push_state = 'pending' AND push_due_at <= ?",
            "push_due_at, seq",
            "push_due_at = ?",
            "push_state = 'pending'",
            "seq, account_id, push_url, push_content_type, body, push_attempts, created_at, channel",
        ),
        (now, limit, now + lease_ms),
    )
    return [PushItem(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) for r in rows]


def record_pushes(pushed: list[int], failed: list[tuple[int, str, int | None]]) -> Op[None]:
    """Mark pushed rows; reschedule failed ones (next_due) or give them up (None)."""
    for start in range(0, len(pushed), 500):
        chunk = pushed[start : start + 500]
        marks = ",".join("?" * len(chunk))
        yield Execute(f"UPDATE reports SET push_state = 'pushed', push_error = NULL WHERE seq IN ({marks})", chunk)
    for seq, error, next_due in failed:
        if next_due is None:
            yield Execute(
                "UPDATE reports SET push_state = CASE WHEN final = 1 THEN 'exhausted' ELSE 'dropped' END, "
                "push_attempts = push_attempts + 1, push_error = ? WHERE seq = ?",
                (error, seq),
            )
        else:
            yield Execute(
                "UPDATE reports SET push_due_at = ?, push_attempts = push_attempts + 1, push_error = ? WHERE seq = ?",
                (next_due, error, seq),
            )


def pull_reports(account_id: str, channel: str, f: PullFilter, limit: int, now: int, since: int) -> Op[list[Any]]:
    """Hand out pullable final reports once: marked pulled in the same statement that selects them."""
    where = [
        "account_id = ?",
        "channel = ?",
        "pulled_at IS NULL",
        "final = 1",
        "push_state IN ('none', 'exhausted')",
        "created_at >= ?",
    ]
    params: list[Any] = [account_id, channel, since]
    for column, value in (
        ("bulk_id", f.bulk_id),
        ("message_id", f.message_id),
        ("entity_id", f.entity_id),
        ("application_id", f.application_id),
        ("campaign_ref", f.campaign_ref),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    rows = yield Fetch(
        claim_sql("reports", " AND ".join(where), "seq", "pulled_at = ?", "pulled_at IS NULL", "seq, body"),
        (*params, limit, now),
    )
    return [json.loads(r[1]) for r in sorted(rows, key=lambda r: r[0])]


def purge_reports(before: int, limit: int) -> Op[int]:
    deleted = yield Execute(
        "DELETE FROM reports WHERE seq IN (SELECT seq FROM reports WHERE created_at < ? AND push_state <> 'pending' "
        "ORDER BY seq LIMIT ?)",
        (before, limit),
    )
    return int(deleted)


def next_push_at(after: int) -> Op[int | None]:
    rows = yield Fetch(
        "SELECT MIN(push_due_at) FROM reports WHERE push_state = 'pending' AND push_due_at > ?", (after,)
    )
    return rows[0][0]  # type: ignore[no-any-return]
