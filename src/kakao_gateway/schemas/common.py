"""Wire models shared by the Kakao channels, mirroring the spec's schemas (field names as on the wire)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..domain.planning import send_at_too_far
from ..domain.times import parse_instant


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def limited(max_length: int, min_length: int = 0) -> object:
    return Field(max_length=max_length, min_length=min_length)


class AppLinkRule(Wire):
    """APP_LINK buttons of every family: at least two of schemeAndroid, schemeIos and urlMobile."""

    @model_validator(mode="after")
    def _two_of_three(self) -> AppLinkRule:
        given = sum(getattr(self, name, None) is not None for name in ("schemeAndroid", "schemeIos", "urlMobile"))
        if given < 2:
            raise ValueError("APP_LINK needs at least two of schemeAndroid, schemeIos and urlMobile")
        return self


class ToDestination(Wire):
    # The spec requires `to`; a missing or empty one is a per-destination MISSING_TO, not a 400 (DESIGN.md).
    to: str | None = None
    messageId: Annotated[str, Field(max_length=200)] | None = None


class Platform(Wire):
    entityId: Annotated[str, Field(max_length=255)] | None = None
    applicationId: Annotated[str, Field(max_length=255)] | None = None


class ValidityPeriod(Wire):
    amount: int
    timeUnit: Literal["SECONDS", "MINUTES", "HOURS"] = "MINUTES"

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: int) -> int:
        if amount <= 0:
            raise ValueError("must be greater than 0")
        return amount


class DeliveryTime(Wire):
    hour: Annotated[int, Field(ge=0, le=23)]
    minute: Annotated[int, Field(ge=0, le=59)]


DeliveryDay = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


class DeliveryTimeWindow(Wire):
    days: Annotated[list[DeliveryDay], Field(min_length=1)]
    from_: DeliveryTime | None = Field(default=None, alias="from")
    to: DeliveryTime | None = None

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _from_and_to(self) -> DeliveryTimeWindow:
        if (self.from_ is None) != (self.to is None):
            raise ValueError("give both 'from' and 'to', or neither")
        if self.from_ is not None and self.to is not None:
            start = self.from_.hour * 60 + self.from_.minute
            end = self.to.hour * 60 + self.to.minute
            if (end - start) % (24 * 60) < 60:
                raise ValueError("'from' and 'to' must be at least 1 hour apart")
        return self


class SouthKoreaOptions(Wire):
    title: Annotated[str, Field(max_length=66)] | None = None
    resellerCode: int | None = None


class RegionalOptions(Wire):
    southKorea: SouthKoreaOptions | None = None


class DefaultSmsFailover(Wire):
    sender: str | None = None
    text: str
    validityPeriod: ValidityPeriod | None = None
    regional: RegionalOptions | None = None


class MessageDeliveryReporting(Wire):
    url: str | None = None
    intermediateReport: bool = False
    notify: bool | None = None


class Webhooks(Wire):
    delivery: MessageDeliveryReporting | None = None
    contentType: str | None = None
    callbackData: Annotated[str, Field(max_length=4000)] | None = None

    @field_validator("contentType")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in ("application/json", "application/xml"):
            raise ValueError("must be 'application/json' or 'application/xml'")
        return value


class SendingSpeedLimit(Wire):
    amount: int
    timeUnit: Literal["MINUTE", "HOUR", "DAY"] = "MINUTE"

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: int) -> int:
        if amount <= 0:
            raise ValueError("must be greater than 0")
        return amount


class RequestSchedulingSettings(Wire):
    bulkId: Annotated[str, Field(max_length=100)] | None = None
    sendAt: str | None = None
    sendingSpeedLimit: SendingSpeedLimit | None = None

    @field_validator("sendAt")
    @classmethod
    def _instant(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            instant = parse_instant(value)
        except ValueError as exc:
            raise ValueError(f"must be an ISO-8601 date-time with an offset: {exc}") from None
        now = (info.context or {}).get("now_ms")
        if now is not None and send_at_too_far(now, instant):
            raise ValueError("must be at most 180 days in the future")
        return value

    def send_at_ms(self) -> int | None:
        return parse_instant(self.sendAt) if self.sendAt is not None else None
