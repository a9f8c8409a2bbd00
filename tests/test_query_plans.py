"""Every query an idle or busy engine runs over and over is served by an index, at any backlog.

The table holds what a real one holds after a day: mostly finished rows, a backlog scheduled for tomorrow, a few
rows due, sent or in flight, and the reports of the finished ones; then the planner gets its statistics (ANALYZE
on PostgreSQL, the engine's own `optimize` on SQLite). Each query's plan must find its rows through an index: no
sequential scan of `messages` or `reports` (PostgreSQL), no `SCAN messages` / `SCAN reports` (SQLite).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import asyncpg
import pytest
from bench.message_fill import staged

from kakao_gateway.app import Gateway
from kakao_gateway.domain.filters import LogFilter, PullFilter
from kakao_gateway.domain.hops import FAILOVER_ERRORS
from kakao_gateway.store import bulks, message_queries, outcomes, reports
from kakao_gateway.store.postgres import _translate as pg_translate
from kakao_gateway.store.postgres import _update_sql
from kakao_gateway.store.sql import Execute, Fetch, Query, UpdateMany
from kakao_gateway.store.sqlite import _translate as sqlite_translate

from .conftest import PG_URL, START_MS

DONE, TOMORROW, DUE, BULK = 200_000, 100_000, 50, 5_000  # the queue: a backlog for tomorrow, due rows, a bulk
DAY_MS = 86_400_000
BY_PHONE = LogFilter(destinations=("821055550000",))  # none of the filled rows is to this number
BY_PHONES = LogFilter(destinations=("821055550000", "821055550001"))


def _fill_sql(account_id: str) -> list[str]:
    """Rows by the thousand with one recursive CTE each (the same SQL on both databases)."""
    base = (
        "INSERT INTO fill_messages (account_id, message_id, channel, route, hop, bulk_id, sender, destination, "
        "content, "
        "state, due_at, expires_at, validity_ms, priority, attempts, status_id, error_id, created_at, sent_at, "
        "done_at, notify, intermediate, departed_at) "
    )

    def rows(count: int, prefix: str, state: str, due: str, done: str, departed: str) -> str:
        return (
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) {base}"
            f"SELECT '{account_id}', '{prefix}' || i, 'ALIM', 'KAKAO_SANDBOX', 0, 'bulk-' || (i % 50), 'S', "
            f"'821000000001', '{{}}', '{state}', {due}, {due} + 172800000, 172800000, 1, 1, 5, 0, {START_MS}, "
            f"{START_MS}, {done}, 1, 0, {departed} FROM n"
        )

    reports_sql = (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DONE}) "
        "INSERT INTO reports (account_id, channel, message_id, bulk_id, final, body, created_at, push_url, "
        "push_content_type, push_state, push_due_at, push_attempts, kind) "
        f"SELECT '{account_id}', 'ALIM', 'done-' || i, 'bulk-' || (i % 50), 1, '{{}}', {START_MS} + i, "
        "'http://hooks.test/dlr', 'application/json', CASE WHEN i % 100 = 0 THEN 'none' ELSE 'pushed' END, "
        f"{START_MS}, 1, 'report' FROM n"
    )
    return [
        *staged(
            rows(
                DONE, "done-", "done", f"{START_MS} - 3600000 + i", f"{START_MS} - 3600000 + i", f"{START_MS} - 3600000"
            ),
            rows(TOMORROW, "later-", "queued", f"{START_MS + DAY_MS} + i", "NULL", "NULL"),
            rows(DUE, "due-", "queued", f"{START_MS} - i", "NULL", "NULL"),
            rows(BULK, "bulk-", "queued", f"{START_MS} - 1000", "NULL", "NULL"),  # an unpaced bulk: one due time
            rows(DUE, "sent-", "sent", f"{START_MS} + 60000", "NULL", f"{START_MS}"),
            rows(DUE, "inflight-", "inflight", f"{START_MS} + 30000", "NULL", "NULL"),
        ),
        reports_sql,
    ]


def _queries(account_id: str) -> Iterator[tuple[str, Query]]:
    """The first statements of every repeated store operation, with realistic arguments."""
    now = START_MS
    ops: list[tuple[str, Any]] = [
        ("claim due", outcomes.claim_due(now, 500, "worker", 30_000)),
        ("claim stale", outcomes.claim_stale(now + 120_000, 500, "worker", 30_000)),
        ("expire", outcomes.expire_queued(now, 1000)),
        ("next due", message_queries.next_due_at()),
        ("logs", message_queries.query_logs(account_id, "ALIM", LogFilter(), 100, None, now - DAY_MS)),
        ("logs by bulk", message_queries.query_logs(account_id, "ALIM", LogFilter(bulk_ids=("bulk-7",)), 100, None, 0)),
        ("logs by destination", message_queries.query_logs(account_id, "ALIM", BY_PHONE, 100, None, now - DAY_MS)),
        ("logs by destinations", message_queries.query_logs(account_id, "ALIM", BY_PHONES, 100, None, now - DAY_MS)),
        ("purge messages", message_queries.purge_messages(now - 2 * DAY_MS, 5000)),
        ("pull", reports.pull_reports(account_id, "ALIM", PullFilter(), 100, now, now - DAY_MS)),
        ("purge reports", reports.purge_reports(now - 2 * DAY_MS, 5000)),
        ("departures", bulks.recent_departures(account_id, "bulk-7", now - 3_600_000, 60, (1, 2))),
        ("departures counted", bulks.departures_since(account_id, "bulk-7", now - 60_000)),
        ("bulk failovers", bulks.failovers(account_id, "bulk-7")),
        ("bulk progress", bulks.progress(account_id, "bulk-7")),
    ]
    for name, op in ops:
        yield name, next(op)
    # the accounts with pushes due (a probe of ix_reports_push_account each; sorting the accounts is cheap), then
    # each one's fair share, off the same index in its order
    claim = reports.claim_pushes(now, 1000, 120_000, ("http://busy.test/",), ("busy-account",), "")
    yield "claim push accounts", next(claim)
    yield "claim pushes", claim.send([{"id": account_id}, {"id": "other"}])
    # final outcomes whose error an SMS can get around: first the hop decision, then the end of the rest
    unreachable = min(FAILOVER_ERRORS)
    record = outcomes.record([outcomes.Outcome(seq, "final", 5, unreachable, owner="w") for seq in range(1, 501)], now)
    yield "record outcomes (failover)", next(record)
    yield "record outcomes (final)", record.send([])
    yield "end: leave the queue", record.send([{"seq": 1}, {"seq": 2}])
    yield "end: report facts", record.send(2)
    retire = outcomes.retire([1, 2])
    yield "retire: results", next(retire)
    yield "retire: leave the queue", retire.send(2)
    yield "retire: report facts", retire.send(2)
    by_ref = outcomes.Outcome(0, "final", 5, 0, route="SMS:smpp:h:1", ref="smsc-1")
    yield "late result by upstream id", next(outcomes.record([by_ref], now))
    expire = outcomes.expire_queued(now, 1000)
    next(expire)
    yield "expire (finish)", expire.send([])
    yield "renew leases", next(outcomes.renew_leases(list(range(1, 501)), "w", now))


SQLITE_SCAN = re.compile(r"^SCAN (messages|message_queue|message_results|reports)\b")
PG_SCAN = re.compile(r"Seq Scan on (messages|message_queue|message_results|reports)\b")
SORT = re.compile(r"TEMP B-TREE FOR ORDER BY|^\s*(->\s*)?Sort\b")
# The index each query must use (both databases unless noted): another index would read rows in proportion to the
# backlog (all queued rows by state, say) even when it is not a scan.
EXPECTED = {
    "claim due": "ix_message_queue_fair",  # its walk of the accounts and bulks with due rows (test_fair_claims.py)
    "expire": "ix_message_queue_expiry",
    "expire (finish)": "ix_message_queue_expiry",
    "late result by upstream id": "ix_message_queue_upstream_ref",
    "purge messages": "ix_message_results_done",
    "claim push accounts": "ix_reports_push_account",
    "claim pushes": "ix_reports_push_account",
    "departures": "ix_message_queue_bulk",
    "departures counted": "ix_message_queue_bulk",
    "bulk progress": "ix_message_queue_bulk",
    "record outcomes (final)": "INTEGER PRIMARY KEY|message_queue_pkey",
    "end: leave the queue": "INTEGER PRIMARY KEY|message_queue_pkey",
    "end: report facts": "INTEGER PRIMARY KEY|messages_pkey",
    "retire: results": "INTEGER PRIMARY KEY|message_queue_pkey",
    "retire: leave the queue": "INTEGER PRIMARY KEY|message_queue_pkey",
    "retire: report facts": "INTEGER PRIMARY KEY|messages_pkey",
    # a support search by phone number: without it, every row of the account's channel is read to find a few
    "logs by destination": "ix_messages_destination",
}
SQLITE_EXPECTED = {**EXPECTED, "pull": "ix_reports_pullable", "purge reports": "ix_reports_created"}
NO_SORT = ("claim due", "claim stale", "claim pushes")


async def _sqlite_plan(path: str, q: Query) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        sql, params = _statement_sqlite(q)
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        conn.close()


def _statement_sqlite(q: Query) -> tuple[str, list[Any]]:
    if isinstance(q, UpdateMany):
        values = ",".join(["(" + ",".join("?" * len(q.columns)) + ")"] * len(q.rows))
        sql = f"WITH v({','.join(q.columns)}) AS (VALUES {values}) {q.sql}"
        return sqlite_translate(sql), [x for row in q.rows for x in row] + list(q.params)
    assert isinstance(q, Fetch | Execute)
    return sqlite_translate(q.sql), list(q.params)


async def _pg_plan(conn: asyncpg.Connection, q: Query) -> list[str]:
    if isinstance(q, UpdateMany):
        sql = _update_sql(q.sql, q.columns, q.types)
        args: list[Any] = [list(col) for col in zip(*q.rows, strict=True)] + list(q.params)
    else:
        assert isinstance(q, Fetch | Execute)
        sql, args = pg_translate(q.sql), list(q.params)
    return [r[0] for r in await conn.fetch("EXPLAIN " + sql, *args)]


async def plans_of(gateway: Gateway, queries: Iterable[tuple[str, Query]], *tables: str) -> dict[str, list[str]]:
    """Each named query's plan on the test's database, after fresh statistics: of `tables` on PostgreSQL, the
    database's own optimize on SQLite."""
    plans: dict[str, list[str]] = {}
    if PG_URL:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute("; ".join(f"ANALYZE {table}" for table in tables))
            for name, q in queries:
                plans[name] = await _pg_plan(conn, q)
        finally:
            await conn.close()
        return plans
    await gateway.db.optimize()
    path = gateway.settings.database_url.removeprefix("sqlite:///")
    for name, q in queries:
        plans[name] = await _sqlite_plan(path, q)
    return plans


