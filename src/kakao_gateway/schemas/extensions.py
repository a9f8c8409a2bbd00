"""Wire models of the extension APIs (`/kakao/1/...`, `/kakao-alim/1/templates`, `/admin/1/...`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from .alim import AlimButton
from .common import Wire

Channel = Literal["ALIM", "BRAND", "SANGDAM"]


class SenderBody(Wire):
    sender: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    # Brand Message: may this sender use ALL_CONSENT / NON_FRIENDS targeting (omitted: unchanged, new: false)
    targetingEligible: bool | None = None


EmphasisType = Literal["NONE", "TEXT", "IMAGE", "ITEM_LIST"]
MessageType = Literal["BA", "EX", "AD", "MI"]
ImageUrl = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^https?://")]
# Which emphasis fields each emphasis type takes (Kakao's 강조 유형, as NHN Cloud's templateEmphasizeType)
EMPHASIS_FIELDS: dict[str, frozenset[str]] = {
    "NONE": frozenset(),
    "TEXT": frozenset({"title", "subtitle"}),
    "IMAGE": frozenset({"imageUrl"}),
    "ITEM_LIST": frozenset({"imageUrl", "header", "itemHighlight", "itemList", "itemSummary"}),
}
REQUIRED_EMPHASIS_FIELDS = {"TEXT": ("title",), "IMAGE": ("imageUrl",), "ITEM_LIST": ("itemList",)}


class ItemHighlight(Wire):
    # Kakao: a title of 30 characters and a description of 19 (21 and 13 beside a thumbnail)
    title: Annotated[str, Field(min_length=1, max_length=30)]
    description: Annotated[str, Field(min_length=1, max_length=19)]
    imageUrl: ImageUrl | None = None

    @model_validator(mode="after")
    def _thumbnail_leaves_less_room(self) -> ItemHighlight:
        if self.imageUrl is not None and (len(self.title) > 21 or len(self.description) > 13):
            raise ValueError("with a thumbnail (imageUrl) the title takes at most 21 characters, the description 13")
        return self


class Item(Wire):
    title: Annotated[str, Field(min_length=1, max_length=6)]
    description: Annotated[str, Field(min_length=1, max_length=23)]


class ItemSummary(Wire):
    title: Annotated[str, Field(min_length=1, max_length=6)]
    description: Annotated[str, Field(min_length=1, max_length=14)]


class AlimTemplateUpdate(Wire):
    """A template as Korean dealers (NHN Cloud's AlimTalk templates) run them: an emphasis type with its fields,
    a category, a security flag, a message type with its extra and ad text. Without `emphasisType`, a template with
    a `title` is TEXT and one without is NONE."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=1000)]
    buttons: Annotated[list[AlimButton], Field(max_length=5)] | None = None
    emphasisType: EmphasisType | None = None
    title: Annotated[str, Field(max_length=50)] | None = None
    subtitle: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    imageUrl: ImageUrl | None = None
    header: Annotated[str, Field(min_length=1, max_length=16)] | None = None
    itemHighlight: ItemHighlight | None = None
    itemList: Annotated[list[Item], Field(min_length=2, max_length=10)] | None = None
    itemSummary: ItemSummary | None = None
    categoryCode: Annotated[str, Field(pattern=r"^[0-9]{6}$")] = "999999"
    securityFlag: bool = False
    messageType: MessageType = "BA"
    extra: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    ad: Annotated[str, Field(min_length=1, max_length=80)] | None = None

    @property
    def emphasis(self) -> str:
        return self.emphasisType or ("TEXT" if self.title is not None else "NONE")

    def problems(self) -> list[tuple[str, str]]:
        """(property, problem) for each field that does not fit the emphasis or message type (the API answers 400)."""
        found: list[tuple[str, str]] = []
        given = {f for f in ("title", "subtitle", *EMPHASIS_FIELDS["ITEM_LIST"]) if getattr(self, f) is not None}
        found += [
            (f, f"not part of a {self.emphasis} template") for f in sorted(given - EMPHASIS_FIELDS[self.emphasis])
        ]
        missing = [f for f in REQUIRED_EMPHASIS_FIELDS.get(self.emphasis, ()) if getattr(self, f) is None]
        found += [(f, f"required for a {self.emphasis} template") for f in missing]
        if (self.extra is None) == (self.messageType in ("EX", "MI")):
            found.append(("extra", "required for EX and MI templates, and only for them"))
        if self.ad is not None and self.messageType not in ("AD", "MI"):
            found.append(("ad", "only AD and MI templates have ad text"))
        channel_button = any(b.type == "ADD_CHANNEL" for b in self.buttons or [])
        if channel_button != (self.messageType in ("AD", "MI")):
            found.append(("buttons", "AD and MI templates, and only they, have an ADD_CHANNEL button"))
        return found


class AlimTemplateBody(AlimTemplateUpdate):
    sender: Annotated[str, Field(min_length=1, max_length=100)]
    templateCode: Annotated[str, Field(min_length=1, max_length=30)]


class TemplateComment(Wire):
    text: Annotated[str, Field(min_length=1, max_length=1000)]


class InspectionBody(Wire):
    """The console's inspect button: APPROVED or REJECTED, with a comment (required to reject)."""

    status: Literal["APPROVED", "REJECTED"]
    comment: Annotated[str, Field(max_length=1000)] | None = None


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


class TemplateSubscription(Wire):
    """Where `TEMPLATE_STATUS` events go (every status change of an Alim template); null: nowhere."""

    url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _channel_form(cls, data: Any) -> Any:
        """The channels' form (the console's and CLI's report URL field) sets `url` too: a JSON report URL."""
        if not isinstance(data, dict) or "url" in data or "reportUrl" not in data:
            return data
        rest = {k: v for k, v in data.items() if k not in ("reportUrl", "inboundUrl", "contentType")}
        if data.get("inboundUrl") is not None or data.get("contentType", "application/json") != "application/json":
            return data  # refused: a template webhook has no inbound URL and is JSON only
        return {**rest, "url": data["reportUrl"]}

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return ChannelSubscription._http_url(value)

    # read like a channel's subscription by the service (reportUrl is the stored URL)
    @property
    def reportUrl(self) -> str | None:
        return self.url

    @property
    def inboundUrl(self) -> None:
        return None

    @property
    def contentType(self) -> str:
        return "application/json"


SUBSCRIPTION_CHANNELS = ("ALIM", "BRAND", "SANGDAM", "CLICK", "TEMPLATE", "OPT_OUT")


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
    TEMPLATE: TemplateSubscription | None = None  # url receives TEMPLATE_STATUS events of Alim templates
    OPT_OUT: TemplateSubscription | None = None  # url receives OPT_OUT events (a user opted out of advertising)


# Channels whose subscription is a single `url` (events of their own, JSON only)
URL_CHANNELS = tuple(
    c for c in SUBSCRIPTION_CHANNELS if SubscriptionsBody.model_fields[c].annotation == TemplateSubscription | None
)


class AccountBody(Wire):
    name: Annotated[str, Field(min_length=1, max_length=200)]


class KeyBody(Wire):
    name: Annotated[str, Field(min_length=1, max_length=200)] = "key"
    scopes: list[Literal["message:send", "kakao:message:send", "kakao:manage", "kakao:logs:read"]] | None = None
