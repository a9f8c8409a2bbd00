"""The history search: an account's messages of every channel, newest first, kept for --history-retention-days
after they finished (the logs show 48 hours of them). Keyset pages on seq, each search through one index:

- by messageId: uq_messages_account_message (one row);
- by destination: ix_messages_destination, one walk per channel, merged (the index leads with the channel);
- by bulkId: ix_messages_bulk (the bulk's rows, sorted);
- by campaignReferenceId: ix_messages_campaign (a partial index of the rows that have one);
- otherwise: ix_messages_logs, one walk per channel, merged.

`since` and `until` select by when the gateway accepted a message (`created_at`). Rows are numbered in the order
they were accepted, so the instants become a range of seq first (a binary search over the primary key, a few dozen
probes), and every walk above is bounded by it; `created_at` itself is then checked on the rows found.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .message_rows import LIVE_FROM, live_columns
from .sql import Fetch, Op, Row

CHANNELS = ("ALIM", "BRAND", "SANGDAM")
COLUMNS = (
    "seq, message_id, bulk_id, channel, sender, destination, created_at, sent_at, done_at, status_id, error_id, "
    "callback_data, entity_id, application_id, campaign_ref, hop, prior_status_id, prior_error_id, prior_done_at, "
    "state, history"
)
# Rows of one process are numbered in order, but two processes (PostgreSQL) take seqs and clocks apart: a row may
# be numbered after one accepted a little later. The seq range is widened by this much on each side.
CLOCK_SLACK_MS = 10 * 60_000


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    destination: str | None = None
    bulk_id: str | None = None
    campaign_ref: str | None = None
    message_id: str | None = None
    since: int | None = None  # accepted at or after (epoch ms)
    until: int | None = None  # accepted at or before


def search(account_id: str, q: HistoryQuery, limit: int, before_seq: int | None) -> Op[tuple[list[Row], int | None]]:
    """Up to `limit` rows below `before_seq`, newest first, and the seq to continue below (None at the end)."""
    low = high = None
    if q.since is not None:
        low = yield from first_seq_at(q.since - CLOCK_SLACK_MS)
    if q.until is not None:
        high = yield from first_seq_at(q.until + CLOCK_SLACK_MS + 1)
    if before_seq is not None:
        high = before_seq if high is None else min(high, before_seq)
    where = ["m.account_id = ?"]
    params: list[Any] = [account_id]
    for column, value, test in (
        ("message_id", q.message_id, "= ?"),
        ("destination", q.destination, "= ?"),
        ("bulk_id", q.bulk_id, "= ?"),
        ("campaign_ref", q.campaign_ref, "= ?"),
        ("created_at", q.since, ">= ?"),
        ("created_at", q.until, "<= ?"),
        ("seq", low, ">= ?"),
        ("seq", high, "< ?"),
    ):
        if value is not None:
            where.append(f"m.{column} {test}")
            params.append(value)
    found: list[Row] = []
    for sql, args in _statements(q, where, params, limit + 1):
        found.extend((yield Fetch(sql, args)))
    rows = heapq.nlargest(limit + 1, found, key=lambda r: int(r["seq"]))
    next_seq = int(rows[limit - 1]["seq"]) if len(rows) > limit else None
    return rows[:limit], next_seq


def _statements(q: HistoryQuery, where: list[str], params: list[Any], n: int) -> Iterator[tuple[str, list[Any]]]:
    """The statements that find the rows: one, or one per channel where the index leads with the channel."""
    select = f"SELECT {live_columns(COLUMNS)} FROM "
    conditions = " AND ".join(where)
    order = f"ORDER BY m.seq DESC LIMIT {n}"
    if q.message_id is not None:
        yield f"{select}{LIVE_FROM.format(index='')} WHERE {conditions} {order}", params
    elif q.bulk_id is not None:
        yield f"{select}{LIVE_FROM.format(index='{index:ix_messages_bulk}')} WHERE {conditions} {order}", params
    elif q.campaign_ref is not None and q.destination is None:
        campaign = f"{LIVE_FROM.format(index='{index:ix_messages_campaign}')} WHERE m.campaign_ref IS NOT NULL"
        yield f"{select}{campaign} AND {conditions} {order}", params
    else:
        index = "ix_messages_destination" if q.destination is not None else "ix_messages_logs"
        source = LIVE_FROM.format(index=f"{{index:{index}}}")
        for channel in CHANNELS:
            yield f"{select}{source} WHERE m.channel = ? AND {conditions} {order}", [channel, *params]


def first_seq_at(at: int) -> Op[int]:
    """The seq of the first row accepted at or after `at` (one past the last row if none was): a binary search over
    the primary key, each probe the first row at or after a seq."""
    # two subqueries: SQLite reads MIN or MAX off the primary key's ends only when a SELECT asks for one of them
    bounds = yield Fetch("SELECT (SELECT MIN(seq) FROM messages) AS low, (SELECT MAX(seq) FROM messages) AS high")
    low, high = bounds[0]["low"], bounds[0]["high"]
    if low is None:
        return 1
    low, high = int(low), int(high) + 1  # the answer is in [low, high]
    while low < high:
        middle = (low + high) // 2
        probe = yield Fetch("SELECT seq, created_at FROM messages WHERE seq >= ? ORDER BY seq LIMIT 1", (middle,))
        if not probe or probe[0]["created_at"] >= at:  # none: purged meanwhile (all of them were old)
            high = middle
        else:
            low = int(probe[0]["seq"]) + 1
    return low