@pytest.fixture
async def filled(gateway: Gateway) -> Gateway:
    for sql in _fill_sql(gateway.default_account_id):
        await gateway.db.write(_execute(sql))
    if PG_URL:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute("ANALYZE messages; ANALYZE message_queue; ANALYZE message_results; ANALYZE reports")
        finally:
            await conn.close()
    else:
        await gateway.db.optimize()
    return gateway


def _execute(sql: str, *params: Any) -> Any:
    yield Execute(sql, params)


async def test_no_engine_query_scans_a_table(filled: Gateway) -> None:
    plans: dict[str, list[str]] = {}
    if PG_URL:
        conn = await asyncpg.connect(PG_URL)
        try:
            for name, q in _queries(filled.default_account_id):
                plans[name] = await _pg_plan(conn, q)
        finally:
            await conn.close()
        scans = {n: p for n, p in plans.items() if any(PG_SCAN.search(line) for line in p)}
        expected = EXPECTED
    else:
        path = filled.settings.database_url.removeprefix("sqlite:///")
        for name, q in _queries(filled.default_account_id):
            plans[name] = await _sqlite_plan(path, q)
        scans = {n: p for n, p in plans.items() if any(SQLITE_SCAN.search(line) for line in p)}
        expected = SQLITE_EXPECTED
    assert len(plans) == 27
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())
    wrong = {n: plans[n] for n, index in expected.items() if not any(re.search(index, line) for line in plans[n])}
    assert not wrong, "\n\n".join(f"{n} (wants {expected[n]}):\n  " + "\n  ".join(p) for n, p in wrong.items())
    sorting = {n: plans[n] for n in NO_SORT if any(SORT.search(line) for line in plans[n])}
    assert not sorting, "\n\n".join(f"{n} sorts:\n  " + "\n  ".join(p) for n, p in sorting.items())


