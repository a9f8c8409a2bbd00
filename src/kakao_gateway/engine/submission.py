"""What a connector receives for a claimed row: channel-neutral, with the audience decoded from the options."""

from __future__ import annotations

import json
from functools import lru_cache

from ..connectors.base import Submission
from ..store.message_rows import Claimed


@lru_cache(maxsize=4096)
def _audience(options: str | None) -> str | None:
    return json.loads(options).get("targeting") if options else None


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
        _audience(c.options),
    )
