"""The hop decision: when the Kakao hop of a message ends undelivered, does the message go on to an SMS hop under
the same messageId? Only for reasons an SMS can get around, and only when it has an SMS hop to go on to.

`store.outcomes.record` applies this set-based in SQL (rows with a next route whose error is in FAILOVER_ERRORS),
so it holds alike for results answered at submit, results that come late, and validity that lapses.
"""

from __future__ import annotations

from . import status as st

# Kakao outcomes that concern the recipient or the Kakao platform, after which an SMS could still arrive: not a
# KakaoTalk user (or, for a targeted Brand message, not a friend), blocked the channel, expired without delivery,
# template or targeting rejected by Kakao. What would stop an SMS too (a bad number, an unknown sender, a duplicate
# messageId, a canceled bulk) is not here.
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