# --- the web console's queries ------------------------------------------------------------------------------------

CONSOLE_EXPECTED = {
    "console inbox": "ix_sangdam_sessions_activity",
    # with a sender: that sender's open sessions (a partial index), sorted
    "console inbox, next page": "ix_sangdam_sessions_activity|ux_sangdam_sessions_open",
    # the agent's assignments, or the account's open sessions by activity
    "console inbox, mine": "ix_console_assignments_key|ix_sangdam_sessions_activity",
    "console transcript after": "ix_sangdam_messages_session",
    "console message": "uq_messages_account_message|sqlite_autoindex_messages|messages_account_id_message_id",
    "console message reports": "ix_reports_message",
    "console bulks": "ix_bulks_created",
    "console replies: the message": "ux_sangdam_messages_id",
    "console replies: after it": "ix_sangdam_messages_session",
    # every message of one number, however many others got (the phone used to look among the newest 5,000)
    "console phone": "ix_messages_destination",
    "console phone, older": "ix_messages_destination",
    "console inbox, search": "ix_sangdam_sessions_activity",
    "console canned replies": "canned_replies_pkey|sqlite_autoindex_canned_replies",
    "console image": "media_pkey|sqlite_autoindex_media",
    "campaign": "campaigns_pkey|sqlite_autoindex_campaigns|ix_campaigns_account",  # both bounded
    "campaigns": "ix_campaigns_account",
    "campaigns: forget unsent": "ix_campaigns_account",
    "campaign: claim": "campaigns_pkey|sqlite_autoindex_campaigns|ix_campaigns_account",
    "console dashboard, final outcomes": "ix_message_results_done",
    "console dashboard, pushes": "ix_reports_created",
}
CONSOLE_SCAN = re.compile(
    r"^SCAN (messages|reports|bulks|sangdam_\w+|console_\w+)$"
    r"|Seq Scan on (messages|reports|bulks|sangdam_\w+|console_\w+)"
)


