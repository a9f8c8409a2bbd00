"""Kakao Brand Message wire models: `KakaoChinguRequest` (`POST /kakao-chingu/1/messages`) and its parts.

Field names are exactly as on the wire, including the spec's mixed casing: coupons and item-list elements use
`urlPC`/`schemeIOS`, while buttons, carousel heads and tails use `urlPc`/`schemeIos`.

Besides the schema's constraints, the rules the spec states only in prose (KAKAO_API.md §2.3, §6.3, §7.14) are
enforced here. Rule violations are raised as pydantic errors located at the offending field, so the API renders
them as e.g. `messages[0].content.buttons[1]` (see `api.errors.property_path`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, TypeAlias
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, Strict, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..domain.sms import euc_kr_bytes
from .common import (
    AppLinkRule,
    BoundedMessages,
    DefaultSmsFailover,
    DeliveryTimeWindow,
    MessageDeliveryReporting,
    Platform,
    RequestSchedulingSettings,
    ToDestination,
    ValidityPeriod,
    Webhooks,
    Wire,
)

Loc: TypeAlias = tuple[str | int, ...]

FREE_FORM_TYPES: tuple[str, ...] = (
    "TEXT_FREE_FORM",
    "IMAGE_FREE_FORM",
    "IMAGE_WIDE_FREE_FORM",
    "ITEM_LIST_FREE_FORM",
    "COMMERCE_FREE_FORM",
    "CAROUSEL_FREE_FORM",
    "CAROUSEL_COMMERCE_FREE_FORM",
    "PREMIUM_VIDEO_FREE_FORM",
)
VARIABLE_TYPES: tuple[str, ...] = ("TEXT_VARIABLE", "IMAGE_VARIABLE", "IMAGE_WIDE_VARIABLE", "ITEM_LIST_VARIABLE")
CONTENT_TYPES: tuple[str, ...] = FREE_FORM_TYPES + VARIABLE_TYPES

Targeting = Literal["ALL_CONSENT", "NON_FRIENDS", "TARGETED_FRIENDS"]
# Targetings with which an ADD_CHANNEL button may be sent (Kakao's M and N).
ADD_CHANNEL_TARGETINGS: tuple[str, ...] = ("ALL_CONSENT", "NON_FRIENDS")


class Problem:
    """One rule violation: where (relative to the validated object), why, and the offending value."""

    __slots__ = ("loc", "reason", "value")

    def __init__(self, loc: Loc, reason: str, value: object = None) -> None:
        self.loc = loc
        self.reason = reason
        self.value = value


def raise_problems(title: str, problems: Sequence[Problem]) -> None:
    """Raise all `problems` at once as a ValidationError; pydantic prefixes each location with the current one."""
    if not problems:
        return
    raise ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("brand_rule", "{reason}", {"reason": p.reason}),
                loc=p.loc,
                input=p.value,
            )
            for p in problems
        ],
    )


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("must be a valid URL starting with http:// or https://")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
HttpUrl250 = Annotated[str, Field(max_length=250), AfterValidator(_http_url)]
HttpUrl500 = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_http_url)]
Scheme500 = Annotated[str, Field(min_length=1, max_length=500)]
# Button name lengths per family: TB (text and image types) [1..14], RB (every other type) [1..8].
TextAndImageButtonName = Annotated[str, Field(min_length=1, max_length=14)]
RichContentButtonName = Annotated[str, Field(min_length=1, max_length=8)]


# --- Buttons -------------------------------------------------------------------------------------------------------
# Both families have the same types and fields; only the `name` length differs, so each family's class overrides
# `name` of a shared base (the field keeps its position). ADD_CHANNEL has no fields at all and is shared.


class _UrlButton(Wire):
    type: Literal["URL"]
    name: str
    urlMobile: HttpUrl500
    urlPc: HttpUrl500 | None = None
    target: Literal["OUT"] | None = None


class _AppLinkButton(AppLinkRule):
    type: Literal["APP_LINK"]
    name: str
    schemeAndroid: Scheme500 | None = None
    schemeIos: Scheme500 | None = None
    urlMobile: HttpUrl500 | None = None
    urlPc: HttpUrl500 | None = None


class _BotKeywordButton(Wire):
    type: Literal["BOT_KEYWORD"]
    name: str


class _MessageDeliveryButton(Wire):
    type: Literal["MESSAGE_DELIVERY"]
    name: str


class _BusinessFormButton(Wire):
    type: Literal["BUSINESS_FORM"]
    name: str  # must equal the registered form button's name
    businessFormKey: str


class AddChannelButton(Wire):
    """No fields besides `type` (not even a name); only with targeting ALL_CONSENT or NON_FRIENDS."""

    type: Literal["ADD_CHANNEL"]


class TextAndImageUrlButton(_UrlButton):
    name: TextAndImageButtonName


class TextAndImageAppLinkButton(_AppLinkButton):
    name: TextAndImageButtonName


class TextAndImageBotKeywordButton(_BotKeywordButton):
    name: TextAndImageButtonName


class TextAndImageMessageDeliveryButton(_MessageDeliveryButton):
    name: TextAndImageButtonName


class TextAndImageBusinessFormButton(_BusinessFormButton):
    name: TextAndImageButtonName


class RichContentUrlButton(_UrlButton):
    name: RichContentButtonName


class RichContentAppLinkButton(_AppLinkButton):
    name: RichContentButtonName


class RichContentBotKeywordButton(_BotKeywordButton):
    name: RichContentButtonName


class RichContentMessageDeliveryButton(_MessageDeliveryButton):
    name: RichContentButtonName


class RichContentBusinessFormButton(_BusinessFormButton):
    name: RichContentButtonName


# TB: `TextAndImageFreeFormButton` (TEXT_FREE_FORM, IMAGE_FREE_FORM).
TextAndImageButton = Annotated[
    TextAndImageUrlButton
    | TextAndImageAppLinkButton
    | TextAndImageBotKeywordButton
    | TextAndImageMessageDeliveryButton
    | TextAndImageBusinessFormButton
    | AddChannelButton,
    Field(discriminator="type"),
]
# RB: `RichContentFreeFormButton` (every other free-form type).
RichContentButton = Annotated[
    RichContentUrlButton
    | RichContentAppLinkButton
    | RichContentBotKeywordButton
    | RichContentMessageDeliveryButton
    | RichContentBusinessFormButton
    | AddChannelButton,
    Field(discriminator="type"),
]
BrandButton: TypeAlias = (
    TextAndImageUrlButton
    | TextAndImageAppLinkButton
    | TextAndImageBotKeywordButton
    | TextAndImageMessageDeliveryButton
    | TextAndImageBusinessFormButton
    | RichContentUrlButton
    | RichContentAppLinkButton
    | RichContentBotKeywordButton
    | RichContentMessageDeliveryButton
    | RichContentBusinessFormButton
    | AddChannelButton
)

RichContentButtons = Annotated[list[RichContentButton], Field(min_length=1, max_length=2)]


def _text_and_image_button_problems(buttons: Sequence[BrandButton], has_coupon: bool) -> list[Problem]:
    """TB rules: at most 5 buttons (4 with a coupon); ADD_CHANNEL first when used with BUSINESS_FORM, else
    BUSINESS_FORM first.

    Read literally, as the spec words it: with both present only ADD_CHANNEL's position is fixed (BUSINESS_FORM may
    follow anywhere); ADD_CHANNEL without BUSINESS_FORM may be anywhere. RB is the mirror image (last instead of first).
    """
    problems = []
    limit = 4 if has_coupon else 5
    if len(buttons) > limit:
        why = "when a coupon is present" if has_coupon else "(4 when a coupon is present)"
        problems.append(Problem(("buttons",), f"at most {limit} buttons are allowed {why}; got {len(buttons)}"))
    types = [b.type for b in buttons]
    if "ADD_CHANNEL" in types and "BUSINESS_FORM" in types:
        if types[0] != "ADD_CHANNEL":
            index = types.index("ADD_CHANNEL")
            problems.append(
                Problem(
                    ("buttons", index),
                    "ADD_CHANNEL must be the first button when used together with BUSINESS_FORM",
                    "ADD_CHANNEL",
                )
            )
    elif "BUSINESS_FORM" in types and types[0] != "BUSINESS_FORM":
        index = types.index("BUSINESS_FORM")
        problems.append(Problem(("buttons", index), "BUSINESS_FORM must be the first button", "BUSINESS_FORM"))
    return problems


def _rich_content_button_problems(buttons: Sequence[BrandButton] | None, loc: Loc = ("buttons",)) -> list[Problem]:
    """RB ordering: ADD_CHANNEL last when used with BUSINESS_FORM, else BUSINESS_FORM last."""
    if not buttons:
        return []
    types = [b.type for b in buttons]
    if "ADD_CHANNEL" in types and "BUSINESS_FORM" in types:
        if types[-1] != "ADD_CHANNEL":
            index = types.index("ADD_CHANNEL")
            reason = "ADD_CHANNEL must be the last button when used together with BUSINESS_FORM"
            return [Problem((*loc, index), reason, "ADD_CHANNEL")]
    elif "BUSINESS_FORM" in types and types[-1] != "BUSINESS_FORM":
        index = types.index("BUSINESS_FORM")
        return [Problem((*loc, index), "BUSINESS_FORM must be the last button", "BUSINESS_FORM")]
    return []


# --- Coupons -------------------------------------------------------------------------------------------------------


class PriceDiscountCouponTitle(Wire):
    type: Literal["PRICE_DISCOUNT_COUPON"]
    couponTitleParameter: Annotated[int, Strict(), Field(ge=1, le=99999999)]


class PercentageDiscountCouponTitle(Wire):
    type: Literal["PERCENTAGE_DISCOUNT_COUPON"]
    couponTitleParameter: Annotated[int, Strict(), Field(ge=1, le=100)]


class ShippingDiscountCouponTitle(Wire):
    """No parameter (one sent anyway is ignored, like any unknown field)."""

    type: Literal["SHIPPING_DISCOUNT_COUPON"]


class FreeCouponTitle(Wire):
    type: Literal["FREE_COUPON"]
    couponTitleParameter: Annotated[str, Field(min_length=1, max_length=7)]


class UpCouponTitle(Wire):
    type: Literal["UP_COUPON"]
    couponTitleParameter: Annotated[str, Field(min_length=1, max_length=7)]


CouponTitle = Annotated[
    PriceDiscountCouponTitle
    | PercentageDiscountCouponTitle
    | ShippingDiscountCouponTitle
    | FreeCouponTitle
    | UpCouponTitle,
    Field(discriminator="type"),
]


class Coupon(Wire):
    """TEXT and IMAGE coupon: `description` has no length limit."""

    title: CouponTitle
    description: str
    urlMobile: HttpUrl
    urlPC: HttpUrl | None = None
    schemeIOS: str | None = None
    schemeAndroid: str | None = None


class LongDescriptionCoupon(Coupon):
    """IMAGE_WIDE, ITEM_LIST and PREMIUM_VIDEO coupon: `description` [1..18]."""

    description: Annotated[str, Field(min_length=1, max_length=18)]


class ShortDescriptionCoupon(Coupon):
    """COMMERCE and carousel card coupon: `description` [1..12]."""

    description: Annotated[str, Field(min_length=1, max_length=12)]


# --- Shared content parts ------------------------------------------------------------------------------------------


class Image(Wire):
    url: HttpUrl250
    link: Annotated[str, Field(max_length=250)] | None = None


class ItemListElement(Wire):
    # `title` is limited by position (first ≤25, the rest ≤30): checked by ItemListFreeFormContent.
    title: str
    url: HttpUrl250
    urlMobile: HttpUrl
    urlPC: HttpUrl | None = None
    schemeAndroid: str | None = None
    schemeIOS: str | None = None


class CommerceFreeForm(Wire):
    title: Annotated[str, Field(min_length=1, max_length=30)]
    regularPrice: Annotated[int, Strict(), Field(ge=0, le=99999999)]
    discountPrice: Annotated[int, Strict(), Field(ge=0, le=99999999)] | None = None
    discountFixed: Annotated[int, Strict(), Field(ge=0, le=999999)] | None = None
    discountRate: Annotated[int, Strict(), Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _discount(self) -> CommerceFreeForm:
        if self.discountPrice is not None and self.discountFixed is None and self.discountRate is None:
            raise_problems(
                "CommerceFreeForm",
                [Problem(("discountPrice",), "discountPrice must come with discountFixed or discountRate")],
            )
        return self


class CarouselTail(Wire):
    urlMobile: HttpUrl
    urlPc: HttpUrl | None = None
    schemeAndroid: str | None = None
    schemeIos: str | None = None


class FreeFormVideo(Wire):
    # The spec says Kakao TV URLs only; the gateway cannot check that (its own examples use other hosts).
    videoUrl: Annotated[str, Field(max_length=500), AfterValidator(_http_url)]
    thumbnailUrl: Annotated[str, Field(max_length=500), AfterValidator(_http_url)] | None = None


# --- Free-form contents --------------------------------------------------------------------------------------------


class _TextAndImageContent(Wire):
    type: str
    text: Annotated[str, Field(max_length=1300)]
    coupon: Coupon | None = None
    buttons: list[TextAndImageButton] | None = None

    @model_validator(mode="after")
    def _buttons(self) -> _TextAndImageContent:
        raise_problems(self.type, _text_and_image_button_problems(self.buttons or [], self.coupon is not None))
        return self


class TextFreeFormContent(_TextAndImageContent):
    type: Literal["TEXT_FREE_FORM"]


class ImageFreeFormContent(_TextAndImageContent):
    type: Literal["IMAGE_FREE_FORM"]
    image: Image


class ImageWideFreeFormContent(Wire):
    type: Literal["IMAGE_WIDE_FREE_FORM"]
    text: Annotated[str, Field(max_length=76)]
    image: Image
    coupon: LongDescriptionCoupon | None = None
    buttons: RichContentButtons | None = None

    @model_validator(mode="after")
    def _buttons(self) -> ImageWideFreeFormContent:
        raise_problems(self.type, _rich_content_button_problems(self.buttons))
        return self


ITEM_TITLE_FIRST_MAX = 25
ITEM_TITLE_REST_MAX = 30


class ItemListFreeFormContent(Wire):
    type: Literal["ITEM_LIST_FREE_FORM"]
    header: Annotated[str, Field(min_length=1, max_length=20)]
    itemList: Annotated[list[ItemListElement], Field(min_length=3, max_length=5)]
    buttons: RichContentButtons | None = None
    coupon: LongDescriptionCoupon | None = None

    @model_validator(mode="after")
    def _rules(self) -> ItemListFreeFormContent:
        problems = []
        for index, item in enumerate(self.itemList):
            limit = ITEM_TITLE_FIRST_MAX if index == 0 else ITEM_TITLE_REST_MAX
            which = "the first item" if index == 0 else "items after the first"
            if len(item.title) > limit:
                problems.append(
                    Problem(
                        ("itemList", index, "title"),
                        f"the title of {which} must be at most {limit} characters; got {len(item.title)}",
                        item.title,
                    )
                )
        problems += _rich_content_button_problems(self.buttons)
        raise_problems(self.type, problems)
        return self


class CommerceFreeFormContent(Wire):
    type: Literal["COMMERCE_FREE_FORM"]
    commerce: CommerceFreeForm
    buttons: RichContentButtons
    image: Image
    additionalContent: Annotated[str, Field(max_length=34)] | None = None
    coupon: ShortDescriptionCoupon | None = None

    @model_validator(mode="after")
    def _buttons(self) -> CommerceFreeFormContent:
        raise_problems(self.type, _rich_content_button_problems(self.buttons))
        return self


class CarouselFreeFormHead(Wire):
    header: Annotated[str, Field(max_length=20)]
    content: Annotated[str, Field(max_length=50)]
    image: Image
    urlMobile: HttpUrl | None = None
    urlPc: HttpUrl | None = None
    schemeAndroid: str | None = None
    schemeIos: str | None = None


class CarouselFreeFormElementAttachment(Wire):
    image: Image
    buttons: RichContentButtons
    coupon: ShortDescriptionCoupon | None = None


class CarouselFreeFormElement(Wire):
    header: Annotated[str, Field(max_length=20)]
    message: Annotated[str, Field(max_length=180)]
    attachment: CarouselFreeFormElementAttachment


class CarouselCommerceHead(Wire):
    # The spec gives no lengths; DOC-BRAND limits the carousel header to 20 characters.
    header: Annotated[str, Field(max_length=20)]
    content: str
    imageUrl: str | None = None
    urlMobile: HttpUrl | None = None
    urlPc: HttpUrl | None = None
    schemeAndroid: str | None = None
    schemeIos: str | None = None


class CarouselCommerceFreeFormElementAttachment(Wire):
    image: Image
    buttons: RichContentButtons
    commerce: CommerceFreeForm | None = None
    coupon: ShortDescriptionCoupon | None = None


class CarouselCommerceFreeFormElement(Wire):
    attachment: CarouselCommerceFreeFormElementAttachment
    additionalContent: Annotated[str, Field(max_length=34)] | None = None


def _carousel_problems(
    elements: Sequence[CarouselFreeFormElement | CarouselCommerceFreeFormElement],
) -> list[Problem]:
    """RB ordering per card, and at most one ADD_CHANNEL button across the whole carousel."""
    problems = []
    add_channels = 0
    for index, element in enumerate(elements):
        buttons = element.attachment.buttons
        loc: Loc = ("elements", index, "attachment", "buttons")
        problems += _rich_content_button_problems(buttons, loc)
        for position, button in enumerate(buttons):
            if button.type == "ADD_CHANNEL":
                add_channels += 1
                if add_channels > 1:
                    reason = "only one ADD_CHANNEL button is allowed across the whole carousel"
                    problems.append(Problem((*loc, position, "type"), reason, button.type))
    return problems


class CarouselFreeFormContent(Wire):
    type: Literal["CAROUSEL_FREE_FORM"]
    head: CarouselFreeFormHead | None = None
    # 2..6 elements regardless of the head.
    elements: Annotated[list[CarouselFreeFormElement], Field(min_length=2, max_length=6)]
    tail: CarouselTail | None = None

    @model_validator(mode="after")
    def _rules(self) -> CarouselFreeFormContent:
        raise_problems(self.type, _carousel_problems(self.elements))
        return self


CAROUSEL_COMMERCE_MAX_ELEMENTS = 6


class CarouselCommerceFreeFormContent(Wire):
    type: Literal["CAROUSEL_COMMERCE_FREE_FORM"]
    head: CarouselCommerceHead | None = None
    # Element count. The schema says only maxItems 6 (minItems 0). Its prose reads "If head is present, minimum 1
    # element is required. If head is not present, minimum 2 elements are required." (KAKAO_API.md §2.3 words it as
    # "at least 1 element with a head, at least 2 without", and §7.14 as "1 with a head or 2 without"). These are
    # all one rule about the *carousel's* head, not about elements having heads (elements have no head field): the
    # minimum is 1 element when `head` is given and 2 when it is not. The maximum stays 6 either way (the head does
    # not count as an element). Enforced in `_rules` so the message can say which case applies.
    elements: Annotated[list[CarouselCommerceFreeFormElement], Field(max_length=CAROUSEL_COMMERCE_MAX_ELEMENTS)]
    tail: CarouselTail | None = None

    @model_validator(mode="after")
    def _rules(self) -> CarouselCommerceFreeFormContent:
        problems = []
        minimum = 1 if self.head is not None else 2
        if len(self.elements) < minimum:
            reason = (
                "at least 1 element is required when head is present"
                if self.head is not None
                else "at least 2 elements are required when head is absent (1 with a head)"
            )
            problems.append(Problem(("elements",), f"{reason}; got {len(self.elements)}"))
        problems += _carousel_problems(self.elements)
        raise_problems(self.type, problems)
        return self


class PremiumVideoFreeFormContent(Wire):
    type: Literal["PREMIUM_VIDEO_FREE_FORM"]
    header: Annotated[str, Field(max_length=20)] | None = None
    content: Annotated[str, Field(max_length=76)] | None = None
    video: FreeFormVideo
    button: RichContentButton | None = None  # a single button object, not an array
    coupon: LongDescriptionCoupon | None = None


# --- Variable (template) contents ----------------------------------------------------------------------------------


class ImageData(Wire):
    """One `imageData` entry: overrides the template's images in order."""

    img_url: str


