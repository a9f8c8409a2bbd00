"""Claims are fair across accounts (issue 17): each account with due rows gets its part of every claim batch, and
an account's bulks share its part, while priority, pace and each bulk's due order hold; a lone account still gets
whole batches.

Accepted through the API, dispatched step by step on the fake clock (one `Dispatcher.step` is one claim batch of
`claim_batch` rows), observed through pulled reports; the statements' plans are checked on the test's database.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bench.message_fill import staged

from kakao_gateway.app import Gateway
from kakao_gateway.store import outcomes
from kakao_gateway.store.outcomes import ClaimTurn
from kakao_gateway.store.sql import Query

from .conftest import ADMIN_KEY, PG_URL, START_MS, api_client
from .helpers import pull, register_basics
from .spec import assert_matches
from .test_auth import create_account, create_key
from .test_query_plans import PG_SCAN, SORT, SQLITE_SCAN, _execute, _fill_sql, plans_of
from .test_scheduling import accept, bulk_body, numbers

BATCH = 500  # the engine's default claim_batch


@pytest.fixture
async def tenants(gateway: Gateway, client: httpx.AsyncClient) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Clients of three accounts (the default one first), each with the sender and template registered."""
    async with api_client(gateway, ADMIN_KEY) as admin:
        keys = [(await create_key(admin, await create_account(admin, name)))["key"] for name in ("b", "c")]
    others = [api_client(gateway, key) for key in keys]
    for c in (client, *others):
        await register_basics(c)
    await gateway.engine.run_until_idle()  # the templates' sandbox inspections are decided first
    try:
        yield [client, *others]
    finally:
        for c in others:
            await c.aclose()