def _console_queries(account_id: str) -> Iterator[tuple[str, Query]]:
    from kakao_gateway.store import campaigns, canned_replies, console, console_dashboard, console_messages, media

    yield "console inbox", next(console.inbox(account_id, None, 50, None))
    yield "console inbox, next page", next(console.inbox(account_id, "S", 50, (START_MS - 10, 40)))
    yield "console inbox, mine", next(console.inbox(account_id, None, 50, None, "key-1"))
    yield "console transcript after", next(console.transcript_after(account_id, "s-7", 0, 500))
    story = console_messages.message_story(account_id, "done-7")
    yield "console message", next(story)
    yield "console message reports", story.send([{c: None for c in console_messages.MESSAGE_COLUMNS}])
    replies = console_messages.sangdam_replies(account_id, "m-8")
    yield "console replies: the message", next(replies)
    yield "console replies: after it", replies.send([{"session_id": "s-8", "seq": 8}])
    yield "console bulks", next(console.recent_bulks(account_id, 50, (START_MS, "bulk-9")))
    yield "console phone", next(console.phone_messages(account_id, "ALIM", "821012345678", 51))
    yield "console phone, older", next(console.phone_messages(account_id, "ALIM", "821012345678", 51, 90_000))
    yield "console inbox, search", next(console.inbox(account_id, None, 50, None, None, "환불"))
    yield "console canned replies", next(canned_replies.list_replies(account_id))
    yield "console image", next(media.get("m-1"))
    yield "campaign", next(campaigns.get(account_id, "c-1"))
    yield "campaigns", next(campaigns.recent(account_id, 50))
    yield "campaigns: forget unsent", next(campaigns.purge_unsent(account_id, START_MS))
    yield "campaign: claim", next(campaigns.claim(account_id, "c-1", START_MS))
    yield "console dashboard, final outcomes", next(console_dashboard.recent_finals(START_MS - 3_600_000, 100_000))
    yield "console dashboard, pushes", next(console_dashboard.recent_pushes(START_MS - 3_600_000, 100_000))