class TextVariableContent(Wire):
    type: Literal["TEXT_VARIABLE"]
    templateCode: Annotated[str, Field(max_length=50)]
    messageData: dict[str, str] | None = None
    buttonData: dict[str, str] | None = None
    couponData: dict[str, str] | None = None


class _ImageVariableContent(Wire):
    type: str
    templateCode: Annotated[str, Field(max_length=50)]
    messageData: dict[str, str] | None = None
    buttonData: dict[str, str] | None = None
    couponData: dict[str, str] | None = None
    imageData: list[ImageData] | None = None


class ImageVariableContent(_ImageVariableContent):
    type: Literal["IMAGE_VARIABLE"]


class ImageWideVariableContent(_ImageVariableContent):
    type: Literal["IMAGE_WIDE_VARIABLE"]


class ItemListVariableContent(_ImageVariableContent):
    type: Literal["ITEM_LIST_VARIABLE"]


FreeFormContent: TypeAlias = (
    TextFreeFormContent
    | ImageFreeFormContent
    | ImageWideFreeFormContent
    | ItemListFreeFormContent
    | CommerceFreeFormContent
    | CarouselFreeFormContent
    | CarouselCommerceFreeFormContent
    | PremiumVideoFreeFormContent
)
VariableContent: TypeAlias = (
    TextVariableContent | ImageVariableContent | ImageWideVariableContent | ItemListVariableContent
)
AnyBrandContent: TypeAlias = FreeFormContent | VariableContent


