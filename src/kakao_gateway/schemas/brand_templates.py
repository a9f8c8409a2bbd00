"""Brand Message template wire models: `CreateTemplateRequest` (POST and PUT `/kakao-brand-messages/1/templates`)
and the sender-group extension body (`POST /kakao/1/sender-groups`).

Besides the schema's limits these enforce the rules Infobip states only in prose (KAKAO_API.md §2.3, §2.5): button
name lengths per family, button counts with and without a coupon, the 2-of-3 rule of `APP_LINK`, `ADD_CHANNEL` and
`SHIPPING_DISCOUNT_COUPON` without fields, `ADD_CHANNEL`/`BUSINESS_FORM` ordering, no line breaks in the item-list
header and coupon descriptions, and `http(s)://` URLs where the spec says "Must be a valid URL". A field spelled
as in the free-form message models (`urlPC`, `schemeIOS`, `couponTitleParameter`, `businessFormKey`) is a 400
naming the template spelling, rather than being dropped silently.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from .common import AppLinkRule, Wire

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be a valid URL starting with https:// or http://")
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("line breaks are not allowed")
    return value


Url500 = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_http_url)]
Text500 = Annotated[str, Field(min_length=1, max_length=500)]
SenderKey = Annotated[str, Field(min_length=1, max_length=40)]
StrictInt32 = Annotated[int, Field(strict=True, ge=INT32_MIN, le=INT32_MAX)]

# Field names of the free-form message models that brand templates spell differently.
_TEMPLATE_SPELLING = {
    "urlPC": "urlPc",
    "schemeIOS": "schemeIos",
    "couponTitleParameter": "couponTitle",
    "businessFormKey": "businessFormId",
}


def _reject_other_spellings(data: Any, *names: str) -> Any:
    if isinstance(data, dict):
        for name in names:
            if name in data:
                right = _TEMPLATE_SPELLING[name]
                raise ValueError(f"unknown field '{name}': brand templates name it '{right}'")
    return data


def _reject_fields(data: Any, what: str) -> Any:
    if isinstance(data, dict):
        extra = sorted(k for k in data if k != "type")
        if extra:
            raise ValueError(f"{what} takes no fields besides type (got {', '.join(extra)})")
    return data


# --- Buttons ---------------------------------------------------------------------------------------------------


class _LinkFields(Wire):
    @model_validator(mode="before")
    @classmethod
    def _spelling(cls, data: Any) -> Any:
        return _reject_other_spellings(data, "urlPC", "schemeIOS")


class _AppLink(_LinkFields, AppLinkRule):
    type: Literal["APP_LINK"]
    schemeAndroid: Text500 | None = None
    schemeIos: Text500 | None = None
    urlMobile: Url500 | None = None
    urlPc: Url500 | None = None


class _Url(_LinkFields):
    type: Literal["URL"]
    urlMobile: Url500 | None = None
    urlPc: Url500 | None = None


class _AddChannel(Wire):
    type: Literal["ADD_CHANNEL"]

    @model_validator(mode="before")
    @classmethod
    def _no_fields(cls, data: Any) -> Any:
        return _reject_fields(data, "an ADD_CHANNEL button")


class _BusinessForm(Wire):
    type: Literal["BUSINESS_FORM"]
    name: Annotated[str, Field(min_length=1, max_length=14)]
    businessFormId: Annotated[StrictInt32, Field(le=99_999_999)]

    @model_validator(mode="before")
    @classmethod
    def _spelling(cls, data: Any) -> Any:
        return _reject_other_spellings(data, "businessFormKey")


# TextAndImageButton (TEXT and IMAGE templates): every name is 1..14.
Name14 = Annotated[str, Field(min_length=1, max_length=14)]


class AppLinkTextAndImageButton(_AppLink):
    name: Name14


class UrlTextAndImageButton(_Url):
    name: Name14


class BotKeywordTextAndImageButton(Wire):
    type: Literal["BOT_KEYWORD"]
    name: Name14


class MessageDeliveryTextAndImageButton(Wire):
    type: Literal["MESSAGE_DELIVERY"]
    name: Name14


class AddChannelTextAndImageButton(_AddChannel):
    pass


class BusinessFormTextAndImageButton(_BusinessForm):
    pass


TextAndImageButton = Annotated[
    AppLinkTextAndImageButton
    | UrlTextAndImageButton
    | BotKeywordTextAndImageButton
    | MessageDeliveryTextAndImageButton
    | AddChannelTextAndImageButton
    | BusinessFormTextAndImageButton,
    Field(discriminator="type"),
]

# GeneralButton (IMAGE_WIDE and ITEM_LIST templates): names are 1..8, except BUSINESS_FORM's 1..14.
Name8 = Annotated[str, Field(min_length=1, max_length=8)]


class AppLinkGeneralButton(_AppLink):
    name: Name8


class UrlGeneralButton(_Url):
    name: Name8


class BotKeywordGeneralButton(Wire):
    type: Literal["BOT_KEYWORD"]
    name: Name8


class MessageDeliveryGeneralButton(Wire):
    type: Literal["MESSAGE_DELIVERY"]
    name: Name8


class AddChannelGeneralButton(_AddChannel):
    pass


class BusinessFormGeneralButton(_BusinessForm):
    pass


GeneralButton = Annotated[
    AppLinkGeneralButton
    | UrlGeneralButton
    | BotKeywordGeneralButton
    | MessageDeliveryGeneralButton
    | AddChannelGeneralButton
    | BusinessFormGeneralButton,
    Field(discriminator="type"),
]


def check_button_order(types: list[str], business_form_first: bool) -> None:
    """The ADD_CHANNEL/BUSINESS_FORM placement rules (KAKAO_API.md §2.3).

    TextAndImage buttons lead with BUSINESS_FORM, or with ADD_CHANNEL then BUSINESS_FORM when both are present;
    General buttons end with BUSINESS_FORM, or with BUSINESS_FORM then ADD_CHANNEL. "Both present" is read as the
    pair sitting together at that end: BUSINESS_FORM keeps its place next to the ADD_CHANNEL that takes the end.
    """
    if types.count("ADD_CHANNEL") > 1:
        raise ValueError("at most one ADD_CHANNEL button is allowed")
    if types.count("BUSINESS_FORM") > 1:
        raise ValueError("at most one BUSINESS_FORM button is allowed")
    has_channel = "ADD_CHANNEL" in types
    has_form = "BUSINESS_FORM" in types
    ordered = types if business_form_first else types[::-1]
    end = "first" if business_form_first else "last"
    if has_channel and has_form:
        if ordered[:2] != ["ADD_CHANNEL", "BUSINESS_FORM"]:
            after = "second" if business_form_first else "second to last"
            raise ValueError(
                f"with both ADD_CHANNEL and BUSINESS_FORM, the ADD_CHANNEL button must be the {end} button "
                f"and the BUSINESS_FORM button the {after}"
            )
    elif has_form and ordered[0] != "BUSINESS_FORM":
        raise ValueError(f"the BUSINESS_FORM button must be the {end} button")


# --- Coupons ---------------------------------------------------------------------------------------------------


class _CouponTitle(Wire):
    @model_validator(mode="before")
    @classmethod
    def _spelling(cls, data: Any) -> Any:
        return _reject_other_spellings(data, "couponTitleParameter")


class PriceDiscountCouponTitle(_CouponTitle):
    type: Literal["PRICE_DISCOUNT_COUPON"]
    couponTitle: Annotated[StrictInt32, Field(ge=1, le=99_999_999)]


class PercentageDiscountCouponTitle(_CouponTitle):
    type: Literal["PERCENTAGE_DISCOUNT_COUPON"]
    couponTitle: Annotated[StrictInt32, Field(ge=1, le=100)]


class ShippingDiscountCouponTitle(Wire):
    type: Literal["SHIPPING_DISCOUNT_COUPON"]

    @model_validator(mode="before")
    @classmethod
    def _no_fields(cls, data: Any) -> Any:
        return _reject_fields(data, "a SHIPPING_DISCOUNT_COUPON title")


class FreeCouponTitle(_CouponTitle):
    type: Literal["FREE_COUPON"]
    couponTitle: Annotated[str, Field(min_length=1, max_length=7)]


class UpCouponTitle(_CouponTitle):
    type: Literal["UP_COUPON"]
    couponTitle: Annotated[str, Field(min_length=1, max_length=7)]


CouponTitleContent = Annotated[
    PriceDiscountCouponTitle
    | PercentageDiscountCouponTitle
    | ShippingDiscountCouponTitle
    | FreeCouponTitle
    | UpCouponTitle,
    Field(discriminator="type"),
]


class _TemplateCoupon(_LinkFields):
    title: CouponTitleContent
    urlMobile: Url500
    urlPc: Url500 | None = None
    schemeIos: Text500 | None = None
    schemeAndroid: Text500 | None = None


class GeneralTemplateCoupon(_TemplateCoupon):
    """The coupon of TEXT and IMAGE templates."""

    description: Annotated[str, Field(min_length=1, max_length=12), AfterValidator(_single_line)]


class WideAndVideoTemplateCoupon(_TemplateCoupon):
    """The coupon of IMAGE_WIDE and ITEM_LIST templates."""

    description: Annotated[str, Field(min_length=1, max_length=18), AfterValidator(_single_line)]


# --- Content types ---------------------------------------------------------------------------------------------


class Image(Wire):
    url: Annotated[str, Field(max_length=500)]
    link: Annotated[str, Field(max_length=500)] | None = None


def _text_and_image_buttons(buttons: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
    """At most 5 buttons, 4 when the template has a coupon (the coupon field is declared first so it is known)."""
    if buttons is None:
        return None
    with_coupon = info.data.get("coupon") is not None
    limit = 4 if with_coupon else 5
    if len(buttons) > limit:
        raise ValueError(f"at most {limit} buttons are allowed{' with a coupon' if with_coupon else ''}")
    check_button_order([b.type for b in buttons], business_form_first=True)
    return buttons


def _general_buttons(buttons: list[Any] | None) -> list[Any] | None:
    if buttons is not None:
        check_button_order([b.type for b in buttons], business_form_first=False)
    return buttons


class TextTemplate(Wire):
    type: Literal["TEXT"]
    text: Annotated[str, Field(min_length=1, max_length=1300)]
    coupon: GeneralTemplateCoupon | None = None
    buttons: list[TextAndImageButton] | None = None

    @field_validator("buttons")
    @classmethod
    def _buttons(cls, buttons: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
        return _text_and_image_buttons(buttons, info)


class ImageTemplate(Wire):
    type: Literal["IMAGE"]
    text: Annotated[str, Field(min_length=1, max_length=1300)]
    image: Image
    coupon: GeneralTemplateCoupon | None = None
    buttons: list[TextAndImageButton] | None = None

    @field_validator("buttons")
    @classmethod
    def _buttons(cls, buttons: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
        return _text_and_image_buttons(buttons, info)


class ImageWideTemplate(Wire):
    type: Literal["IMAGE_WIDE"]
    text: Annotated[str, Field(min_length=1, max_length=76)]
    image: Image
    coupon: WideAndVideoTemplateCoupon | None = None
    buttons: Annotated[list[GeneralButton], Field(min_length=1, max_length=2)] | None = None

    @field_validator("buttons")
    @classmethod
    def _buttons(cls, buttons: list[Any] | None) -> list[Any] | None:
        return _general_buttons(buttons)


class _ItemListElement(_LinkFields):
    imageUrl: Text500
    urlMobile: Url500
    urlPc: Url500 | None = None
    schemeAndroid: Text500 | None = None
    schemeIos: Text500 | None = None


class MainItemListElement(_ItemListElement):
    title: Annotated[str, Field(min_length=1, max_length=25)]


class SubItemListElement(_ItemListElement):
    title: Annotated[str, Field(min_length=1, max_length=30)]


class ItemListTemplate(Wire):
    type: Literal["ITEM_LIST"]
    header: Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_single_line)]
    wide: MainItemListElement
    wideList: Annotated[list[SubItemListElement], Field(min_length=2, max_length=4)]
    coupon: WideAndVideoTemplateCoupon | None = None
    buttons: Annotated[list[GeneralButton], Field(min_length=1, max_length=2)] | None = None

    @field_validator("buttons")
    @classmethod
    def _buttons(cls, buttons: list[Any] | None) -> list[Any] | None:
        return _general_buttons(buttons)


TemplateContent = Annotated[
    TextTemplate | ImageTemplate | ImageWideTemplate | ItemListTemplate,
    Field(discriminator="type"),
]


class CreateTemplateRequest(Wire):
    """The body of POST and PUT: a template belongs to exactly one of a sender or a sender group."""

    senderGroup: SenderKey | None = None
    # Declared after senderGroup and validated even when absent, so the exactly-one rule lands on `sender`.
    sender: Annotated[SenderKey | None, Field(validate_default=True)] = None
    name: Annotated[str, Field(min_length=1, max_length=200)]
    isAdult: Annotated[bool, Field(strict=True)] | None = None
    templateContent: TemplateContent

    @field_validator("sender")
    @classmethod
    def _exactly_one_owner(cls, sender: str | None, info: ValidationInfo) -> str | None:
        if "senderGroup" not in info.data:  # senderGroup itself is invalid and reported
            return sender
        group = info.data["senderGroup"]
        if sender is None and group is None:
            raise ValueError("must not be null when senderGroup is not given")
        if sender is not None and group is not None:
            raise ValueError("give either sender or senderGroup, not both")
        return sender

    def content(self) -> dict[str, Any]:
        """The template content as stored and returned by GET: the wire form without absent fields."""
        dumped: dict[str, Any] = self.templateContent.model_dump(mode="json", exclude_none=True)
        return dumped


# --- Sender groups (extension) ---------------------------------------------------------------------------------


class SenderGroupBody(Wire):
    groupKey: SenderKey
    name: Annotated[str, Field(min_length=1, max_length=200)]
    senders: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=1000)]
