"""Infobip statuses (SMS and Kakao alike) as results of ours: a report (pushed or polled) or a per-message send answer.

Infobip's status groups map onto the catalogue's: DELIVERED, UNDELIVERABLE, EXPIRED and REJECTED end the message
(keeping Infobip's status and error names when the catalogue has them in the same group, a generic one of that group
otherwise); ACCEPTED and PENDING say nothing final, so they are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...domain import status as st
from ..base import LateResult
from .wire import DeliveryReport, MessageError, MessageStatus, parse_callback_data

# group -> (status when Infobip's name is not in the catalogue, error when Infobip's is not)
_FINAL_GROUPS = {
    "DELIVERED": ("DELIVERED_TO_HANDSET", "NO_ERROR"),
    "UNDELIVERABLE": ("UNDELIVERABLE_NOT_DELIVERED", "EC_PROVIDER_DR_ERROR"),
    "EXPIRED": ("EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED"),
    "REJECTED": ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_PROVIDER_DR_ERROR"),
}


@dataclass(frozen=True, slots=True)
class Final:
    status: str
    error: str


def final_of(status: MessageStatus, error: MessageError | None) -> Final | None:
    """The final status and error an Infobip status means, or None when it is not final (or not known)."""
    fallback = _FINAL_GROUPS.get(status.groupName)
    if fallback is None:
        return None
    known = st.STATUSES.get(status.name or "")
    status_name = known.name if known is not None and known.group_name == status.groupName else fallback[0]
    error_name = error.name if error is not None and error.name in st.ERRORS else fallback[1]
    return Final(status_name, error_name or fallback[1])


def late_result(report: DeliveryReport, hop_of: dict[str, tuple[int, int]] | None = None) -> LateResult | None:
    """The result a delivery report gives, for the row its callbackData names (or, failing that, the row `hop_of`
    knows its messageId for); None when it is not final or names no row of ours."""
    final = final_of(report.status, report.error)
    if final is None:
        return None
    row = parse_callback_data(report.callbackData)
    if row is None and hop_of is not None and report.messageId is not None:
        row = hop_of.get(report.messageId)
    if row is None:
        return None
    seq, hop = row
    return LateResult(seq, "final", final.status, final.error, hop)