def _check_content_type(value: Any) -> Any:
    """Name a bad content `type` at `content.type`.

    Kakao Chingu's old content types (anything not `*_FREE_FORM` or `*_VARIABLE`) are a 400 saying they are
    deprecated; other unknown types are a 400 listing the known ones. A missing `type` is left to the discriminator.
    """
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, str) and kind not in CONTENT_TYPES:
            known = ", ".join(CONTENT_TYPES)
            if kind.endswith(("_FREE_FORM", "_VARIABLE")):
                reason = f"unknown content type '{kind}'; expected one of {known}"
            else:
                reason = (
                    f"content type '{kind}' is a deprecated Kakao Chingu type and is no longer supported; "
                    f"use a Brand Message type: {known}"
                )
            raise_problems("BrandContent", [Problem(("type",), reason, kind)])
    return value


BrandContent = Annotated[
    Annotated[AnyBrandContent, Field(discriminator="type")],
    BeforeValidator(_check_content_type),
]


def content_buttons(content: AnyBrandContent) -> list[tuple[Loc, BrandButton]]:
    """Every button of a content with its location relative to the content (variable types have none)."""
    found: list[tuple[Loc, BrandButton]] = []
    button: BrandButton
    if isinstance(content, PremiumVideoFreeFormContent):
        if content.button is not None:
            found.append((("button",), content.button))
    elif isinstance(content, CarouselFreeFormContent | CarouselCommerceFreeFormContent):
        elements: Sequence[CarouselFreeFormElement | CarouselCommerceFreeFormElement] = content.elements
        for index, element in enumerate(elements):
            for position, button in enumerate(element.attachment.buttons):
                found.append((("elements", index, "attachment", "buttons", position), button))
    elif isinstance(content, FreeFormContent):
        for position, button in enumerate(content.buttons or []):
            found.append((("buttons", position), button))
    return found


