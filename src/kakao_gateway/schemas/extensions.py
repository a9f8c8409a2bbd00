"""Wire models of the extension APIs (`/kakao/1/...`, `/kakao-alim/1/templates`, `/admin/1/...`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator

from .alim import AlimButton
from .common import Wire

Channel = Literal["ALIM", "BRAND", "SANGDAM"]


class SenderBody(Wire):
    sender: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    # Brand Message: may this sender use ALL_CONSENT / NON_FRIENDS targeting (omitted: unchanged, new: false)
    targetingEligible: bool | None = None


class AlimTemplateBody(Wire):
    sender: Annotated[str, Field(min_length=1, max_length=100)]
    templateCode: Annotated[str, Field(min_length=1, max_length=30)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    title: Annotated[str, Field(max_length=50)] | None = None
    buttons: Annotated[list[AlimButton], Field(max_length=5)] | None = None


class AlimTemplateUpdate(Wire):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    title: Annotated[str, Field(max_length=50)] | None = None
    buttons: Annotated[list[AlimButton], Field(max_length=5)] | None = None


class ChannelSubscription(Wire):
    reportUrl: str | None = None
    inboundUrl: str | None = None
    contentType: Literal["application/json", "application/xml"] = "application/json"

    @field_validator("reportUrl", "inboundUrl")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


SUBSCRIPTION_CHANNELS = ("ALIM", "BRAND", "SANGDAM", "CLICK")


def _unknown_channel(value: Any) -> Any:
    raise ValueError(f"unknown channel; expected one of {', '.join(SUBSCRIPTION_CHANNELS)}")


class SubscriptionsBody(Wire):
    # Any other key is a channel we do not know: a violation at its path, not silently dropped.
    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Annotated[Any, AfterValidator(_unknown_channel)]]

    ALIM: ChannelSubscription | None = None
    BRAND: ChannelSubscription | None = None
    SANGDAM: ChannelSubscription | None = None
    CLICK: ChannelSubscription | None = None  # reportUrl receives click events of tracked short links


class AccountBody(Wire):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class KeyBody(Wire):
    name: Annotated[str, Field(min_length=1, max_length=200)] = "key"
    scopes: list[Literal["message:send", "kakao:message:send", "kakao:manage", "kakao:logs:read"]] | None = None
