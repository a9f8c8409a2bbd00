"""Delivery reports and log entries in Infobip's wire shape, and their XML form for webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from .channels import status_wire
from .status import ERROR_BY_ID, STATUS_BY_ID
from .times import format_ms

PRICE = {"pricePerMessage": 0, "currency": "KRW"}


# The extension field `channel`: which channel ended (or is carrying) a message.
KAKAO_CHANNEL = {"ALIM": "KAKAO_ALIM", "BRAND": "KAKAO_BRAND", "SANGDAM": "KAKAO_SANGDAM"}
SMS_CHANNEL = "SMS"


@dataclass(frozen=True, slots=True)
class PriorHop:
    """How the Kakao hop of a message ended, once it went on to SMS."""

    status_id: int
    error_id: int
    done_at: int | None

    def wire(self) -> dict[str, Any]:
        failover: dict[str, Any] = {
            "status": STATUS_BY_ID[self.status_id].wire(),
            "error": ERROR_BY_ID[self.error_id].wire(),
        }
        if self.done_at is not None:
            failover["doneAt"] = format_ms(self.done_at)
        return failover


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What a report or a log entry says about one message."""

    message_id: str
    bulk_id: str
    sender: str
    destination: str
    sent_at: int
    done_at: int | None
    status_id: int
    error_id: int
    callback_data: str | None = None
    entity_id: str | None = None
    application_id: str | None = None
    campaign_ref: str | None = None
    channel: str = "ALIM"  # the Kakao product of the message
    prior: PriorHop | None = None  # set when an SMS hop ran: how the Kakao hop ended

    @property
    def channel_wire(self) -> str:
        return SMS_CHANNEL if self.prior is not None else KAKAO_CHANNEL.get(self.channel, self.channel)

    def extensions(self) -> dict[str, Any]:
        """Our extension fields: `channel`, and `failover` once an SMS hop ran."""
        extra: dict[str, Any] = {"channel": self.channel_wire}
        if self.prior is not None:
            extra["failover"] = self.prior.wire()
        return extra


def _platform(facts: MessageFacts) -> dict[str, str] | None:
    if facts.entity_id is None and facts.application_id is None:
        return None
    platform = {}
    if facts.entity_id is not None:
        platform["entityId"] = facts.entity_id
    if facts.application_id is not None:
        platform["applicationId"] = facts.application_id
    return platform


def delivery_report(facts: MessageFacts) -> dict[str, Any]:
    report: dict[str, Any] = {
        "bulkId": facts.bulk_id,
        "price": PRICE,
        "status": status_wire(STATUS_BY_ID[facts.status_id], facts.destination, facts.channel),
        "error": ERROR_BY_ID[facts.error_id].wire(),
        "messageId": facts.message_id,
        "to": facts.destination,
        "sender": facts.sender,
        "sentAt": format_ms(facts.sent_at),
        "doneAt": format_ms(facts.done_at if facts.done_at is not None else facts.sent_at),
        "messageCount": 1,
    }
    if facts.callback_data is not None:
        report["callbackData"] = facts.callback_data
    platform = _platform(facts)
    if platform is not None:
        report["platform"] = platform
    if facts.campaign_ref is not None:
        report["campaignReferenceId"] = facts.campaign_ref
    report.update(facts.extensions())
    return report


def log_entry(facts: MessageFacts, content: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "sender": facts.sender,
        "destination": facts.destination,
        "bulkId": facts.bulk_id,
        "messageId": facts.message_id,
        "sentAt": format_ms(facts.sent_at),
        "messageCount": 1,
        "price": PRICE,
        "status": status_wire(STATUS_BY_ID[facts.status_id], facts.destination, facts.channel),
        "error": ERROR_BY_ID[facts.error_id].wire(),
        "content": content,
    }
    if facts.done_at is not None:
        entry["doneAt"] = format_ms(facts.done_at)
    platform = _platform(facts)
    if platform is not None:
        entry["platform"] = platform
    if facts.campaign_ref is not None:
        entry["campaignReferenceId"] = facts.campaign_ref
    entry.update(facts.extensions())
    return entry


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(child, key, inner)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def reports_xml(reports: list[dict[str, Any]]) -> bytes:
    """`<DeliveryReports><results><result>…</result></results></DeliveryReports>`, as Infobip pushes it."""
    root = ET.Element("DeliveryReports")
    results = ET.SubElement(root, "results")
    for report in reports:
        result = ET.SubElement(results, "result")
        for key, value in report.items():
            _append(result, key, value)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml
