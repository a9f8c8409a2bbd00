"""Infobip SMS API bodies (spec/infobip-sms-openapi.json): the send request we build, and the answers and delivery
reports we receive (lenient: fields we do not use are ignored, and most of what we use may be missing)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from .base import Submission

SEND_PATH = "/sms/3/messages"
REPORTS_PATH = "/sms/3/reports"


class _Received(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MessageStatus(_Received):
    groupName: str
    name: str | None = None


class MessageError(_Received):
    name: str | None = None


class DeliveryReport(_Received):
    messageId: str | None = None
    callbackData: str | None = None
    status: MessageStatus
    error: MessageError | None = None
    doneAt: str | None = None


class DeliveryReports(_Received):
    results: list[DeliveryReport] = []


class SentMessage(_Received):
    messageId: str | None = None
    status: MessageStatus | None = None


class SendResponse(_Received):
    messages: list[SentMessage] = []


class Violation(_Received):
    property: str | None = None
    violation: str | None = None


class ApiError(_Received):
    errorCode: str | None = None
    description: str | None = None
    violations: list[Violation] = []


def callback_data(seq: int, hop: int) -> str:
    """What the upstream echoes in each delivery report: the row and hop it answers."""
    return orjson.dumps({"seq": seq, "hop": hop}).decode()


def parse_callback_data(data: str | None) -> tuple[int, int] | None:
    """(seq, hop) from callbackData of ours, or None when it is not ours."""
    if not data:
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    seq, hop = value.get("seq"), value.get("hop")
    if type(seq) is not int or type(hop) is not int or seq < 1 or hop < 0:
        return None
    return seq, hop


def message(s: Submission, webhook_url: str) -> dict[str, Any]:
    """One SMS of a send request: one destination under our messageId, the report webhook, and the LMS title."""
    body: dict[str, Any] = {
        "sender": s.sender,
        "destinations": [{"to": s.destination, "messageId": s.message_id}],
        "content": {"text": s.content["text"]},
        "webhooks": {
            "delivery": {"url": webhook_url},
            "contentType": "application/json",
            "callbackData": callback_data(s.seq, s.hop),
        },
    }
    title = s.content.get("title")
    if s.content.get("format") == "LMS" and title:
        body["options"] = {"regional": {"southKorea": {"title": title}}}
    return body


def send_request(batch: list[Submission], webhook_url: str) -> bytes:
    return orjson.dumps({"messages": [message(s, webhook_url) for s in batch]})
