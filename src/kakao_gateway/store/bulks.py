"""Bulk control: look up, pause, resume, cancel, reschedule and re-pace what has not left yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import status as st
from ..domain.policy import decode
from ..domain.row_plan import Pace, plan_row, wait_reason
from ..domain.schedule import UNIT_MS, paced_start
from .message_rows import held_line
from .outcomes import CANCELED_ERROR, CANCELED_STATUS, append_history, finish_and_report
from .sql import Execute, ExecuteMany, Fetch, Op


@dataclass(frozen=True, slots=True)
class Bulk:
    bulk_id: str
    channel: str
    state: str  # active | paused | canceled
    send_at: int
    speed_amount: int | None
    speed_unit: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class Progress:
    total: int = 0
    pending: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    expired: int = 0
    canceled: int = 0
    left: int = 0  # rows that were submitted at least once, or are final
    next_due: int | None = None


def get_bulk(account_id: str, bulk_id: str) -> Op[Bulk | None]:
    rows = yield Fetch(
        "SELECT bulk_id, channel, state, send_at, speed_amount, speed_unit, created_at FROM bulks "
        "WHERE account_id = ? AND bulk_id = ?",
        (account_id, bulk_id),
    )
    return Bulk(**{f: rows[0][f] for f in Bulk.__dataclass_fields__}) if rows else None


@dataclass(frozen=True, slots=True)
class Failovers:
    """A bulk's messages that went on to an SMS hop, by the Kakao hop's error, and how many SMS were delivered."""

    by_error: dict[int, int]
    delivered: int


# A bulk's messages as (state, status, error, attempts, due time, hop, prior error): the unfinished ones from the
# queue, the others from their results; the bodies are not read. Parameters: account and bulk, twice.
_BULK_ROWS = (
    "SELECT state, status_id, error_id, attempts, due_at, hop, prior_error_id FROM message_queue "
    "WHERE account_id = ? AND bulk_id = ? UNION ALL SELECT 'done', status_id, error_id, attempts, NULL, hop, "
    "prior_error_id FROM message_results WHERE account_id = ? AND bulk_id = ?"
)


def failovers(account_id: str, bulk_id: str) -> Op[Failovers]:
    rows = yield Fetch(
        "SELECT prior_error_id, COUNT(*) AS n, "
        "SUM(CASE WHEN state = 'done' AND status_id = ? THEN 1 ELSE 0 END) AS delivered "
        f"FROM ({_BULK_ROWS}) AS b WHERE hop > 0 GROUP BY prior_error_id",
        (st.status("DELIVERED_TO_HANDSET").id, account_id, bulk_id, account_id, bulk_id),
    )
    return Failovers({r["prior_error_id"]: r["n"] for r in rows}, sum(int(r["delivered"] or 0) for r in rows))


def progress(account_id: str, bulk_id: str) -> Op[Progress]:
    rows = yield Fetch(
        "SELECT state, status_id, error_id, COUNT(*) AS n, SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) AS attempted, "
        "MIN(due_at) AS next_due "
        f"FROM ({_BULK_ROWS}) AS b GROUP BY state, status_id, error_id",
        (account_id, bulk_id, account_id, bulk_id),
    )
    counts: dict[str, int] = dict.fromkeys(
        ("total", "pending", "sent", "delivered", "failed", "expired", "canceled", "left"), 0
    )
    next_due: int | None = None
    for r in rows:
        state, status_id, error_id = r["state"], r["status_id"], r["error_id"]
        count, attempted, min_due = r["n"], r["attempted"], r["next_due"]
        counts["total"] += count
        if state in ("queued", "paused", "inflight"):
            counts["pending"] += count
            counts["left"] += int(attempted or 0)
            if state == "queued":
                next_due = min_due if next_due is None else min(next_due, min_due)
            continue
        counts["left"] += count
        if state == "sent":
            counts["sent"] += count
            continue
        group = st.STATUS_BY_ID[status_id].group_name
        if status_id == CANCELED_STATUS and error_id == CANCELED_ERROR:
            counts["canceled"] += count
        elif group == "DELIVERED":
            counts["delivered"] += count
        elif group == "EXPIRED":
            counts["expired"] += count
        else:
            counts["failed"] += count
    return Progress(**counts, next_due=next_due)


def departures_since(account_id: str, bulk_id: str, since: int) -> Op[int]:
    """How many of the bulk's messages first went upstream after `since` (ix_message_queue_bulk for the unfinished;
    the finished ones by ix_message_results_departures)."""
    rows = yield Fetch(
        "SELECT (SELECT COUNT(*) FROM message_queue WHERE account_id = ? AND bulk_id = ? AND departed_at > ?) "
        "+ (SELECT COUNT(*) FROM message_results WHERE account_id = ? AND bulk_id = ? AND departed_at > ?) AS n",
        (account_id, bulk_id, since, account_id, bulk_id, since),
    )
    return int(rows[0]["n"])


def recent_departures(
    account_id: str, bulk_id: str, since: int, limit: int, exclude: tuple[int, ...] = ()
) -> Op[list[int]]:
    """When the bulk's messages first went upstream (as recorded), after `since`, newest first (at most `limit`).
    A claim whose worker died before recording it does not count: its row departs, and counts, when rescued."""
    skip = f" AND seq NOT IN ({','.join('?' * len(exclude))})" if exclude else ""
    rows = yield Fetch(
        "SELECT departed_at FROM (SELECT departed_at FROM message_queue WHERE account_id = ? AND bulk_id = ? "
        f"AND departed_at > ?{skip} UNION ALL SELECT departed_at FROM message_results WHERE account_id = ? "
        "AND bulk_id = ? AND departed_at > ?) AS d ORDER BY departed_at DESC LIMIT ?",
        (account_id, bulk_id, since, *exclude, account_id, bulk_id, since, limit),
    )
    return [r["departed_at"] for r in rows]


def _paced_start(account_id: str, bulk_id: str, start: int, amount: int | None, unit: str | None) -> Op[int]:
    """`start`, or later if the bulk's recent departures leave no room yet (see domain.schedule.paced_start)."""
    if amount is None:
        return start
    window = UNIT_MS[unit or "MINUTE"]
    recent = yield from recent_departures(account_id, bulk_id, start - window, amount)
    return paced_start(start, recent, amount, unit)


