"""Infobip SMS API bodies (spec/infobip-sms-openapi.json): the send request we build. What we receive is shared with
the Kakao API (infobip_wire)."""

from __future__ import annotations

from typing import Any

import orjson

from ..base import Submission
from .wire import webhooks

SEND_PATH = "/sms/3/messages"
REPORTS_PATH = "/sms/3/reports"


def message(s: Submission, webhook_url: str) -> dict[str, Any]:
    """One SMS of a send request: one destination under our messageId, the report webhook, and the LMS title."""
    body: dict[str, Any] = {
        "sender": s.sender,
        "destinations": [{"to": s.destination, "messageId": s.message_id}],
        "content": {"text": s.content["text"]},
        "webhooks": webhooks(webhook_url, s.seq, s.hop),
    }
    title = s.content.get("title")
    if s.content.get("format") == "LMS" and title:
        body["options"] = {"regional": {"southKorea": {"title": title}}}
    return body


def send_request(batch: list[Submission], webhook_url: str) -> bytes:
    return orjson.dumps({"messages": [message(s, webhook_url) for s in batch]})
