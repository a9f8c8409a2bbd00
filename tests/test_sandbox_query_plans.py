"""The statements that sandbox rules, API faults and the logs limit run over and over find their rows by an index:
the rules of a batch's accounts (every batch the sandbox upstreams submit), which accounts have faults (every second
per API process), taking a fault (every request of an account with faults) and counting a logs request."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kakao_gateway.app import Gateway
from kakao_gateway.store import request_windows, sandbox_faults, sandbox_rules
from kakao_gateway.store.sql import Query

from .conftest import START_MS
from .test_query_plans import _execute, plans_of

TABLES = ("sandbox_rules", "sandbox_faults", "request_windows")
# A scan of the partial index of pending faults reads only those: it is no scan of the table.
SCAN = re.compile(
    r"^SCAN (sandbox_rules|sandbox_faults|request_windows)\b(?! USING)|Seq Scan on (sandbox_\w+|request_windows)"
)
INDEX = re.compile(
    r"ix_sandbox_faults_pending|sqlite_autoindex_(sandbox_rules|request_windows)|(sandbox_rules|request_windows)_pkey"
    r"|USING PRIMARY KEY|INTEGER PRIMARY KEY|Conflict Arbiter Indexes: request_windows_pkey"
)

FILL = [
    # 20,000 accounts with rules
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
    f"INSERT INTO sandbox_rules (account_id, rules, updated_at) SELECT 'acct-' || i, '[]', {START_MS} FROM n",
    # 100,000 faults, all but every 1000th used up
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
    "INSERT INTO sandbox_faults (account_id, path, method, status, remaining, retry_after_s, created_at) "
    "SELECT 'acct-' || (i % 5000), '/kakao-alim/1/messages', NULL, 500, CASE WHEN i % 1000 = 0 THEN 1 ELSE 0 END, "
    f"NULL, {START_MS} FROM n",
    # 50,000 request windows
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
    f"INSERT INTO request_windows (key, started_at, count) SELECT 'logs:ALIM:acct-' || i, {START_MS}, 1 FROM n",
]


def _queries() -> Iterator[tuple[str, Query]]:
    yield "rules of a batch", next(sandbox_rules.rules_of([f"acct-{i}" for i in range(0, 40, 3)]))
    yield "paths with faults", next(sandbox_faults.pending_paths())
    yield "take a fault", next(sandbox_faults.take_fault("acct-7", "POST", "/kakao-alim/1/messages"))
    yield "count a logs request", next(request_windows.count_request("logs:ALIM:acct-7", 60_000, START_MS))


async def test_sandbox_statements_use_their_indexes(gateway: Gateway) -> None:
    for sql in FILL:
        await gateway.db.write(_execute(sql))
    plans = await plans_of(gateway, _queries(), *TABLES)
    shown = "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in plans.items())
    assert len(plans) == 4
    assert not any(SCAN.search(line) for p in plans.values() for line in p), shown
    # SQLite shows no plan for an INSERT ... ON CONFLICT: its conflict is found by the primary key by definition
    assert all(any(INDEX.search(line) for line in p) for p in plans.values() if p), shown