# --- Message and request -------------------------------------------------------------------------------------------


class BrandSmsFailover(DefaultSmsFailover):
    """A Brand message's SMS is an advertising SMS: the gateway may add its labels (service/ad_labels.py), so the
    EUC-KR length rules apply to the labelled text, at accept. Here: only what no label can mend."""

    @field_validator("text")
    @classmethod
    def _sendable_text(cls, text: str) -> str:
        if euc_kr_bytes(text) is None:
            raise ValueError("has characters that cannot be sent by SMS (EUC-KR)")
        return text


class KakaoMessageOptions(Wire):
    platform: Platform | None = None
    validityPeriod: ValidityPeriod | None = None
    deliveryTimeWindow: DeliveryTimeWindow | None = None
    campaignReferenceId: Annotated[str, Field(max_length=255)] | None = None
    smsFailover: BrandSmsFailover | None = None
    targeting: Targeting = "TARGETED_FRIENDS"


class AdvancedMessageDeliveryReporting(MessageDeliveryReporting):
    receiveTriggeredFailoverReports: bool = False


class AdvancedWebhooks(Webhooks):
    delivery: AdvancedMessageDeliveryReporting | None = None


class BrandMessage(Wire):
    sender: str
    destinations: Annotated[list[ToDestination], Field(min_length=1)]
    content: BrandContent
    options: KakaoMessageOptions | None = None
    webhooks: AdvancedWebhooks | None = None

    @property
    def targeting(self) -> Targeting:
        return self.options.targeting if self.options is not None else "TARGETED_FRIENDS"

    @model_validator(mode="after")
    def _add_channel_targeting(self) -> BrandMessage:
        targeting = self.targeting
        if targeting in ADD_CHANNEL_TARGETINGS:
            return self
        reason = (
            f"ADD_CHANNEL buttons are only allowed with options.targeting ALL_CONSENT or NON_FRIENDS "
            f"(targeting is {targeting})"
        )
        problems = [
            Problem(("content", *loc, "type"), reason, button.type)
            for loc, button in content_buttons(self.content)
            if button.type == "ADD_CHANNEL"
        ]
        raise_problems("BrandMessage", problems)
        return self


class UrlOptions(Wire):
    shortenUrl: bool = True
    trackClicks: bool = True
    trackingUrl: str | None = None
    removeProtocol: bool = False
    customDomain: str | None = None


class BrandRequestOptions(Wire):
    schedule: RequestSchedulingSettings | None = None
    tracking: UrlOptions | None = None


class BrandRequest(Wire):
    messages: Annotated[list[BrandMessage], BoundedMessages, Field(min_length=1)]
    options: BrandRequestOptions | None = None