def paced_bulks(account_id: str, bulk_ids: list[str]) -> Op[dict[str, tuple[int, str]]]:
    """(amount, unit) of the given bulks that have a speed limit."""
    if not bulk_ids:
        return {}
    rows = yield Fetch(
        f"SELECT bulk_id, speed_amount, speed_unit FROM bulks WHERE account_id = ? AND bulk_id IN "
        f"({','.join('?' * len(bulk_ids))}) AND speed_amount IS NOT NULL",
        (account_id, *bulk_ids),
    )
    return {r["bulk_id"]: (int(r["speed_amount"]), r["speed_unit"] or "MINUTE") for r in rows}


def reslot_remaining(account_id: str, bulk: Bulk, start: int) -> Op[int]:
    """Re-plan the bulk's queued rows that have not left from `start` at its pace (after it fell behind; the engine
    wrote their hold in their history already)."""
    return (
        yield from _reslot(account_id, bulk.bulk_id, start, bulk.speed_amount, bulk.speed_unit, ("queued",), "queued")
    )


def _reslot(
    account_id: str,
    bulk_id: str,
    start: int,
    amount: int | None,
    unit: str | None,
    states: tuple[str, ...],
    new_state: str,
    now: int | None = None,
) -> Op[int]:
    """Plan again, from `start`, every row of the bulk in `states` that has not left yet, by the same rule as at
    accept (its window, hold and stored validity); returns how many rows were planned. With `now` (a client's
    reschedule, re-pace or resume), a row queued to wait gets a history line saying why and until when."""
    start = yield from _paced_start(account_id, bulk_id, start, amount, unit)
    marks = ",".join("?" * len(states))
    rows = yield Fetch(
        "SELECT q.seq, m.validity_ms, m.options FROM message_queue q JOIN messages m ON m.seq = q.seq "
        f"WHERE q.account_id = ? AND q.bulk_id = ? AND q.state IN ({marks}) AND q.departed_at IS NULL ORDER BY q.seq",
        (account_id, bulk_id, *states),
    )
    updates: list[tuple[Any, ...]] = []
    pace = Pace(start, amount, unit)
    for index, r in enumerate(rows):
        planned = plan_row(pace, index, decode(r["options"], r["validity_ms"]).timing)
        why = wait_reason(planned, pace, index, now) if now is not None and new_state == "queued" else None
        line = held_line(now, planned.due_at, why) if now is not None and why is not None else ""
        updates.append((planned.due_at, planned.expires_at, new_state, line, r["seq"]))
    yield ExecuteMany(
        f"UPDATE message_queue SET due_at = ?, expires_at = ?, state = ?, {append_history('?')} "
        f"WHERE seq = ? AND state IN ({marks})",
        [(*u, *states) for u in updates],
    )
    yield Execute(
        "UPDATE bulks SET slot_base = ?, next_slot = ?, speed_amount = ?, speed_unit = ? "
        "WHERE account_id = ? AND bulk_id = ?",
        (start, len(rows), amount, unit, account_id, bulk_id),
    )
    return len(rows)


