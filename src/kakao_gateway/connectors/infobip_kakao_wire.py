"""Infobip Kakao API send requests (spec/infobip-kakao-openapi.json): Alim to `POST /kakao-alim/1/messages`
(KakaoAlimRequest), Brand Message to `POST /kakao-chingu/1/messages` (KakaoChinguRequest).

Our API is wire-compatible with Infobip's, so a message's stored content (the wire `content` as accepted and
checked) goes as it is. Each row is one message of the request: one destination under our messageId, our report
webhook, and callbackData naming the row and hop. What the gateway does itself is not passed on: scheduling, delivery
windows, validity (the engine keeps the hop's validity and expires it), SMS failover (our own SMS hop) and the
client's webhooks and callbackData (ours go to Infobip; the client's get our reports).
"""

from __future__ import annotations

from typing import Any

import orjson

from .base import Submission
from .infobip_http import Endpoint
from .infobip_wire import webhooks

ALIM = Endpoint("/kakao-alim/1/messages", "/kakao-alim/1/reports")
BRAND = Endpoint("/kakao-chingu/1/messages", "/kakao-chingu/1/reports")
ENDPOINTS = {"ALIM": ALIM, "BRAND": BRAND}


def message(s: Submission, webhook_url: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sender": s.sender,
        "destinations": [{"to": s.destination, "messageId": s.message_id}],
        "content": s.content,
        "webhooks": webhooks(webhook_url, s.seq, s.hop),
    }
    if s.channel == "BRAND" and s.audience is not None:
        body["options"] = {"targeting": s.audience}
    return body


def send_request(batch: list[Submission], webhook_url: str) -> bytes:
    return orjson.dumps({"messages": [message(s, webhook_url) for s in batch]})
