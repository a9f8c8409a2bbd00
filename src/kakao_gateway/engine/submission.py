"""What a connector receives for a claimed row: channel-neutral, with the audience from the row's send policy."""

from __future__ import annotations

from ..connectors.base import Submission
from ..store.message_rows import Claimed


def submission_of(c: Claimed) -> Submission:
    return Submission(
        c.seq,
        c.account_id,
        c.message_id,
        c.channel,
        c.route,
        c.sender,
        c.destination,
        c.content,
        c.attempts,
        c.first_attempt_at,
        c.policy.audience,
    )
