"""Kakao Sangdam wire models: `KakaoSangdamRequest` (`POST /kakao-sangdam/1/messages`) and its parts, and the
bodies of the Sangdam extensions and sandbox endpoints."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, Strict

from ..domain.sangdam import MAX_TIMEOUT_MINUTES
from .common import (
    BoundedMessages,
    DeliveryTimeWindow,
    NonMsisdnSmsFailover,
    Platform,
    RequestSchedulingSettings,
    ToDestination,
    ValidityPeriod,
    Webhooks,
    Wire,
)

_EVENT = re.compile(r"[A-Za-z0-9_]{1,100}")
_USER_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")

Name = Annotated[str, Field(max_length=28)]
Extra = Annotated[str, Field(max_length=100)]
Text = Annotated[str, Field(max_length=1000)]


def _event(value: str) -> str:
    if not _EVENT.fullmatch(value):
        raise ValueError("must be 1 to 100 characters of A-Z, a-z, 0-9 and _")
    return value


def _user_key(value: str) -> str:
    if not _USER_KEY.fullmatch(value):
        raise ValueError("must be a Kakao user key: 1 to 100 characters of A-Z, a-z, 0-9, _ and -")
    return value


class OpenUrlButton(Wire):
    type: Literal["OPEN_URL"]
    name: Name
    urlMobile: str
    urlPc: str


class OpenApplicationButton(Wire):
    type: Literal["OPEN_APPLICATION"]
    name: Name
    schemeAndroid: str
    schemeIos: str
    fallbackUrlMobile: str | None = None
    fallbackUrlPc: str | None = None


class ChatbotSwitchButton(Wire):
    type: Literal["CHATBOT_SWITCH"]
    name: Name
    event: Annotated[str, AfterValidator(_event)] | None = None


class ReplyButton(Wire):
    type: Literal["REPLY"]
    name: Name
    extra: Extra | None = None


class ReplyWithTextButton(Wire):
    type: Literal["REPLY_WITH_TEXT"]
    name: Name
    extra: Extra | None = None


SangdamButton = Annotated[
    OpenUrlButton | OpenApplicationButton | ChatbotSwitchButton | ReplyButton | ReplyWithTextButton,
    Field(discriminator="type"),
]


class TextContent(Wire):
    type: Literal["TEXT"]
    text: Text


class ImageContent(Wire):
    type: Literal["IMAGE"]
    url: Annotated[str, Field(max_length=1000)]


class ButtonListContent(Wire):
    type: Literal["BUTTON_LIST"]
    text: Text
    buttons: Annotated[list[SangdamButton], Field(min_length=1, max_length=5)]


class TerminateSessionContent(Wire):
    type: Literal["TERMINATE_SESSION"]


SangdamContent = Annotated[
    TextContent | ImageContent | ButtonListContent | TerminateSessionContent, Field(discriminator="type")
]


class SangdamMessageOptions(Wire):
    platform: Platform | None = None
    validityPeriod: ValidityPeriod | None = None
    deliveryTimeWindow: DeliveryTimeWindow | None = None
    campaignReferenceId: Annotated[str, Field(max_length=255)] | None = None
    smsFailover: NonMsisdnSmsFailover | None = None


class SangdamMessage(Wire):
    sender: str
    destinations: Annotated[list[ToDestination], Field(min_length=1)]
    content: SangdamContent
    options: SangdamMessageOptions | None = None
    webhooks: Webhooks | None = None


class SangdamRequestOptions(Wire):
    schedule: RequestSchedulingSettings | None = None


class SangdamRequest(Wire):
    messages: Annotated[list[SangdamMessage], BoundedMessages, Field(min_length=1)]
    options: SangdamRequestOptions | None = None


# --- extensions -------------------------------------------------------------------------------------------------


class SangdamSettings(Wire):
    sessionTimeoutMinutes: Annotated[int, Strict(), Field(ge=1, le=MAX_TIMEOUT_MINUTES)]


class Keywords(Wire):
    keywords: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=1000)]


# --- sandbox users ----------------------------------------------------------------------------------------------

UserKey = Annotated[str, AfterValidator(_user_key)]
MediaUrl = Annotated[str, Field(min_length=1, max_length=1000)]


class UserText(Wire):
    type: Literal["TEXT"]
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class UserMedia(Wire):
    type: Literal["IMAGE", "FILE", "AUDIO", "VIDEO"]
    url: MediaUrl


class UserWrites(Wire):
    userKey: UserKey
    to: Annotated[str, Field(min_length=1, max_length=100)]
    message: Annotated[UserText | UserMedia, Field(discriminator="type")]


class UserReplies(Wire):
    userKey: UserKey
    messageId: Annotated[str, Field(min_length=1, max_length=200)]
    button: Annotated[str, Field(min_length=1, max_length=28)]
    text: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
