"""Kakao Alim wire models: `KakaoAlimRequest` and its parts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import (
    AppLinkRule,
    BoundedMessages,
    DefaultSmsFailover,
    DeliveryTimeWindow,
    Platform,
    RequestSchedulingSettings,
    ToDestination,
    ValidityPeriod,
    Webhooks,
    Wire,
)

Name = Annotated[str, Field(max_length=28)]
Url500 = Annotated[str, Field(min_length=1, max_length=500)]


class UrlButton(Wire):
    type: Literal["URL"]
    name: Name
    urlMobile: Annotated[str, Field(max_length=500)]
    urlPc: Url500 | None = None
    target: Annotated[str, Field(max_length=3)] | None = None


class AppLinkButton(AppLinkRule):
    type: Literal["APP_LINK"]
    name: Name
    schemeAndroid: Url500 | None = None
    schemeIos: Url500 | None = None
    urlMobile: Url500 | None = None
    urlPc: Url500 | None = None


class DeliveryTrackingButton(Wire):
    type: Literal["DELIVERY_TRACKING"]
    name: Name


class BotKeywordButton(Wire):
    type: Literal["BOT_KEYWORD"]
    name: Name


class MessageDeliveryButton(Wire):
    type: Literal["MESSAGE_DELIVERY"]
    name: Name


class ChatbotSwitchButton(Wire):
    type: Literal["CHATBOT_SWITCH"]
    name: Name
    chatExtra: Annotated[str, Field(max_length=50)] | None = None
    chatEvent: Annotated[str, Field(max_length=50)] | None = None


class AddChannelButton(Wire):
    type: Literal["ADD_CHANNEL"]
    name: Name


AlimButton = Annotated[
    UrlButton
    | AppLinkButton
    | DeliveryTrackingButton
    | BotKeywordButton
    | MessageDeliveryButton
    | ChatbotSwitchButton
    | AddChannelButton,
    Field(discriminator="type"),
]


class AlimTemplateContent(Wire):
    type: Literal["TEMPLATE"]
    templateCode: Annotated[str, Field(max_length=30)]
    text: Annotated[str, Field(max_length=1000)]
    title: Annotated[str, Field(max_length=50)] | None = None
    buttons: Annotated[list[AlimButton], Field(max_length=5)] | None = None
    groupKey: str | None = None


AlimContent = Annotated[AlimTemplateContent, Field(discriminator="type")]


class AlimMessageOptions(Wire):
    platform: Platform | None = None
    validityPeriod: ValidityPeriod | None = None
    deliveryTimeWindow: DeliveryTimeWindow | None = None
    campaignReferenceId: Annotated[str, Field(max_length=255)] | None = None
    smsFailover: DefaultSmsFailover | None = None


class AlimMessage(Wire):
    sender: str
    destinations: Annotated[list[ToDestination], Field(min_length=1)]
    content: AlimContent
    options: AlimMessageOptions | None = None
    webhooks: Webhooks | None = None


class AlimRequestOptions(Wire):
    schedule: RequestSchedulingSettings | None = None
    priority: Literal["HIGH", "STANDARD", "LOW"] | None = None


class AlimRequest(Wire):
    messages: Annotated[list[AlimMessage], BoundedMessages, Field(min_length=1)]
    options: AlimRequestOptions | None = None
