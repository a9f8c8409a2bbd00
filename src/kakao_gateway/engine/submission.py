"""What a connector receives for a claimed row: channel-neutral, with the audience from the row's send policy.

The Kakao hop (hop 0) goes as accepted. The SMS failover hop goes as channel "SMS": the failover's text (SMS or
LMS), its sender (the account's default filled in at accept) and the phone number (for a Sangdam user key, its
`destinationMatching` match).
"""

from __future__ import annotations

from ..connectors.base import Submission
from ..domain.channels import CHANNELS
from ..store.message_rows import Claimed

SMS = "SMS"


def submission_of(c: Claimed) -> Submission:
    policy = c.policy
    if c.hop > 0 and policy.failover is not None:
        failover = policy.failover
        return Submission(
            c.seq,
            c.account_id,
            c.message_id,
            SMS,
            c.route,
            failover.sender or c.sender,
            failover.destination_for(c.destination, CHANNELS[c.channel].destination == "user_key") or c.destination,
            failover.sms.to_content(),
            c.attempts,
            c.first_attempt_at,
            hop=c.hop,
        )
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
        policy.audience,
        hop=c.hop,
    )
