"""What makes each Kakao channel a channel: the status an accepted destination answers with, what a destination
is, and the route its first hop takes. Adding a channel (Sangdam) is adding an entry here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from .korean_numbers import with_hint
from .phone import is_valid_destination
from .status import Status

KAKAO_SANDBOX = "KAKAO_SANDBOX"  # the sandbox Kakao upstream's route
_USER_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")

# (status name, error name) of a destination refused before it is queued
MISSING_TO = ("MISSING_TO", "EC_INVALID_DESTINATION_ADDRESS")
BAD_DESTINATION = ("REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS")


@dataclass(frozen=True, slots=True)
class Channel:
    name: str  # the report family: logs, pulls and subscriptions are per channel
    accepted_status: str  # what an accepted destination answers with
    destination: Literal["phone", "user_key"]  # a phone number, or the Kakao user key of someone who wrote in
    route: str  # the route of the first (Kakao) hop

    def destination_problem(self, to: str | None) -> tuple[str, str] | None:
        if not to:
            return MISSING_TO
        valid = is_valid_destination(to) if self.destination == "phone" else _USER_KEY.fullmatch(to) is not None
        return None if valid else BAD_DESTINATION


CHANNELS = {
    "ALIM": Channel("ALIM", "PENDING_ENROUTE", "phone", KAKAO_SANDBOX),
    "BRAND": Channel("BRAND", "PENDING_ENROUTE", "phone", KAKAO_SANDBOX),
    "SANGDAM": Channel("SANGDAM", "PENDING_ACCEPTED", "user_key", KAKAO_SANDBOX),
}


def status_wire(status: Status, to: str, channel: str) -> dict[str, Any]:
    """`status.wire()` of a message to `to`; a REJECTED_DESTINATION's description also names the international
    number a local form (`010-1234-5678`) was meant as, on the channels whose destinations are phone numbers."""
    if status.name != BAD_DESTINATION[0] or channel not in CHANNELS or CHANNELS[channel].destination != "phone":
        return status.wire()
    return {**status.wire(), "description": with_hint(status.description, to)}
