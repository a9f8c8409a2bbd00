"""Report rows: one table is both the webhook outbox and the pull queue.

kind: `report` (a delivery report: pushed in batches, pullable), `click` (a short-link click: pushed one per
request to the click subscription), `inbound` (a message a user wrote) or `opt_out` (a user opted out of
advertising: pushed one per request to the OPT_OUT subscription).

push_state: `pending` (a push is due at push_due_at), `pushed`, `exhausted` (pushes gave up; pullable when final),
`dropped` (an intermediate report whose push gave up) or `none` (no push target; pullable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..domain.filters import PullFilter
from ..domain.rollups import FinalFact
from .rollups import count_finals
from .sql import Execute, Fetch, InsertMany, Op, UpdateMany, claim_rows

JSON = "application/json"
# What a pull may hand out; the partial index ix_reports_pullable is defined by exactly this text.
PULLABLE = "pulled_at IS NULL AND final = 1 AND kind = 'report' AND push_state IN ('none', 'exhausted')"
# Whose subscription URL a kind of outbox row goes to when the message names none: reports go to their channel's.
SUBSCRIPTION_OF_KIND = {"click": "CLICK", "opt_out": "OPT_OUT"}


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
    kind: str = "report"
    fact: FinalFact | None = None  # a final delivery report's message, as it counts into the statistics


@dataclass(frozen=True, slots=True)
class PushItem:
    seq: int
    account_id: str
    url: str
    content_type: str
    body: str  # the stored JSON text: batches join it into the request body without decoding it
    attempts: int
    created_at: int
    kind: str
    push_id: str | None = None  # the id of the batch this row was first posted in; kept for every retry


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
    "kind",
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
    "text",
)


def add_reports(drafts: list[ReportDraft], now: int) -> Op[None]:
    """Store reports, each with its push target: the message's URL, else the account's subscription.

    Every message gets exactly one final report, written in the transaction that finished it: so this is also where
    final messages are counted into the statistics rollups."""
    facts = [d.fact for d in drafts if d.fact is not None]
    if facts:
        yield from count_finals(facts)
    subscriptions: dict[tuple[str, str], tuple[str | None, str]] = {}
    rows = []
    for d in drafts:
        if not d.notify:
            url, content_type = None, None
        elif d.webhook_url:
            url, content_type = d.webhook_url, d.content_type
        else:
            key = (d.account_id, SUBSCRIPTION_OF_KIND.get(d.kind, d.channel))
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
                orjson.dumps(d.body).decode(),
                now,
                url,
                content_type or JSON,
                state,
                now,
                0,
                d.kind,
            )
        )
    if rows:
        yield InsertMany("reports", _COLUMNS, _TYPES, rows)


# At most this many accounts share one claim; the next claim starts after the last of them (round robin).
CLAIM_ACCOUNTS = 32
# At most this many busy URLs are left out by name (each account's pick repeats them; PostgreSQL takes 32767
# parameters): rows of others are claimed and handed back by the pusher.
CLAIM_SKIP_URLS = 200
_PUSH_COLUMNS = "seq, account_id, push_url, push_content_type, body, push_attempts, created_at, kind, push_id"


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def due_push_accounts(now: int, after: str, busy_accounts: Sequence[str] = ()) -> Op[list[str]]:
    """Accounts with pushes due (one probe of ix_reports_push_account each), the first after `after` first: a
    round robin over the accounts, so every one gets its turn however many have pushes due."""
    skip = f" AND a.id NOT IN ({_marks(busy_accounts)})" if busy_accounts else ""
    rows = yield Fetch(
        f"SELECT a.id FROM accounts a WHERE EXISTS (SELECT 1 FROM reports r {{index:ix_reports_push_account}} "
        f"WHERE r.push_state = 'pending' AND r.account_id = a.id AND r.push_due_at <= ?){skip} "
        "ORDER BY CASE WHEN a.id > ? THEN 0 ELSE 1 END, a.id LIMIT ?",
        (now, *busy_accounts, after, CLAIM_ACCOUNTS),
    )
    return [r["id"] for r in rows]


def claim_pushes(
    now: int,
    limit: int,
    lease_ms: int,
    busy_urls: Sequence[str] = (),
    busy_accounts: Sequence[str] = (),
    after_account: str = "",
) -> Op[list[PushItem]]:
    """Claim due pushes for `lease_ms`: a fair share of `limit` from each account with pushes due (but those in
    `busy_accounts`, who have as many pushes under way as they may), leaving out URLs that have as many under way as
    their host may. One statement picks every account's share, each in its (push_due_at, seq) order off the index."""
    accounts = yield from due_push_accounts(now, after_account, busy_accounts)
    if not accounts:
        return []
    share = max(1, limit // len(accounts))
    busy_urls = busy_urls[:CLAIM_SKIP_URLS]
    skip = f" AND push_url NOT IN ({_marks(busy_urls)})" if busy_urls else ""
    pick = (
        "SELECT seq FROM (SELECT seq FROM reports {index:ix_reports_push_account} WHERE push_state = 'pending' "
        f"AND account_id = ? AND push_due_at <= ?{skip} ORDER BY push_due_at, seq LIMIT ? {{skip_locked}}) AS p"
    )
    picked = yield Fetch(
        " UNION ALL ".join(f"{pick}{i}" for i in range(len(accounts))),
        [p for account in accounts for p in (account, now, *busy_urls, share)],
    )
    if not picked:
        return []
    rows = yield UpdateMany(
        f"UPDATE reports SET push_due_at = ? FROM v WHERE reports.seq = v.v_seq RETURNING {_PUSH_COLUMNS}",
        ("v_seq",),
        ("bigint",),
        [(r["seq"],) for r in picked],
        (now + lease_ms,),
    )
    position = {r["seq"]: index for index, r in enumerate(picked)}
    return sorted((_push_item(r) for r in rows), key=lambda item: position[item.seq])  # in pick order


def _push_item(r: Any) -> PushItem:
    return PushItem(
        r["seq"],
        r["account_id"],
        r["push_url"],
        r["push_content_type"],
        r["body"],
        r["push_attempts"],
        r["created_at"],
        r["kind"],
        r["push_id"],
    )


def release_pushes(seqs: list[int], due: int) -> Op[int]:
    """Give claimed pushes back unattempted (their endpoint had no room), due again at `due`."""
    released: int = yield UpdateMany(
        "UPDATE reports SET push_due_at = ? FROM v WHERE reports.seq = v.v_seq AND reports.push_state = 'pending'",
        ("v_seq",),
        ("bigint",),
        [(s,) for s in seqs],
        (due,),
    )
    return released


# The lease a push claim takes (engine.webhooks.LEASE_MS): a claimed row's push_due_at is its claim instant plus
# this, so an attempt's instant is known when its result is recorded without the caller passing the time.
PUSH_LEASE_MS = 120_000
_ATTEMPTED_AT = f"COALESCE(v.v_now, reports.push_due_at - {PUSH_LEASE_MS})"


# A post that outlived its lease must not undo what another worker recorded meanwhile (pushed stays pushed). As a
# CASE, so that PostgreSQL still finds the rows by primary key rather than by walking every pending row.
_STILL_PENDING = "CASE WHEN reports.push_state = 'pending' THEN TRUE ELSE FALSE END"


# reports.push_history: one JSON line per attempt, appended; bounded like messages.history.
_APPEND_PUSH = (
    "push_history = CASE WHEN length(reports.push_history) > 8000 THEN reports.push_history "
    "ELSE COALESCE(reports.push_history, '') || v.v_event END"
)


def push_event(
    now: int | None, status: int | None, latency_ms: int | None, error: str | None = None, next_due: int | None = None
) -> str:
    """The push_history line of one attempt: its instant (None: the claim's, which only SQL knows; left out), HTTP
    status (None: no answer), latency, and for a failure its error and next try (None: given up)."""
    event: dict[str, Any] = {"at": now} if now is not None else {}
    event.update(status=status, ms=latency_ms)
    if error is not None:
        event.update(error=error, next=next_due)
    return orjson.dumps(event).decode() + "\n"


def record_pushes(
    pushed: list[int],
    failed: list[tuple[int, str, int | None]],
    now: int | None = None,
    *,
    status: int | None = None,
    latency_ms: int | None = None,
) -> Op[None]:
    """Mark pushed rows; reschedule failed ones (next_due) or give them up (None): one statement per kind. Every
    recorded attempt sets push_last_at (`now` when given, else the instant of the row's claim) and appends to
    push_history, with the HTTP `status` and `latency_ms` of the post (one post carries all the rows given)."""
    if pushed:
        ok = push_event(now, status, latency_ms)
        yield UpdateMany(
            "UPDATE reports SET push_state = 'pushed', push_error = NULL, "
            f"push_last_at = {_ATTEMPTED_AT}, {_APPEND_PUSH} FROM v WHERE reports.seq = v.v_seq AND {_STILL_PENDING}",
            ("v_seq", "v_now", "v_event"),
            ("bigint", "bigint", "text"),
            [(s, now, ok) for s in pushed],
        )
    retry = [
        (seq, error, due, now, push_event(now, status, latency_ms, error, due))
        for seq, error, due in failed
        if due is not None
    ]
    give_up = [
        (seq, error, now, push_event(now, status, latency_ms, error)) for seq, error, due in failed if due is None
    ]
    if retry:
        yield UpdateMany(
            f"UPDATE reports SET push_last_at = {_ATTEMPTED_AT}, push_due_at = v.v_due, "
            f"push_attempts = push_attempts + 1, push_error = v.v_error, {_APPEND_PUSH} FROM v "
            f"WHERE reports.seq = v.v_seq AND {_STILL_PENDING}",
            ("v_seq", "v_error", "v_due", "v_now", "v_event"),
            ("bigint", "text", "bigint", "bigint", "text"),
            retry,
        )
    if give_up:
        yield UpdateMany(
            "UPDATE reports SET push_state = CASE WHEN final = 1 THEN 'exhausted' ELSE 'dropped' END, "
            f"push_last_at = {_ATTEMPTED_AT}, push_attempts = push_attempts + 1, push_error = v.v_error, "
            f"{_APPEND_PUSH} FROM v WHERE reports.seq = v.v_seq AND {_STILL_PENDING}",
            ("v_seq", "v_error", "v_now", "v_event"),
            ("bigint", "text", "bigint", "text"),
            give_up,
        )


def pull_reports(
    account_id: str, channel: str, f: PullFilter, limit: int, now: int, since: int
) -> Op[list[dict[str, Any]]]:
    """Hand out pullable final reports once: marked pulled in the same statement that selects them. A report is
    pullable for the keeping period (`since` is its start) from when it was made or, if its pushes were exhausted,
    from its last push attempt."""
    where = ["account_id = ?", "channel = ?", PULLABLE, "(created_at >= ? OR push_last_at >= ?)"]
    params: list[Any] = [account_id, channel, since, since]
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
    rows = yield from claim_rows(
        "reports", " AND ".join(where), "seq", "pulled_at = ?", "seq, body", params, limit, (now,)
    )
    bodies: list[dict[str, Any]] = [orjson.loads(r["body"]) for r in rows]
    return bodies


def purge_reports(before: int, limit: int) -> Op[int]:
    """Delete reports made before `before` that are not waiting for a push, except exhausted ones whose last push
    attempt is not before `before` (they are kept for pulling until then)."""
    deleted = yield Execute(
        "DELETE FROM reports WHERE seq IN (SELECT seq FROM reports WHERE created_at < ? AND push_state <> 'pending' "
        "AND (push_state <> 'exhausted' OR pulled_at IS NOT NULL OR push_last_at IS NULL OR push_last_at < ?) "
        "ORDER BY created_at LIMIT ?)",
        (before, before, limit),
    )
    return int(deleted)


def next_push_at(after: int) -> Op[int | None]:
    rows = yield Fetch(
        "SELECT MIN(push_due_at) FROM reports WHERE push_state = 'pending' AND push_due_at > ?", (after,)
    )
    due: int | None = rows[0][0]
    return due
