"""The hop decision: when a hop of a message ends, is that final, or does the message go on to its next hop (SMS
failover) under the same messageId? Pure: the caller says which route a next hop would take, if any."""

from __future__ import annotations

from dataclasses import dataclass

from . import status as st

# Kakao outcomes that concern the recipient or the Kakao platform, after which an SMS could still arrive: not a
# KakaoTalk user, blocked the channel, expired without delivery, template or targeting rejected by Kakao.
FAILOVER_ERRORS = frozenset(
    st.error(name).id
    for name in (
        "EC_UNKNOWN_USER",
        "EC_BLOCKED_USER",
        "EC_VALIDITY_EXPIRED",
        "EC_FORBIDDEN_ACCESS",
        "EC_INVALID_TEMPLATE",
        "EC_INVALID_TEMPLATE_ARGS",
    )
)
_DELIVERED_GROUP = "DELIVERED"


@dataclass(frozen=True, slots=True)
class HopEnd:
    channel: str
    hop: int
    status_id: int
    error_id: int


@dataclass(frozen=True, slots=True)
class Decision:
    next_route: str | None  # None: the outcome is final

    @property
    def final(self) -> bool:
        return self.next_route is None


FINAL = Decision(None)


def after_hop(end: HopEnd, failover_route: str | None) -> Decision:
    """Final unless this was the first (Kakao) hop, it ended undelivered for a reason an SMS can get around, and
    the message has a failover route."""
    if failover_route is None or end.hop > 0:
        return FINAL
    if st.STATUS_BY_ID[end.status_id].group_name == _DELIVERED_GROUP or end.error_id not in FAILOVER_ERRORS:
        return FINAL
    return Decision(failover_route)
