"""Per-channel rules: what an accepted destination answers and what a destination is."""

from __future__ import annotations

import pytest

from kakao_gateway.domain.channels import BAD_DESTINATION, CHANNELS, MISSING_TO


@pytest.mark.parametrize(
    ("channel", "to", "problem"),
    [
        ("ALIM", "821012345678", None),
        ("ALIM", "user_key-1", BAD_DESTINATION),
        ("BRAND", "", MISSING_TO),
        ("SANGDAM", "Abc_def-123", None),
        ("SANGDAM", "821012345678", None),
        ("SANGDAM", "a" * 101, BAD_DESTINATION),
        ("SANGDAM", "user key", BAD_DESTINATION),
        ("SANGDAM", None, MISSING_TO),
    ],
)
def test_destinations_per_channel(channel: str, to: str | None, problem: tuple[str, str] | None) -> None:
    assert CHANNELS[channel].destination_problem(to) == problem


def test_accepted_statuses() -> None:
    assert {name: c.accepted_status for name, c in CHANNELS.items()} == {
        "ALIM": "PENDING_ENROUTE",
        "BRAND": "PENDING_ENROUTE",
        "SANGDAM": "PENDING_ACCEPTED",
    }
