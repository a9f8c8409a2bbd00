"""Wire models shared by the Kakao channels, mirroring the spec's schemas (field names as on the wire)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..domain.planning import send_at_problem
from ..domain.schedule import Window, delivery_window_problem
from ..domain.sms import SmsProblem, sms_text
from ..domain.times import parse_instant


class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


INT32_MAX = 2**31 - 1
# The spec's `integer`/`int32`: a JSON number (a string of digits is refused), at most 2^31 - 1 (what every column
# that stores one takes, on both databases).
Int32 = Annotated[int, Strict(), Field(le=INT32_MAX, ge=-INT32_MAX - 1)]

MAX_DESTINATIONS = 100_000  # per request, counted over all its messages (and so at most as many messages)


def _bounded_messages(value: Any) -> Any:
    """Before the messages are validated one by one: at most MAX_DESTINATIONS destinations in the request and as
    many messages, counted on the parsed JSON, so an oversized request costs one pass over it and one violation."""
    if not isinstance(value, list):
        return value
    if len(value) > MAX_DESTINATIONS:
        raise ValueError(f"must hold at most {MAX_DESTINATIONS} messages; this request has {len(value)}")
    total = 0
    for message in value:
        destinations = message.get("destinations") if isinstance(message, dict) else None
        if isinstance(destinations, list):
            total += len(destinations)
    if total > MAX_DESTINATIONS:
        raise ValueError(f"a request may carry at most {MAX_DESTINATIONS} destinations; this one has {total}")
    return value


BoundedMessages = BeforeValidator(_bounded_messages)


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
    amount: Int32
    timeUnit: Literal["SECONDS", "MINUTES", "HOURS"] = "MINUTES"

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: int) -> int:
        if amount <= 0:
            raise ValueError("must be greater than 0")
        return amount


class DeliveryTime(Wire):
    hour: Annotated[int, Strict(), Field(ge=0, le=23)]
    minute: Annotated[int, Strict(), Field(ge=0, le=59)]


DeliveryDay = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


class DeliveryTimeWindow(Wire):
    days: Annotated[list[DeliveryDay], Field(min_length=1)]
    from_: DeliveryTime | None = Field(default=None, alias="from")
    to: DeliveryTime | None = None

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _the_domain_rules(self) -> DeliveryTimeWindow:
        """The same rules the planner applies (domain.schedule), checked on the domain value itself."""
        try:
            window = Window.from_wire(self.model_dump(by_alias=True, exclude_none=True))
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        problem = delivery_window_problem(window)
        if problem:
            raise ValueError(problem)
        return self


class SouthKoreaOptions(Wire):
    title: Annotated[str, Field(max_length=66)] | None = None
    resellerCode: Int32 | None = None

    @field_validator("title")
    @classmethod
    def _sendable_title(cls, title: str | None) -> str | None:
        if title:
            problem = sms_text("-", title)
            if isinstance(problem, SmsProblem):
                raise ValueError(problem.message)
        return title


class RegionalOptions(Wire):
    southKorea: SouthKoreaOptions | None = None


class DefaultSmsFailover(Wire):
    sender: str | None = None
    text: str
    validityPeriod: ValidityPeriod | None = None
    regional: RegionalOptions | None = None

    @field_validator("text")
    @classmethod
    def _sendable_text(cls, text: str) -> str:
        """Korean SMS rules (domain.sms): never truncated, so what cannot go is refused here."""
        problem = sms_text(text)
        if isinstance(problem, SmsProblem):
            raise ValueError(problem.message)
        return text


class FailoverDestinationPair(Wire):
    initial: str
    failover: str


class NonMsisdnSmsFailover(DefaultSmsFailover):
    """Sangdam's smsFailover: its destinations are user keys, so the phone number comes from destinationMatching."""

    destinationMatching: list[FailoverDestinationPair] | None = None


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
    amount: Int32
    timeUnit: Literal["MINUTE", "HOUR", "DAY"] = "MINUTE"

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: int) -> int:
        if amount <= 0:
            raise ValueError("must be greater than 0")
        return amount


class Instant(str):
    """A wire date-time as given, parsed once: `ms` is its instant (epoch milliseconds)."""

    ms: int

    def __new__(cls, text: str, ms: int) -> Instant:
        instant = super().__new__(cls, text)
        instant.ms = ms
        return instant


def _send_at(value: str, info: ValidationInfo) -> Instant:
    """`sendAt`: any ISO-8601 offset; never further ahead than the domain's scheduling limit."""
    try:
        instant = parse_instant(value)
    except ValueError as exc:
        raise ValueError(f"must be an ISO-8601 date-time with an offset: {exc}") from None
    now = (info.context or {}).get("now_ms")
    problem = send_at_problem(now, instant) if now is not None else None
    if problem:
        raise ValueError(problem)
    return Instant(value, instant)


SendAt = Annotated[str, AfterValidator(_send_at)]


def instant_ms(value: str) -> int:
    """The instant of a validated `SendAt` (parsed when it was validated)."""
    assert isinstance(value, Instant), "not validated as SendAt"
    return value.ms


class RequestSchedulingSettings(Wire):
    bulkId: Annotated[str, Field(max_length=100)] | None = None
    sendAt: SendAt | None = None
    sendingSpeedLimit: SendingSpeedLimit | None = None

    def send_at_ms(self) -> int | None:
        return instant_ms(self.sendAt) if self.sendAt is not None else None
