"""The one catalogue of Infobip message statuses and error codes (spec digest §4).

Everything that reports a status or an error takes it from here, by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

STATUS_GROUPS = {0: "ACCEPTED", 1: "PENDING", 2: "UNDELIVERABLE", 3: "DELIVERED", 4: "EXPIRED", 5: "REJECTED"}
ERROR_GROUPS = {0: "OK", 1: "HANDSET_ERRORS", 2: "USER_ERRORS", 3: "OPERATOR_ERRORS"}


@dataclass(frozen=True, slots=True)
class Status:
    group_id: int
    id: int
    name: str
    description: str

    @property
    def group_name(self) -> str:
        return STATUS_GROUPS[self.group_id]

    @property
    def final(self) -> bool:
        return self.group_id not in (0, 1)

    def wire(self) -> dict[str, Any]:
        """The wire object; shared, so callers must not change it."""
        return _status_wire(self)


@dataclass(frozen=True, slots=True)
class Error:
    group_id: int
    id: int
    name: str
    description: str
    permanent: bool

    @property
    def group_name(self) -> str:
        return ERROR_GROUPS[self.group_id]

    def wire(self) -> dict[str, Any]:
        """The wire object; shared, so callers must not change it."""
        return _error_wire(self)


@cache
def _error_wire(e: Error) -> dict[str, Any]:
    return {
        "groupId": e.group_id,
        "groupName": e.group_name,
        "id": e.id,
        "name": e.name,
        "description": e.description,
        "permanent": e.permanent,
    }


@cache
def _status_wire(s: Status) -> dict[str, Any]:
    return {"groupId": s.group_id, "groupName": s.group_name, "id": s.id, "name": s.name, "description": s.description}


_STATUSES = [
    Status(0, 0, "MESSAGE_ACCEPTED", "Message accepted"),
    Status(1, 1, "PENDING_TIME_VIOLATION", "Time window violation"),
    Status(1, 3, "PENDING_WAITING_DELIVERY", "Message sent, waiting for delivery report"),
    Status(1, 7, "PENDING_ENROUTE", "Message sent to next instance"),
    Status(1, 26, "PENDING_ACCEPTED", "Message sent to next instance"),
    Status(2, 4, "UNDELIVERABLE_REJECTED_OPERATOR", "Message rejected by operator"),
    Status(2, 9, "UNDELIVERABLE_NOT_DELIVERED", "Message sent not delivered"),
    Status(2, 31, "UNDELIVERABLE_NOT_SENT", "Message not sent"),
    Status(3, 2, "DELIVERED_TO_OPERATOR", "Message delivered to operator"),
    Status(3, 5, "DELIVERED_TO_HANDSET", "Message delivered to handset"),
    Status(4, 15, "EXPIRED_EXPIRED", "Message expired"),
    Status(4, 29, "EXPIRED_DLR_UNKNOWN", "Message expired, delivery status unknown"),
    Status(4, 22, "EXPIRED_UNKNOWN", "Unknown Reason"),
    Status(5, 6, "REJECTED_NETWORK", "Network is forbidden"),
    Status(5, 8, "REJECTED_PREFIX_MISSING", "Number prefix missing"),
    Status(5, 10, "REJECTED_DND", "Destination on DND list"),
    Status(5, 11, "REJECTED_SOURCE", "Sender not registered on the account"),
    Status(5, 12, "REJECTED_NOT_ENOUGH_CREDITS", "Not enough credits"),
    Status(5, 13, "REJECTED_SENDER", "Sender blocklisted"),
    Status(5, 14, "REJECTED_DESTINATION_BLOCKLISTED", "Destination blocklisted"),
    Status(5, 18, "REJECTED_DESTINATION_NOT_REGISTERED", "Destination not registered"),
    Status(5, 19, "REJECTED_ROUTE_NOT_AVAILABLE", "Route not available"),
    Status(5, 20, "REJECTED_FLOODING_FILTER", "Rejected by flooding filter"),
    Status(5, 21, "REJECTED_SYSTEM_ERROR", "System error"),
    Status(5, 23, "REJECTED_DUPLICATE_MESSAGE_ID", "Duplicate message ID"),
    Status(5, 25, "REJECTED_MESSAGE_TOO_LONG", "Message too long"),
    Status(5, 51, "MISSING_TO", "Destination missing"),
    Status(5, 52, "REJECTED_DESTINATION", "Invalid destination address"),
    Status(5, 100, "UNDELIVERABLE_REJECTED_PLATFORM", "Rejected by platform: request invalid"),
]

_ERRORS = [
    Error(0, 0, "NO_ERROR", "No Error", False),
    Error(1, 1, "EC_UNKNOWN_SUBSCRIBER", "Unknown subscriber", True),
    Error(1, 27, "EC_ABSENT_SUBSCRIBER", "Absent subscriber: the phone is unreachable", False),
    Error(1, 34, "EC_SYSTEM_FAILURE", "System failure", False),
    Error(2, 351, "EC_INVALID_DESTINATION_ADDRESS", "Invalid destination address", False),
    Error(2, 368, "EC_INVALID_SOURCE_ADDRESS", "Invalid source address", True),
    Error(2, 4100, "EC_MESSAGE_CANCELED", "Message canceled: not sent within its validity period", True),
    Error(2, 4101, "EC_VALIDITY_EXPIRED", "Message sent but not delivered within its validity period", True),
    Error(1, 7001, "EC_UNKNOWN_APPLICATION", "Unknown application", True),
    Error(1, 7002, "EC_UNKNOWN_USER", "The destination is not a user of the channel", True),
    Error(1, 7003, "EC_BLOCKED_USER", "The user blocked the channel or opted out", True),
    Error(1, 7004, "EC_UNAUTHORIZED_ACCESS", "Unauthorized access", True),
    Error(1, 7005, "EC_FORBIDDEN_ACCESS", "Forbidden access", True),
    Error(1, 7006, "EC_BAD_REQUEST", "Bad request", True),
    Error(1, 7007, "EC_ILLEGAL_TRAFFIC_TYPE", "Content does not fit the sender's traffic type", True),
    Error(1, 7008, "EC_INVALID_TEMPLATE_ARGS", "Message does not match the template's arguments", True),
    Error(1, 7009, "EC_INVALID_TEMPLATE", "Template not found or not approved", True),
    Error(1, 7010, "EC_NO_SESSION", "No open session with the user", True),
    Error(1, 7017, "EC_TOO_MANY_REQUESTS", "Too many requests", False),
    Error(1, 7024, "EC_NOT_ALLOWED_SENDING_TIME", "Sending is not allowed at this time", False),
    Error(2, 7050, "EC_PROVIDER_INTERNAL_ERROR", "Upstream provider internal error", False),
    Error(2, 7051, "EC_PROVIDER_TIMEOUT", "Upstream provider did not answer in time", False),
    Error(2, 7052, "EC_PROVIDER_DR_ERROR", "Upstream provider delivery report error", True),
    Error(3, 7080, "EC_INTERNAL_ERROR", "Internal error", True),
    Error(3, 7081, "EC_CONFIGURATION_ERROR", "Sender not configured or registered", True),
    Error(3, 7280, "EC_DUPLICATE_REQUEST", "Duplicate request", True),
]

STATUSES: dict[str, Status] = {s.name: s for s in _STATUSES}
ERRORS: dict[str, Error] = {e.name: e for e in _ERRORS}
STATUS_BY_ID: dict[int, Status] = {s.id: s for s in _STATUSES}
ERROR_BY_ID: dict[int, Error] = {e.id: e for e in _ERRORS}


def status(name: str) -> Status:
    return STATUSES[name]


def error(name: str) -> Error:
    return ERRORS[name]


def status_ids_in_group(group_name: str) -> list[int]:
    return [s.id for s in _STATUSES if s.group_name == group_name]
