"""The statements of failover between upstreams find their rows by an index on a filled `message_queue` table: moving
claimed rows to another route (primary key) and making the rows waiting on an unhealthy route's retry ladder due now
(the claim index's due range of each priority, never the whole queue)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kakao_gateway.app import Gateway
from kakao_gateway.store import reroute
from kakao_gateway.store.sql import Query

from .conftest import START_MS
from .test_query_plans import filled, plans_of  # noqa: F401 (filled: the fixture)

SCAN = re.compile(r"^SCAN message_queue$|Seq Scan on message_queue")
INDEX = re.compile(
    r"ix_message_queue_claim|message_queue_pkey|INTEGER PRIMARY KEY|USING PRIMARY KEY|ix_message_queue_fair"
)


def _queries() -> Iterator[tuple[str, Query]]:
    yield "move claimed rows", next(reroute.set_route(list(range(1, 200)), "owner", "KAKAO:x:y:z"))
    yield "hurry the waiting", next(reroute.hurry_waiting("KAKAO:x:y:z", (5003,), START_MS, 10_000))


async def test_failover_statements_use_their_indexes(filled: Gateway) -> None:  # noqa: F811
    plans = await plans_of(filled, _queries(), "message_queue")
    shown = "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in plans.items())
    assert len(plans) == 2
    assert not any(SCAN.search(line) for p in plans.values() for line in p), shown
    assert all(any(INDEX.search(line) for line in p) for p in plans.values()), shown
