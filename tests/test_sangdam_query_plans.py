"""Every repeated Sangdam query is served by its index, with a realistic table: many closed sessions, a transcript
mostly forwarded long ago, and a few rows in each forwarding state (as tests/test_query_plans.py does for messages
and reports)."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from typing import Any

from kakao_gateway.app import Gateway
from kakao_gateway.store import sangdam_forwarding as forwarding
from kakao_gateway.store import sangdam_sessions as sessions
from kakao_gateway.store.sql import Execute, Query

from .conftest import START_MS
from .test_query_plans import plans_of

SESSIONS, MESSAGES, FEW = 20_000, 100_000, 50


class _Row(dict[str, Any]):
    """A fake result row: by column name, or by position."""

    def __getitem__(self, key: Any) -> Any:
        return list(self.values())[key] if isinstance(key, int) else super().__getitem__(key)


def _fill_sql(account_id: str) -> list[str]:
    def n(count: int) -> str:
        return f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "

    sessions_sql = (
        n(SESSIONS) + "INSERT INTO sangdam_sessions (session_id, account_id, sender, user_key, state, opened_at, "
        "last_activity_at, expires_at, closed_at, close_reason, inflight) "
        f"SELECT 's-' || i, '{account_id}', 'S', 'u-' || i, CASE WHEN i <= {FEW} THEN 'open' ELSE 'closed' END, "
        f"{START_MS} - i, {START_MS} - i, {START_MS} + 3600000 - i, NULL, NULL, 0 FROM n"
    )
    states = (
        f"CASE WHEN i <= {FEW} THEN 'queued' WHEN i <= {2 * FEW} THEN 'held' WHEN i <= {3 * FEW} THEN 'forwarding' "
        f"WHEN i <= {4 * FEW} THEN 'none' WHEN i % 2 = 0 THEN NULL ELSE 'pushed' END"
    )
    messages_sql = (
        n(MESSAGES) + "INSERT INTO sangdam_messages (account_id, session_id, message_id, direction, sender, "
        "user_key, content, created_at, forward_state, outbox_seq) "
        f"SELECT '{account_id}', 's-' || (i % {SESSIONS}), 'm-' || i, CASE WHEN i % 2 = 0 THEN 'OUTBOUND' ELSE "
        f"'INBOUND' END, 'S', 'u-' || (i % {SESSIONS}), '{{}}', {START_MS} - i, {states}, i FROM n"
    )
    return [sessions_sql, messages_sql]


def _drive(op: Generator[Query, Any, Any], replies: list[Any]) -> list[Query]:
    """The statements an op yields when it gets `replies` in turn."""
    queries = [next(op)]
    for reply in replies:
        try:
            queries.append(op.send(reply))
        except StopIteration:
            break
    return queries


def _queries(account_id: str) -> Iterator[tuple[str, Query]]:
    now = START_MS
    row = _Row(
        seq=1,
        account_id=account_id,
        session_id="s-1",
        message_id="m-1",
        sender="S",
        user_key="u-1",
        content="{}",
        created_at=now,
        paired_message_id=None,
        callback_data=None,
        keyword=None,
    )
    user = _Row(account_id=account_id, sender="S", user_key="u-1")
    settle = _drive(
        forwarding.forward(now, 5000, 100),
        [
            [],
            [_Row(outbox_seq=5)],
            [_Row(seq=5, push_state="pushed")],
            [_Row(session_id="s-1")],
            1,
            [user],
            [_Row(session_id="s-1", inflight=0)],
        ],
    )
    yield "settle: forwarding", settle[1]
    yield "settle: by outbox row", settle[3]
    yield "settle: users of sessions", settle[5]
    yield "settle: sessions of a user", settle[6]
    yield "settle: held of sessions", settle[7]
    release = _drive(
        forwarding.forward(now, 5000, 100),
        [[], [], [row], [_Row(account_id=account_id, inbound_url="http://h")], [_Row(account_id=account_id, n=1)]],
    )
    yield "release: queued", release[2]
    yield "release: waiting", release[4]
    expire = sessions.expire_sessions(now, 1000, lambda k: ["x"] * k)
    yield "expire sessions", next(expire)
    yield "next expiry", next(sessions.next_expiry_at(now))
    yield "idle check", next(forwarding.has_work(now))
    inbound = sessions.write_inbound(
        sessions.UserMessage(account_id, "S", "u-1", "m-x", {"type": "TEXT", "text": "hi"}), "s-x", "m-y", now
    )
    facts = _Row(known=1, settings=None, inbound_url=None, keyword=None)
    yield "open session", _drive(inbound, [[facts]])[1]
    deliver = sessions.deliver([sessions.Delivery(1, account_id, "m-z", "S", "u-1", {"type": "TEXT"})], now)
    yield "deliver: open sessions", next(deliver)
    yield "pull", next(forwarding.pull_inbound(account_id, 100, now))
    yield "transcript", next(sessions.transcript("s-1", 100, None))
    yield "sessions list", next(sessions.list_sessions(account_id, "S", "open", 100, None))
    yield "purge closed sessions", next(sessions.purge_sessions(now - 90 * 24 * 3_600_000, 500))


EXPECTED = {
    "settle: forwarding": "ix_sangdam_messages_forwarding",
    "settle: by outbox row": "ix_sangdam_messages_forwarding",
    # by session, or walking the (small) partial index of waiting rows
    "settle: users of sessions": "sangdam_sessions_1|session_id_key",  # the unique session id
    "settle: sessions of a user": "ix_sangdam_sessions_user",
    "settle: held of sessions": "ix_sangdam_messages_session|ix_sangdam_messages_waiting",
    "release: queued": "ix_sangdam_messages_queued",
    "release: waiting": "ix_sangdam_messages_waiting",
    "expire sessions": "ix_sangdam_sessions_expiry",
    "next expiry": "ix_sangdam_sessions_expiry",
    "idle check": "ix_sangdam_sessions_expiry",  # and the queued and forwarding partial indexes (no scan)
    "open session": "ux_sangdam_sessions_open",
    "deliver: open sessions": "ux_sangdam_sessions_open",
    "pull": "ix_sangdam_messages_pullable",
    "transcript": "ix_sangdam_messages_session",
    "sessions list": "_sangdam_sessions_",  # by sender and state, or by account
    "purge closed sessions": "ix_sangdam_sessions_closed",
}
# A walk of a whole partial index (SQLite: `SCAN t USING INDEX ix_partial`) reads only the rows in that state.
SCAN = re.compile(r"^SCAN (sangdam_\w+)$|Seq Scan on (sangdam_\w+)")


async def test_sangdam_queries_use_their_indexes(gateway: Gateway) -> None:
    for sql in _fill_sql(gateway.default_account_id):
        await gateway.db.write(_execute(sql))
    plans = await plans_of(gateway, _queries(gateway.default_account_id), "sangdam_sessions", "sangdam_messages")
    assert set(plans) == set(EXPECTED)
    scans = {n: p for n, p in plans.items() if any(SCAN.search(line) for line in p)}
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())
    wrong = {n: plans[n] for n, index in EXPECTED.items() if not any(re.search(index, line) for line in plans[n])}
    assert not wrong, "\n\n".join(f"{n} (wants {EXPECTED[n]}):\n  " + "\n  ".join(p) for n, p in wrong.items())


def _execute(sql: str) -> Any:
    yield Execute(sql)
