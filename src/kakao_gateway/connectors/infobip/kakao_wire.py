"""Infobip Kakao API send requests (spec/infobip-kakao-openapi.json): Alim to `POST /kakao-alim/1/messages`
(KakaoAlimRequest), Brand Message to `POST /kakao-chingu/1/messages` (KakaoChinguRequest), Sangdam to
`POST /kakao-sangdam/1/messages` (KakaoSangdamRequest).

Our API is wire-compatible with Infobip's, so a message's stored content (the wire `content` as accepted and
checked) goes as it is. Each row is one message of the request: one destination under our messageId, our report
webhook, and callbackData naming the row and hop. What the gateway does itself is not passed on: scheduling, delivery
windows, validity (the engine keeps the hop's validity and expires it), SMS failover (our own SMS hop) and the
client's webhooks and callbackData (ours go to Infobip; the client's get our reports).

Infobip pushes Sangdam users' messages as a KakaoSangdamInboundResponse (`InboundMessages`, read leniently: fields we
do not keep are ignored).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...domain.sangdam import EXPIRED_SESSION, MEDIA_TYPES, USER_TYPES
from ..base import Submission
from .client import Endpoint
from .wire import webhooks

ALIM = Endpoint("/kakao-alim/1/messages", "/kakao-alim/1/reports")
BRAND = Endpoint("/kakao-chingu/1/messages", "/kakao-chingu/1/reports")
SANGDAM = Endpoint("/kakao-sangdam/1/messages", "/kakao-sangdam/1/reports")
ENDPOINTS = {"ALIM": ALIM, "BRAND": BRAND, "SANGDAM": SANGDAM}


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


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class InboundContent(_Inbound):
    """What a user wrote (KakaoSangdamInboundContent): TEXT, a media type with its URL, or EXPIRED_SESSION."""

    type: str
    text: Annotated[str, Field(max_length=4000)] | None = None
    url: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    urlsDetails: list[dict[str, Any]] | None = None
    sentAt: str | None = None
    attachmentUrl: str | None = None
    extra: str | None = None
    sessionId: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> InboundContent:
        if self.type == "TEXT" and self.text is None:
            raise ValueError("a TEXT message needs its text")
        if self.type in MEDIA_TYPES and self.url is None:
            raise ValueError(f"an {self.type} message needs its url")
        if self.type not in (*USER_TYPES, EXPIRED_SESSION):
            raise ValueError(f"unknown message type {self.type!r}")
        return self


class InboundMessage(_Inbound):
    """One InboundMessageKakaoSangdamInboundContent: `sender` is the user key, `to` the channel written to."""

    sender: Annotated[str, Field(min_length=1, max_length=100)]
    to: Annotated[str, Field(min_length=1, max_length=100)]
    messageId: Annotated[str, Field(min_length=1, max_length=200)]
    message: InboundContent
    pairedMessageId: Annotated[str, Field(max_length=200)] | None = None
    callbackData: Annotated[str, Field(max_length=4000)] | None = None


class InboundMessages(_Inbound):
    """A KakaoSangdamInboundResponse, as Infobip pushes it to the business's inbound URL."""

    results: list[InboundMessage] = []
