"""When a bulk's last pending message should leave (domain.schedule.finish_estimate), the console's ETA."""

from __future__ import annotations

from kakao_gateway.domain.schedule import finish_estimate

NOW = 1_000_000_000
MINUTE = 60_000


def test_a_paced_bulk_at_its_pace_from_its_next_slot() -> None:
    assert finish_estimate(1, NOW, NOW, (10, "MINUTE"), 0, MINUTE) == NOW
    assert finish_estimate(11, NOW, NOW + MINUTE, (10, "MINUTE"), 0, MINUTE) == NOW + 2 * MINUTE
    assert finish_estimate(3, NOW, None, (1, "HOUR"), 0, MINUTE) == NOW + 2 * 60 * MINUTE


def test_an_unpaced_bulk_at_the_rate_it_went_lately() -> None:
    assert finish_estimate(600, NOW, NOW - 5, None, 300, MINUTE) == NOW + 2 * MINUTE
    assert finish_estimate(600, NOW, NOW - 5, None, 0, MINUTE) is None, "no rate to go by"
    assert finish_estimate(600, NOW, NOW + MINUTE, None, 0, MINUTE) is None, "not started"


def test_nothing_pending_nothing_to_estimate() -> None:
    assert finish_estimate(0, NOW, None, (1, "MINUTE"), 10, MINUTE) is None
