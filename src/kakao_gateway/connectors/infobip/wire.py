"""Bodies Infobip's SMS and Kakao APIs share (spec/infobip-sms-openapi.json, spec/infobip-kakao-openapi.json): the
answers to a send, delivery reports (pushed or polled) and ApiError, as we receive them (lenient: fields we do not
use are ignored, and most of what we use may be missing); and the callbackData we send and get back."""

from __future__ import annotations

import orjson
from pydantic import BaseModel, ConfigDict


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


def webhooks(webhook_url: str, seq: int, hop: int) -> dict[str, object]:
    """A message's `webhooks`: its delivery report to our webhook, naming its row and hop."""
    return {
        "delivery": {"url": webhook_url},
        "contentType": "application/json",
        "callbackData": callback_data(seq, hop),
    }
