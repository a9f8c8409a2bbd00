"""Moving rows between upstreams (engine/upstream_routes.py): a claimed row to the route chosen for it, and rows
waiting on the retry ladder of an upstream that turned unhealthy back to due now."""

from __future__ import annotations

from collections.abc import Sequence

from .sql import Execute, Op, UpdateMany


def set_route(seqs: Sequence[int], owner: str, route: str) -> Op[int]:
    """Rows this worker holds take `route` for their next submit."""
    moved: int = yield UpdateMany(
        "UPDATE message_queue SET route = ? FROM v WHERE message_queue.seq = v.v_seq "
        "AND message_queue.state = 'inflight' "
        "AND message_queue.lease_owner = ?",
        ("v_seq",),
        ("bigint",),
        [(seq,) for seq in seqs],
        (route, owner),
    )
    return moved


# Retries are planned at most this far ahead of an upstream's failure (domain/retry.py's ladder stays below it).
HURRY_WINDOW_MS = 30 * 60_000


def hurry_waiting(route: str, error_ids: Sequence[int], now: int, limit: int) -> Op[int]:
    """Rows waiting to be sent again on `route` after one of `error_ids` become due now (the dispatcher then
    routes them to a healthy upstream). Walks the claim index's due range of each priority."""
    marks = ",".join("?" * len(error_ids))
    changed: int = yield Execute(
        "UPDATE message_queue SET due_at = ? WHERE seq IN (SELECT seq FROM message_queue "
        "{index:ix_message_queue_claim} "
        "WHERE state = 'queued' AND priority IN (0, 1, 2) AND due_at > ? AND due_at <= ? AND route = ? "
        f"AND error_id IN ({marks}) LIMIT ?)",
        (now, now, now + HURRY_WINDOW_MS, route, *error_ids, limit),
    )
    return changed