async def test_console_queries_use_their_indexes(filled: Gateway) -> None:
    from .test_sangdam_query_plans import _fill_sql as sangdam_fill

    # Besides those: a busy inbox of this account and of another one (open sessions by the thousand).
    open_sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) "
        "INSERT INTO sangdam_sessions (session_id, account_id, sender, user_key, state, opened_at, last_activity_at, "
        "expires_at, inflight) SELECT 'o-' || i, CASE WHEN i % 4 = 0 THEN ? ELSE 'other' END, 'S', 'o-' || i, "
        f"'open', {START_MS} - i, {START_MS} - i * 7 % 5000, {START_MS} + 3600000, 0 FROM n"
    )
    for sql in sangdam_fill(filled.default_account_id):
        await filled.db.write(_execute(sql))
    await filled.db.write(_execute(open_sql, filled.default_account_id))
    bulks_sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "INSERT INTO bulks (account_id, bulk_id, channel, created_at, send_at, state, next_slot) "
        f"SELECT ?, 'b-' || i, 'ALIM', {START_MS} - i, {START_MS}, "
        "'active', 0 FROM n"
    )
    await filled.db.write(_execute(bulks_sql, filled.default_account_id))
    assignments_sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) "
        "INSERT INTO console_assignments (session_id, account_id, key_id, assigned_at) "
        f"SELECT 'o-' || i, 'x', 'key-' || (i % 50), {START_MS} FROM n"
    )
    await filled.db.write(_execute(assignments_sql))
    tables = ("sangdam_sessions", "sangdam_messages", "reports", "bulks", "console_assignments")
    plans = await plans_of(filled, _console_queries(filled.default_account_id), *tables)
    assert set(plans) == set(CONSOLE_EXPECTED)
    scans = {n: p for n, p in plans.items() if any(CONSOLE_SCAN.search(line) for line in p)}
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())
    wrong = {n: plans[n] for n, i in CONSOLE_EXPECTED.items() if not any(re.search(i, line) for line in plans[n])}
    assert not wrong, "\n\n".join(f"{n} (wants {CONSOLE_EXPECTED[n]}):\n  " + "\n  ".join(p) for n, p in wrong.items())
    inbox = plans["console inbox"]
    assert not any(SORT.search(line) for line in inbox), "the inbox is read in index order:\n  " + "\n  ".join(inbox)


# --- opt-out lists ---------------------------------------------------------------------------------------------------

OPT_OUT_SCAN = re.compile(r"^SCAN opt_outs\b|Seq Scan on opt_outs\b")
OPT_OUT_INDEX = re.compile(r"pk_opt_outs|sqlite_autoindex_opt_outs")


def _opt_out_queries(account_id: str) -> Iterator[tuple[str, Query]]:
    from kakao_gateway.store import opt_outs

    # most accounts have no list: their sends pay this one probe
    yield "opt-outs: any for an account without", next(opt_outs.senders_of("no-list", ["821000000001"]))
    dialect = "postgresql" if PG_URL else "sqlite"
    tos = [f"8210{i:08d}" for i in range(0, 2 * opt_outs.LOOKUP_CHUNK, 2)]
    lookup = opt_outs.senders_of(account_id, tos, dialect)
    next(lookup)
    yield "opt-outs: a request's destinations", lookup.send([{"1": 1}])
    yield "opt-outs: first page", next(opt_outs.page(account_id, None, None, 51))
    yield "opt-outs: next page", next(opt_outs.page(account_id, None, ("821000500000", ""), 51))
    yield "opt-outs: one number", next(opt_outs.page(account_id, "821000500000", None, 51))
    yield "opt-outs: remove", next(opt_outs.remove(account_id, "821000500000", None))


async def test_opt_out_lookups_use_the_primary_key(gateway: Gateway) -> None:
    """A Brand request's destinations are looked up in the account's list at accept (one array on PostgreSQL,
    LOOKUP_CHUNK a statement on SQLite): with a list of 750,000 numbers (and another account's 250,000), the lookup
    probes the primary key, as do the list's pages."""
    fill = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
        "INSERT INTO opt_outs (account_id, destination, sender, created_at, source) "
        "SELECT CASE WHEN i % 4 = 0 THEN 'other' ELSE ? END, '8210' || substr('0000000' || (i * 5), -8), "
        f"CASE WHEN i % 10 = 0 THEN 'S' ELSE '' END, {START_MS}, 'API' FROM n"
    )
    await gateway.db.write(_execute(fill, gateway.default_account_id))
    plans = await plans_of(gateway, _opt_out_queries(gateway.default_account_id), "opt_outs")
    assert len(plans) == 6
    shown = "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in plans.items())
    assert not any(OPT_OUT_SCAN.search(line) for p in plans.values() for line in p), shown
    assert all(any(OPT_OUT_INDEX.search(line) for line in p) for p in plans.values()), shown
    pages = [plans[n] for n in ("opt-outs: first page", "opt-outs: next page")]
    assert not any(SORT.search(line) for p in pages for line in p), shown
