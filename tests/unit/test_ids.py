"""Time-ordered message ids: the instant comes from the caller, the random bits from an injected source."""

from __future__ import annotations

import os
import re

from hypothesis import given
from hypothesis import strategies as hs

from kakao_gateway.domain.ids import POOL_BYTES, IdSource

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class CountingRandom:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.calls.append(n)
        return os.urandom(n)


@given(hs.integers(min_value=0, max_value=2**48 - 1), hs.integers(min_value=1, max_value=50))
def test_ids_are_uuid7_with_the_given_instant(now_ms: int, count: int) -> None:
    ids = IdSource(CountingRandom()).message_ids(count, now_ms)
    assert len(ids) == count
    for message_id in ids:
        assert UUID7.match(message_id)
        assert int(message_id.replace("-", "")[:12], 16) == now_ms


def test_ids_of_later_instants_sort_later() -> None:
    source = IdSource(CountingRandom())
    assert source.bulk_id(1_700_000_000_000) < source.message_id(1_700_000_000_001)


def test_random_bits_come_from_the_source_in_pooled_draws() -> None:
    random = CountingRandom()
    source = IdSource(random)
    ids = source.message_ids(1000, 0) + source.message_ids(1000, 0)
    assert random.calls == [POOL_BYTES]
    assert len(set(ids)) == len(ids)
    source.message_ids(10_000, 0)  # more than the pool holds: one draw of exactly what it needs
    assert random.calls == [POOL_BYTES, 100_000]