async def reports_of(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every report pullable by the client's account (each pulled once), validated against the spec."""
    out: list[dict[str, Any]] = []
    while results := await pull(client, limit=1000):
        assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
        out.extend(results)
    return out


async def step(gateway: Gateway) -> int:
    """One claim batch: claimed, submitted to the sandbox, recorded."""
    return await gateway.engine.dispatcher.step()


async def test_a_single_message_of_another_account_goes_in_the_first_batch_behind_a_100k_bulk(
    gateway: Gateway, tenants: list[httpx.AsyncClient]
) -> None:
    a, b, _ = tenants
    bulk, _ = await accept(a, bulk_body(numbers(100_000)))
    assert await step(gateway) == BATCH  # the bulk is draining
    assert len(await reports_of(a)) == BATCH
    _, (single,) = await accept(b, bulk_body(numbers(1, first=200_000)))

    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await step(gateway) == BATCH  # the first batch after its accept, still a whole batch
    took = loop.time() - started
    (report,) = await reports_of(b)
    assert report["messageId"] == single and report["status"]["groupName"] == "DELIVERED"
    assert report["sentAt"] == report["doneAt"]  # gateway time: submitted at the instant it was accepted
    a_reports = await reports_of(a)
    assert len(a_reports) == BATCH - 1 and {r["bulkId"] for r in a_reports} == {bulk}  # the rest of the batch
    assert took < 1.0, f"the batch took {took:.2f} s"


async def test_accounts_share_a_batch_and_leave_what_they_do_not_use(
    gateway: Gateway, tenants: list[httpx.AsyncClient]
) -> None:
    a, b, c = tenants
    await accept(a, bulk_body(numbers(2_000)))
    await accept(b, bulk_body(numbers(2_000, first=10_000)))
    await accept(c, bulk_body(numbers(10, first=20_000)))
    assert await step(gateway) == BATCH
    # equal parts (167, 167 and 166, in the order of the account ids): C uses 10 of its part, and the rows due
    # longest (A's) take the rest
    got_a, got_b, got_c = [len(await reports_of(t)) for t in tenants]
    assert got_c == 10 and got_b in (166, 167) and got_a == BATCH - got_b - got_c
    assert await step(gateway) == BATCH
    assert [len(await reports_of(t)) for t in tenants] == [250, 250, 0]


async def test_bulks_of_one_account_interleave(gateway: Gateway, tenants: list[httpx.AsyncClient]) -> None:
    a = tenants[0]
    first, first_ids = await accept(a, bulk_body(numbers(1_000)))
    second, second_ids = await accept(a, bulk_body(numbers(1_000, first=10_000)))
    assert await step(gateway) == BATCH
    reports = await reports_of(a)
    assert Counter(r["bulkId"] for r in reports) == {first: 250, second: 250}
    # each bulk in its own due order: its first 250 messages
    assert {r["messageId"] for r in reports} == set(first_ids[:250]) | set(second_ids[:250])


async def test_priority_comes_before_fairness(gateway: Gateway, tenants: list[httpx.AsyncClient]) -> None:
    a, b, c = tenants
    await accept(a, bulk_body(numbers(1_000), priority="LOW"))
    await accept(a, bulk_body(numbers(200, first=5_000), priority="HIGH"))
    _, (standard,) = await accept(b, bulk_body(numbers(1, first=10_000)))
    await accept(c, bulk_body(numbers(400, first=20_000), priority="HIGH"))
    assert await step(gateway) == BATCH
    # HIGH first, shared by A and C (all 200 of A's and 300 of C's: A leaves none of its part, C takes what is
    # left); STANDARD and LOW wait for the next batch
    counts = [Counter(r["bulkId"] for r in await reports_of(t)) for t in tenants]
    assert [sum(n.values()) for n in counts] == [200, 0, 300]
    assert await step(gateway) == BATCH
    # then C's last 100 HIGH rows, B's STANDARD message, and A's LOW bulk fills the batch
    assert len(await reports_of(c)) == 100
    (b_report,) = await reports_of(b)
    assert b_report["messageId"] == standard
    assert len(await reports_of(a)) == BATCH - 100 - 1


async def test_every_account_gets_its_turn_when_more_have_due_rows_than_a_claim_takes(
    gateway: Gateway, tenants: list[httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcomes, "CLAIM_GROUPS", 2)  # a claim finds at most two accounts' bulks
    for i, t in enumerate(tenants):
        await accept(t, bulk_body(numbers(1_000, first=10_000 * i)))
    served: list[set[int]] = []
    for _ in range(3):
        assert await step(gateway) == BATCH
        served.append({i for i, t in enumerate(tenants) if await reports_of(t)})
    # each claim shares among two accounts, the next claim goes on after them: no account waits two claims in a row
    assert all(len(s) >= 2 for s in served)
    assert all(s | t == {0, 1, 2} for s, t in itertools.pairwise(served))


async def test_rows_due_beyond_a_walk_are_still_claimed(
    gateway: Gateway, tenants: list[httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk visits a bounded number of groups; when none of them is due, the rows due longest are claimed."""
    monkeypatch.setattr(outcomes, "WALK_STEPS", 1)
    a = tenants[0]
    tomorrow = "2026-11-30T04:00:00Z"
    await accept(a, bulk_body(numbers(5), bulk_id="a-later", send_at=tomorrow))  # first in the walk, not due
    _, due = await accept(a, bulk_body(numbers(5, first=100), bulk_id="b-now"))
    assert await step(gateway) == 5
    assert {r["messageId"] for r in await reports_of(a)} == set(due)


# --- query plans ----------------------------------------------------------------------------------------------------

OTHERS = 1_000  # accounts with a few due rows each


def _others_sql() -> list[str]:
    return staged(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        "INSERT INTO fill_messages (account_id, message_id, channel, route, hop, bulk_id, sender, destination, "
        "content, "
        "state, due_at, expires_at, validity_ms, priority, attempts, status_id, error_id, created_at, sent_at, "
        "notify, intermediate) "
        f"SELECT 'acct-' || (i % {OTHERS}), 'other-' || i, 'ALIM', 'KAKAO_SANDBOX', 0, 'ob-' || (i % 7), 'S', "
        f"'821000000001', '{{}}', 'queued', {START_MS} - i, {START_MS} + 172800000, 172800000, 1, 0, 5, 0, "
        f"{START_MS}, {START_MS}, 1, 0 FROM n"
    )


def _claim_statements(account_id: str) -> list[tuple[str, Query]]:
    """Every statement a claim runs, with realistic arguments: the walks (from the start and from a turn's
    position), each group's part, the claim by primary key, the FIFO fill."""
    now = START_MS
    op = outcomes.claim_due(now, BATCH, "w", 30_000, ClaimTurn())
    out: list[tuple[str, Query]] = [("walk, HIGH (none due)", next(op)), ("walk", op.send([]))]
    walked = [
        {"account_id": account_id, "bulk_id": "bulk-7", "due_at": now - 1000},
        {"account_id": "acct-3", "bulk_id": "ob-3", "due_at": now - 3},
    ]
    out.append(("parts", op.send(walked)))
    out.append(("claim", op.send([{"seq": 1, "account_id": account_id, "bulk_id": "bulk-7"}])))
    fill = outcomes.claim_due(now, BATCH, "w", 30_000)
    next(fill)
    fill.send([])
    fill.send(walked)
    out.append(("fifo fill", fill.send([])))  # the parts picked nothing
    after = outcomes._walk(1, now, ("acct-3", "ob-3"), outcomes.WALK_STEPS, outcomes.CLAIM_GROUPS)
    out.append(("walk from a turn", next(after)))
    return out


# The index each statement must use; none may scan or sort messages.
CLAIM_EXPECTED = {
    "walk": ("ix_message_queue_fair", "ix_message_queue_claim"),  # the groups, and whether anything is due at all
    "walk from a turn": ("ix_message_queue_fair", "ix_message_queue_claim"),
    "parts": ("ix_message_queue_fair",),
    "claim": ("message_queue_pkey|sqlite_autoindex_message_queue|INTEGER PRIMARY KEY",),
    "fifo fill": ("ix_message_queue_claim",),
}


async def test_claim_statements_use_their_indexes_and_sort_nothing(gateway: Gateway) -> None:
    for sql in [*_fill_sql(gateway.default_account_id), *_others_sql()]:
        await gateway.db.write(_execute(sql))
    statements = _claim_statements(gateway.default_account_id)
    plans = await plans_of(gateway, statements, "messages", "message_queue", "reports")
    scan = PG_SCAN if PG_URL else SQLITE_SCAN
    scans = {n: p for n, p in plans.items() if any(scan.search(line) for line in p)}
    assert not scans, _show(scans)
    sorting = {n: p for n, p in plans.items() if any(SORT.search(line) for line in p)}
    assert not sorting, _show(sorting)
    wrong = {
        n: plans[n]
        for n, indexes in CLAIM_EXPECTED.items()
        if not all(any(re.search(index, line) for line in plans[n]) for index in indexes)
    }
    assert not wrong, _show(wrong)


def _show(plans: dict[str, list[str]]) -> str:
    return "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in plans.items())
