"""What the SMSC says, in the catalogue's words: submit_sm_resp command_status and delivery receipt states.

Temporary: ESME_RTHROTTLED and ESME_RMSGQFUL (the SMSC is busy: the connector pauses its submits too), and
ESME_RSYSERR and ESME_RX_T_APPN (the SMSC's own trouble, not the message's; retried as most ESMEs do). Any
other error rejects the message for good.
"""

from __future__ import annotations

from ...domain.status import ERROR_BY_ID
from ..base import SubmitResult

ESME_ROK = 0x00
ESME_RINVMSGLEN = 0x01
ESME_RSYSERR = 0x08
ESME_RINVSRCADR = 0x0A
ESME_RINVDSTADR = 0x0B
ESME_RMSGQFUL = 0x14
ESME_RINVDSTTON = 0x50
ESME_RINVDSTNPI = 0x51
ESME_RTHROTTLED = 0x58
ESME_RX_T_APPN = 0x64

THROTTLING = frozenset({ESME_RTHROTTLED, ESME_RMSGQFUL})
SMSC_TROUBLE = frozenset({ESME_RSYSERR, ESME_RX_T_APPN})

TOO_MANY_REQUESTS = SubmitResult("temporary", "PENDING_ENROUTE", "EC_TOO_MANY_REQUESTS")
PROVIDER_ERROR = SubmitResult("temporary", "PENDING_ENROUTE", "EC_PROVIDER_INTERNAL_ERROR")
PROVIDER_TIMEOUT = SubmitResult("temporary", "PENDING_ENROUTE", "EC_PROVIDER_TIMEOUT")
ACCEPTED = SubmitResult("accepted", "PENDING_WAITING_DELIVERY", "NO_ERROR")

_REJECTIONS = {
    ESME_RINVMSGLEN: SubmitResult("final", "REJECTED_MESSAGE_TOO_LONG", "EC_BAD_REQUEST"),
    ESME_RINVSRCADR: SubmitResult("final", "REJECTED_SOURCE", "EC_INVALID_SOURCE_ADDRESS"),
    ESME_RINVDSTADR: SubmitResult("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS"),
    ESME_RINVDSTTON: SubmitResult("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS"),
    ESME_RINVDSTNPI: SubmitResult("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS"),
}
REJECTED = SubmitResult("final", "UNDELIVERABLE_REJECTED_OPERATOR", "EC_BAD_REQUEST")


def submit_result(command_status: int) -> SubmitResult:
    """The result of a submit_sm_resp with this command_status."""
    if command_status == ESME_ROK:
        return ACCEPTED
    if command_status in THROTTLING:
        return TOO_MANY_REQUESTS
    if command_status in SMSC_TROUBLE:
        return PROVIDER_ERROR
    return _REJECTIONS.get(command_status, REJECTED)


# message_state TLV values (SMPP 3.4 section 5.2.28), as the receipt text's stat names them
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_STAT_ALIASES = {"DELIVERED": "DELIVRD", "UNDELIVERABLE": "UNDELIV", "REJECTED": "REJECTD", "ACCEPTED": "ACCEPTD"}
# Network errors a receipt's err may carry that the catalogue knows (GSM MAP codes, as its ids are)
_HANDSET_ERRORS = frozenset({1, 27, 34})


def normalize_stat(stat: str) -> str:
    stat = stat.strip().upper()
    return _STAT_ALIASES.get(stat, stat)


def receipt_outcome(stat: str, err: str) -> tuple[str, str] | None:
    """(status, error) for a receipt's final state; None for a state that is not final (ENROUTE, ACCEPTD)."""
    match normalize_stat(stat):
        case "DELIVRD":
            return "DELIVERED_TO_HANDSET", "NO_ERROR"
        case "EXPIRED":
            return "EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED"
        case "UNDELIV":
            return "UNDELIVERABLE_NOT_DELIVERED", _handset_error(err)
        case "REJECTD":
            return "UNDELIVERABLE_REJECTED_OPERATOR", _handset_error(err)
        case "DELETED":
            return "UNDELIVERABLE_NOT_DELIVERED", "EC_MESSAGE_CANCELED"
        case "UNKNOWN":
            return "EXPIRED_UNKNOWN", "EC_PROVIDER_DR_ERROR"
        case _:
            return None


def _handset_error(err: str) -> str:
    code = int(err) if err.isdigit() else -1
    return ERROR_BY_ID[code].name if code in _HANDSET_ERRORS else "EC_PROVIDER_DR_ERROR"