def pause(account_id: str, bulk_id: str) -> Op[int]:
    yield Execute("UPDATE bulks SET state = 'paused' WHERE account_id = ? AND bulk_id = ?", (account_id, bulk_id))
    paused: int = yield Execute(
        "UPDATE message_queue SET state = 'paused' WHERE account_id = ? AND bulk_id = ? AND state = 'queued'",
        (account_id, bulk_id),
    )
    return paused


def resume(account_id: str, bulk: Bulk, now: int) -> Op[int]:
    """Re-plan the paused remainder from now (or the bulk's sendAt if later), so a resumed bulk cannot burst."""
    yield Execute("UPDATE bulks SET state = 'active' WHERE account_id = ? AND bulk_id = ?", (account_id, bulk.bulk_id))
    count = yield from _reslot(
        account_id, bulk.bulk_id, max(now, bulk.send_at), bulk.speed_amount, bulk.speed_unit, ("paused",), "queued", now
    )
    retrying = yield Execute(
        "UPDATE message_queue SET state = 'queued' WHERE account_id = ? AND bulk_id = ? AND state = 'paused'",
        (account_id, bulk.bulk_id),
    )
    return int(count) + int(retrying)


def cancel(account_id: str, bulk_id: str, now: int) -> Op[int]:
    """Cancel what has not left: final UNDELIVERABLE_NOT_SENT with EC_MESSAGE_CANCELED (4100), reported."""
    yield Execute("UPDATE bulks SET state = 'canceled' WHERE account_id = ? AND bulk_id = ?", (account_id, bulk_id))
    return (
        yield from finish_and_report(
            "account_id = ? AND bulk_id = ? AND state IN ('queued', 'paused')",
            (account_id, bulk_id),
            CANCELED_STATUS,
            str(CANCELED_ERROR),
            now,
        )
    )


def reschedule(account_id: str, bulk: Bulk, send_at: int, now: int) -> Op[int]:
    yield Execute(
        "UPDATE bulks SET send_at = ? WHERE account_id = ? AND bulk_id = ?", (send_at, account_id, bulk.bulk_id)
    )
    state = "paused" if bulk.state == "paused" else "queued"
    return (
        yield from _reslot(
            account_id, bulk.bulk_id, send_at, bulk.speed_amount, bulk.speed_unit, ("queued", "paused"), state, now
        )
    )


def repace(account_id: str, bulk: Bulk, amount: int, unit: str, now: int) -> Op[int]:
    state = "paused" if bulk.state == "paused" else "queued"
    return (
        yield from _reslot(
            account_id, bulk.bulk_id, max(now, bulk.send_at), amount, unit, ("queued", "paused"), state, now
        )
    )
