"""Brand Message (`POST /kakao-chingu/1/messages`) request validation: every schema constraint and prose rule, each
with a valid and an invalid body, checked through the API's own rendering of violations (`api.errors.violations`).

Every body a test accepts is also checked against the spec's own `KakaoChinguRequest` schema (with its OpenAPI
discriminators followed), so the fixtures here are spec-conformant and only the prose rules go beyond the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError
from pydantic import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kakao_gateway.api.errors import api_error_body, violations
from kakao_gateway.schemas.brand import (
    CONTENT_TYPES,
    AddChannelButton,
    BrandRequest,
    CarouselCommerceFreeFormContent,
    ItemListFreeFormContent,
    RichContentUrlButton,
    TextFreeFormContent,
    content_buttons,
)
from tests.spec import assert_api_error, spec

Json = dict[str, Any]
Violation = tuple[str, str]

# --- the spec's schema, with OpenAPI discriminators followed -------------------------------------------------------

_URI = "urn:infobip-kakao"


def _component(ref: str) -> Json:
    schema: Json = spec()["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _discriminator(validator: Any, discriminator: Json, instance: Any, schema: Json) -> Iterator[SchemaError]:
    """OpenAPI `discriminator`: also validate against the mapped subtype. The subtype's `allOf` reference back to
    the base (the schema holding this discriminator) is dropped, or this would recurse forever."""
    if not isinstance(instance, dict):
        return
    target = discriminator.get("mapping", {}).get(instance.get(discriminator["propertyName"]))
    if not isinstance(target, str):
        return
    subtype = dict(_component(target))
    parts = [p for p in subtype.pop("allOf", []) if not ("$ref" in p and _component(p["$ref"]) == schema)]
    if parts:
        subtype["allOf"] = parts
    yield from validator.descend(instance, subtype)


_Validator = validators.extend(Draft202012Validator, {"discriminator": _discriminator})


def spec_schema_errors(body: Any, name: str = "KakaoChinguRequest") -> list[str]:
    registry: Registry = Registry().with_resource(
        _URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )
    full = next(n for n in spec()["components"]["schemas"] if n.endswith("." + name))
    validator = _Validator({"$ref": f"{_URI}#/components/schemas/{full}"}, registry=registry)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


# --- rendering violations like the API does ------------------------------------------------------------------------


def check(body: Any) -> list[Violation]:
    """The violations the API would answer with (property path, message); empty when the body is valid."""
    raw = orjson.dumps(body)
    try:
        BrandRequest.model_validate_json(raw)
    except ValidationError as exc:
        return violations(exc, raw)
    return []


def accepted(body: Json) -> BrandRequest:
    found = check(body)
    assert found == [], found
    schema_errors = spec_schema_errors(body)
    assert schema_errors == [], schema_errors
    return BrandRequest.model_validate_json(orjson.dumps(body))


def rejected(body: Json, path: str, *fragments: str) -> list[Violation]:
    """Assert a violation at `path` whose message contains every fragment (case-insensitive)."""
    found = check(body)
    at_path = [message for where, message in found if where == path]
    assert at_path, f"no violation at {path!r}; got {found}"
    assert any(all(f.lower() in m.lower() for f in fragments) for m in at_path), (path, fragments, found)
    return found


# --- body builders -------------------------------------------------------------------------------------------------

M = "https://m.example.com/offer"
PC = "https://www.example.com/offer"
IMG = "https://www.example.com/image.jpg"
C = "messages[0].content"


def request(content: Json, targeting: str | None = None, **message: Any) -> Json:
    msg: Json = {"sender": "OFFICIAL-ACCOUNT-ID-123", "destinations": [{"to": "821012345678"}], "content": content}
    if targeting is not None:
        msg["options"] = {"targeting": targeting}
    msg.update(message)
    return {"messages": [msg]}


def url_button(name: str = "Visit", **extra: Any) -> Json:
    return {"type": "URL", "name": name, "urlMobile": M, **extra}


def app_link(name: str = "App", **fields: Any) -> Json:
    return {"type": "APP_LINK", "name": name, **fields}


def bot_keyword(name: str = "Ask") -> Json:
    return {"type": "BOT_KEYWORD", "name": name}


def message_delivery(name: str = "Send") -> Json:
    return {"type": "MESSAGE_DELIVERY", "name": name}


def business_form(name: str = "Form", key: str = "form-key-1") -> Json:
    return {"type": "BUSINESS_FORM", "name": name, "businessFormKey": key}


def add_channel() -> Json:
    return {"type": "ADD_CHANNEL"}


def image(url: str = IMG, **extra: Any) -> Json:
    return {"url": url, **extra}


def coupon(description: str = "Sale", title: Json | None = None, **extra: Any) -> Json:
    title = title if title is not None else {"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitleParameter": 10}
    return {"title": title, "description": description, "urlMobile": M, **extra}


def item(title: str = "Item") -> Json:
    return {"title": title, "url": IMG, "urlMobile": M}


def commerce(**over: Any) -> Json:
    return {"title": "Wireless Headphones", "regularPrice": 199000, **over}


def carousel_element(buttons: list[Json] | None = None, **attachment: Any) -> Json:
    body = {"image": image(), "buttons": buttons if buttons is not None else [url_button()], **attachment}
    return {"header": "Summer", "message": "Summer styles", "attachment": body}


def carousel_commerce_element(buttons: list[Json] | None = None, **attachment: Any) -> Json:
    body = {"image": image(), "buttons": buttons if buttons is not None else [url_button()], **attachment}
    return {"attachment": body, "additionalContent": "Free shipping"}


def minimal(kind: str) -> Json:
    """A minimal valid content of each type."""
    contents: dict[str, Json] = {
        "TEXT_FREE_FORM": {"text": "Hello"},
        "IMAGE_FREE_FORM": {"text": "Hello", "image": image()},
        "IMAGE_WIDE_FREE_FORM": {"text": "Hello", "image": image()},
        "ITEM_LIST_FREE_FORM": {"header": "Top items", "itemList": [item(), item(), item()]},
        "COMMERCE_FREE_FORM": {"commerce": commerce(), "buttons": [url_button()], "image": image()},
        "CAROUSEL_FREE_FORM": {"elements": [carousel_element(), carousel_element()]},
        "CAROUSEL_COMMERCE_FREE_FORM": {"elements": [carousel_commerce_element(), carousel_commerce_element()]},
        "PREMIUM_VIDEO_FREE_FORM": {"video": {"videoUrl": "https://tv.kakao.com/v/1"}},
        "TEXT_VARIABLE": {"templateCode": "tpl-1"},
        "IMAGE_VARIABLE": {"templateCode": "tpl-1"},
        "IMAGE_WIDE_VARIABLE": {"templateCode": "tpl-1"},
        "ITEM_LIST_VARIABLE": {"templateCode": "tpl-1"},
    }
    return {"type": kind, **deepcopy(contents[kind])}


TB_KINDS = ("TEXT_FREE_FORM", "IMAGE_FREE_FORM")
RB_LIST_KINDS = (
    "IMAGE_WIDE_FREE_FORM",
    "ITEM_LIST_FREE_FORM",
    "COMMERCE_FREE_FORM",
    "CAROUSEL_FREE_FORM",
    "CAROUSEL_COMMERCE_FREE_FORM",
)
CAROUSELS = ("CAROUSEL_FREE_FORM", "CAROUSEL_COMMERCE_FREE_FORM")


def with_buttons(kind: str, buttons: list[Json]) -> tuple[Json, str]:
    """`kind`'s minimal content with `buttons` where that type keeps its button list, and that list's path."""
    content = minimal(kind)
    if kind in CAROUSELS:
        content["elements"][1]["attachment"]["buttons"] = buttons
        return content, f"{C}.elements[1].attachment.buttons"
    content["buttons"] = buttons
    return content, f"{C}.buttons"


def with_coupon(kind: str, value: Json) -> tuple[Json, str]:
    content = minimal(kind)
    if kind in CAROUSELS:
        content["elements"][0]["attachment"]["coupon"] = value
        return content, f"{C}.elements[0].attachment.coupon"
    content["coupon"] = value
    return content, f"{C}.coupon"


# --- the request, message options, webhooks ------------------------------------------------------------------------


def test_minimal_request_and_defaults() -> None:
    parsed = accepted(request(minimal("TEXT_FREE_FORM")))
    message = parsed.messages[0]
    assert message.targeting == "TARGETED_FRIENDS"
    assert message.options is None and message.webhooks is None and parsed.options is None


def test_messages_and_destinations_are_required_and_non_empty() -> None:
    rejected({"messages": []}, "messages", "at least 1")
    rejected({}, "messages", "must not be null")
    body = request(minimal("TEXT_FREE_FORM"))
    body["messages"][0]["destinations"] = []
    rejected(body, "messages[0].destinations", "at least 1")
    body = request(minimal("TEXT_FREE_FORM"))
    del body["messages"][0]["sender"]
    rejected(body, "messages[0].sender", "must not be null")
    body = request(minimal("TEXT_FREE_FORM"))
    del body["messages"][0]["content"]
    rejected(body, "messages[0].content", "must not be null")


def test_message_options() -> None:
    options = {
        "platform": {"entityId": "e" * 255, "applicationId": "a"},
        "validityPeriod": {"amount": 30, "timeUnit": "MINUTES"},
        "deliveryTimeWindow": {"days": ["MONDAY"], "from": {"hour": 1, "minute": 0}, "to": {"hour": 9, "minute": 0}},
        "campaignReferenceId": "c" * 255,
        "smsFailover": {"sender": "123", "text": "fallback", "regional": {"southKorea": {"title": "t"}}},
        "targeting": "NON_FRIENDS",
    }
    parsed = accepted(request(minimal("TEXT_FREE_FORM"), options=options))
    assert parsed.messages[0].targeting == "NON_FRIENDS"
    assert parsed.messages[0].options is not None and parsed.messages[0].options.campaignReferenceId == "c" * 255
    bad = [
        ("campaignReferenceId", "c" * 256, "campaignReferenceId", "at most 255"),
        ("targeting", "EVERYONE", "targeting", "ALL_CONSENT"),
        ("validityPeriod", {"amount": 0}, "validityPeriod.amount", "greater than 0"),
        ("smsFailover", {"sender": "1"}, "smsFailover.text", "must not be null"),
        ("platform", {"entityId": "e" * 256}, "platform.entityId", "at most 255"),
        ("deliveryTimeWindow", {"days": []}, "deliveryTimeWindow.days", "at least 1"),
    ]
    for key, value, path, fragment in bad:
        rejected(request(minimal("TEXT_FREE_FORM"), options={key: value}), f"messages[0].options.{path}", fragment)


def test_targeting_values() -> None:
    for targeting in ("ALL_CONSENT", "NON_FRIENDS", "TARGETED_FRIENDS"):
        assert accepted(request(minimal("TEXT_FREE_FORM"), targeting)).messages[0].targeting == targeting


def test_advanced_webhooks() -> None:
    webhooks = {
        "delivery": {
            "url": "https://hooks.example.com/dlr",
            "intermediateReport": True,
            "notify": True,
            "receiveTriggeredFailoverReports": True,
        },
        "contentType": "application/xml",
        "callbackData": "x" * 4000,
    }
    parsed = accepted(request(minimal("TEXT_FREE_FORM"), webhooks=webhooks))
    hooks = parsed.messages[0].webhooks
    assert hooks is not None and hooks.delivery is not None
    assert hooks.delivery.receiveTriggeredFailoverReports is True and hooks.delivery.intermediateReport is True
    default = accepted(request(minimal("TEXT_FREE_FORM"), webhooks={"delivery": {"url": "https://h.example.com"}}))
    default_hooks = default.messages[0].webhooks
    assert default_hooks is not None and default_hooks.delivery is not None
    assert default_hooks.delivery.receiveTriggeredFailoverReports is False
    bad = {"delivery": {"receiveTriggeredFailoverReports": "maybe"}}
    rejected(
        request(minimal("TEXT_FREE_FORM"), webhooks=bad),
        "messages[0].webhooks.delivery.receiveTriggeredFailoverReports",
        "valid boolean",
    )
    rejected(
        request(minimal("TEXT_FREE_FORM"), webhooks={"callbackData": "x" * 4001}), "messages[0].webhooks.callbackData"
    )
    rejected(
        request(minimal("TEXT_FREE_FORM"), webhooks={"contentType": "text/plain"}), "messages[0].webhooks.contentType"
    )


def test_request_options_schedule_and_tracking() -> None:
    body = request(minimal("TEXT_FREE_FORM"))
    body["options"] = {"schedule": {"bulkId": "b" * 100}, "tracking": {}}
    parsed = accepted(body)
    assert parsed.options is not None and parsed.options.tracking is not None
    tracking = parsed.options.tracking
    assert (tracking.shortenUrl, tracking.trackClicks, tracking.removeProtocol) == (True, True, False)
    assert tracking.trackingUrl is None and tracking.customDomain is None
    body["options"] = {
        "tracking": {
            "shortenUrl": False,
            "trackClicks": False,
            "trackingUrl": "https://clicks.example.com",
            "removeProtocol": True,
            "customDomain": "go.example.com",
        }
    }
    assert accepted(body).options.tracking.customDomain == "go.example.com"  # type: ignore[union-attr]
    body["options"] = {"tracking": {"removeProtocol": "maybe"}}
    rejected(body, "options.tracking.removeProtocol", "valid boolean")
    body["options"] = {"schedule": {"bulkId": "b" * 101}}
    rejected(body, "options.schedule.bulkId", "at most 100")
    body["options"] = {"schedule": {"sendAt": "tomorrow"}}
    rejected(body, "options.schedule.sendAt", "ISO-8601")


# --- content types -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", CONTENT_TYPES)
def test_every_content_type_has_a_minimal_valid_body(kind: str) -> None:
    parsed = accepted(request(minimal(kind), "ALL_CONSENT"))
    assert parsed.messages[0].content.type == kind


REQUIRED_FIELDS = [
    ("TEXT_FREE_FORM", "text"),
    ("IMAGE_FREE_FORM", "text"),
    ("IMAGE_FREE_FORM", "image"),
    ("IMAGE_WIDE_FREE_FORM", "text"),
    ("IMAGE_WIDE_FREE_FORM", "image"),
    ("ITEM_LIST_FREE_FORM", "header"),
    ("ITEM_LIST_FREE_FORM", "itemList"),
    ("COMMERCE_FREE_FORM", "commerce"),
    ("COMMERCE_FREE_FORM", "buttons"),
    ("COMMERCE_FREE_FORM", "image"),
    ("CAROUSEL_FREE_FORM", "elements"),
    ("CAROUSEL_COMMERCE_FREE_FORM", "elements"),
    ("PREMIUM_VIDEO_FREE_FORM", "video"),
    ("TEXT_VARIABLE", "templateCode"),
    ("IMAGE_VARIABLE", "templateCode"),
    ("IMAGE_WIDE_VARIABLE", "templateCode"),
    ("ITEM_LIST_VARIABLE", "templateCode"),
]


@pytest.mark.parametrize(("kind", "field"), REQUIRED_FIELDS)
def test_required_content_fields(kind: str, field: str) -> None:
    content = minimal(kind)
    del content[field]
    rejected(request(content), f"{C}.{field}", "must not be null")


@pytest.mark.parametrize(
    "kind", ["TEXT", "IMAGE", "WIDE_IMAGE", "WIDE_ITEM_LIST", "CAROUSEL", "CAROUSEL_COMMERCE", "PREMIUM_VIDEO", "X"]
)
def test_deprecated_chingu_types_are_rejected_as_deprecated(kind: str) -> None:
    found = rejected(request({"type": kind, "text": "Hello"}), f"{C}.type", "deprecated", kind)
    assert len(found) == 1
    rejected(request({"type": kind, "text": "Hello"}), f"{C}.type", "TEXT_FREE_FORM")


def test_unknown_and_missing_content_type() -> None:
    rejected(request({"type": "VIDEO_FREE_FORM", "text": "x"}), f"{C}.type", "unknown content type", "TEXT_VARIABLE")
    rejected(request({"text": "x"}), f"{C}.type", "type is required")


def test_deprecated_type_renders_as_an_api_error() -> None:
    found = check(request({"type": "TEXT", "text": "Hello"}))
    body = api_error_body(400, found)
    assert_api_error(body)
    assert body["violations"][0]["property"] == f"{C}.type"
    assert "deprecated" in body["violations"][0]["violation"]


# --- text lengths --------------------------------------------------------------------------------------------------

TEXT_LIMITS = [
    ("TEXT_FREE_FORM", "text", 1300),
    ("IMAGE_FREE_FORM", "text", 1300),
    ("IMAGE_WIDE_FREE_FORM", "text", 76),
    ("ITEM_LIST_FREE_FORM", "header", 20),
    ("COMMERCE_FREE_FORM", "additionalContent", 34),
    ("PREMIUM_VIDEO_FREE_FORM", "header", 20),
    ("PREMIUM_VIDEO_FREE_FORM", "content", 76),
    ("TEXT_VARIABLE", "templateCode", 50),
    ("IMAGE_VARIABLE", "templateCode", 50),
    ("IMAGE_WIDE_VARIABLE", "templateCode", 50),
    ("ITEM_LIST_VARIABLE", "templateCode", 50),
]


@pytest.mark.parametrize(("kind", "field", "limit"), TEXT_LIMITS)
def test_text_lengths(kind: str, field: str, limit: int) -> None:
    content = minimal(kind)
    content[field] = "가" * limit
    accepted(request(content))
    content[field] = "가" * (limit + 1)
    rejected(request(content), f"{C}.{field}", f"at most {limit} characters")


def test_item_list_header_is_not_empty() -> None:
    content = minimal("ITEM_LIST_FREE_FORM")
    content["header"] = ""
    rejected(request(content), f"{C}.header", "at least 1 character")


# --- images --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["IMAGE_FREE_FORM", "IMAGE_WIDE_FREE_FORM", "COMMERCE_FREE_FORM"])
def test_image_url(kind: str) -> None:
    content = minimal(kind)
    long_url = "https://www.example.com/" + "a" * (250 - len("https://www.example.com/") - 4) + ".jpg"
    assert len(long_url) == 250
    content["image"] = image(long_url, link="https://www.example.com/p")
    accepted(request(content))
    content["image"] = image("http://www.example.com/i.png")
    accepted(request(content))
    content["image"] = image(long_url + "x")
    rejected(request(content), f"{C}.image.url", "at most 250 characters")
    content["image"] = image("www.example.com/i.png")
    rejected(request(content), f"{C}.image.url", "http:// or https://")
    content["image"] = image("ftp://www.example.com/i.png")
    rejected(request(content), f"{C}.image.url", "http:// or https://")
    content["image"] = {"link": "https://www.example.com"}
    rejected(request(content), f"{C}.image.url", "must not be null")
    content["image"] = image(link="https://www.example.com/" + "l" * 250)
    rejected(request(content), f"{C}.image.link", "at most 250 characters")


def test_carousel_card_image() -> None:
    content = minimal("CAROUSEL_FREE_FORM")
    content["elements"][1]["attachment"]["image"] = image("nope")
    rejected(request(content), f"{C}.elements[1].attachment.image.url", "http:// or https://")
    del content["elements"][1]["attachment"]["image"]
    rejected(request(content), f"{C}.elements[1].attachment.image", "must not be null")


# --- buttons: counts -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", TB_KINDS)
def test_text_and_image_button_count(kind: str) -> None:
    content, path = with_buttons(kind, [url_button()] * 5)
    accepted(request(content))
    content, path = with_buttons(kind, [url_button()] * 6)
    rejected(request(content), path, "at most 5 buttons", "got 6")
    content, path = with_buttons(kind, [url_button()] * 4)
    content["coupon"] = coupon()
    accepted(request(content))
    content, path = with_buttons(kind, [url_button()] * 5)
    content["coupon"] = coupon()
    rejected(request(content), path, "at most 4 buttons", "coupon", "got 5")
    content, path = with_buttons(kind, [])
    accepted(request(content))


@pytest.mark.parametrize("kind", RB_LIST_KINDS)
def test_rich_content_button_count(kind: str) -> None:
    for count in (1, 2):
        content, _ = with_buttons(kind, [url_button()] * count)
        accepted(request(content))
    content, path = with_buttons(kind, [url_button()] * 3)
    rejected(request(content), path, "at most 2 items")
    content, path = with_buttons(kind, [])
    rejected(request(content), path, "at least 1 item")


@pytest.mark.parametrize("kind", ["IMAGE_WIDE_FREE_FORM", "ITEM_LIST_FREE_FORM"])
def test_rich_content_buttons_are_optional_where_the_spec_says(kind: str) -> None:
    assert "buttons" not in minimal(kind)
    accepted(request(minimal(kind)))


def test_premium_video_has_a_single_button_object() -> None:
    content = minimal("PREMIUM_VIDEO_FREE_FORM")
    content["button"] = url_button("Watch")
    parsed = accepted(request(content))
    assert isinstance(parsed.messages[0].content.button, RichContentUrlButton)  # type: ignore[union-attr]
    content["button"] = [url_button("Watch")]
    rejected(request(content), f"{C}.button", "should be an object")
    content["button"] = url_button("Watch now")
    rejected(request(content), f"{C}.button.name", "at most 8 characters")


# --- buttons: names and fields per type ----------------------------------------------------------------------------

BUTTON_MAKERS: dict[str, Callable[[str], Json]] = {
    "URL": url_button,
    "APP_LINK": lambda name: app_link(name, schemeAndroid="app://a", schemeIos="app://i"),
    "BOT_KEYWORD": bot_keyword,
    "MESSAGE_DELIVERY": message_delivery,
    "BUSINESS_FORM": business_form,
}


def placed(kind: str, button: Json) -> tuple[Json, str]:
    """Two buttons with `button` second, except a TB BUSINESS_FORM, which must come first."""
    if kind in TB_KINDS and button.get("type") == "BUSINESS_FORM":
        content, path = with_buttons(kind, [button, url_button()])
        return content, f"{path}[0]"
    content, path = with_buttons(kind, [url_button(), button])
    return content, f"{path}[1]"


@pytest.mark.parametrize("button_type", sorted(BUTTON_MAKERS))
@pytest.mark.parametrize("kind", TB_KINDS + RB_LIST_KINDS)
def test_button_name_length_per_family(kind: str, button_type: str) -> None:
    limit = 14 if kind in TB_KINDS else 8
    make = BUTTON_MAKERS[button_type]
    content, _ = placed(kind, make("버" * limit))
    accepted(request(content))
    content, path = placed(kind, make("버" * (limit + 1)))
    found = rejected(request(content), f"{path}.name", f"at most {limit} characters")
    assert len(found) == 1
    content, path = placed(kind, make(""))
    rejected(request(content), f"{path}.name", "at least 1 character")
    button = make("Name")
    del button["name"]
    content, path = placed(kind, button)
    rejected(request(content), f"{path}.name", "must not be null")


def test_premium_video_button_name_is_rich_content() -> None:
    content = minimal("PREMIUM_VIDEO_FREE_FORM")
    content["button"] = bot_keyword("12345678")
    accepted(request(content))
    content["button"] = bot_keyword("123456789")
    rejected(request(content), f"{C}.button.name", "at most 8 characters")


@pytest.mark.parametrize("kind", TB_KINDS + RB_LIST_KINDS)
def test_url_button_fields(kind: str) -> None:
    content, _ = placed(kind, url_button(urlPc=PC, target="OUT"))
    accepted(request(content))
    button = url_button()
    del button["urlMobile"]
    content, path = placed(kind, button)
    rejected(request(content), f"{path}.urlMobile", "must not be null")
    content, path = placed(kind, url_button(urlMobile="m.example.com"))
    rejected(request(content), f"{path}.urlMobile", "http:// or https://")
    content, path = placed(kind, url_button(urlMobile="https://m.example.com/" + "u" * 500))
    rejected(request(content), f"{path}.urlMobile", "at most 500 characters")
    content, path = placed(kind, url_button(urlPc=""))
    rejected(request(content), f"{path}.urlPc", "at least 1 character")
    content, path = placed(kind, url_button(target="IN"))
    rejected(request(content), f"{path}.target", "OUT")


@pytest.mark.parametrize("kind", TB_KINDS + RB_LIST_KINDS)
def test_business_form_needs_a_key(kind: str) -> None:
    button = business_form()
    del button["businessFormKey"]
    content, path = placed(kind, button)
    rejected(request(content), f"{path}.businessFormKey", "must not be null")


@pytest.mark.parametrize("kind", TB_KINDS + RB_LIST_KINDS)
def test_unknown_button_type(kind: str) -> None:
    content, path = placed(kind, {"type": "PHONE", "name": "Call"})
    rejected(request(content), path, "unknown type", "ADD_CHANNEL")
    content, path = placed(kind, {"name": "Call"})
    rejected(request(content), f"{path}.type", "type is required")


APP_LINK_VALID = [
    {"schemeAndroid": "app://a", "schemeIos": "app://i"},
    {"schemeAndroid": "app://a", "urlMobile": M},
    {"schemeIos": "app://i", "urlMobile": M},
    {"schemeAndroid": "app://a", "schemeIos": "app://i", "urlMobile": M, "urlPc": PC},
]
APP_LINK_INVALID = [
    {},
    {"schemeAndroid": "app://a"},
    {"schemeIos": "app://i"},
    {"urlMobile": M},
    {"urlMobile": M, "urlPc": PC},
]


@pytest.mark.parametrize("kind", TB_KINDS + RB_LIST_KINDS)
def test_app_link_needs_two_of_three(kind: str) -> None:
    for fields in APP_LINK_VALID:
        content, _ = placed(kind, app_link(**fields))
        accepted(request(content))
    for fields in APP_LINK_INVALID:
        content, path = placed(kind, app_link(**fields))
        rejected(request(content), path, "at least two of schemeAndroid, schemeIos and urlMobile")
    content, path = placed(kind, app_link(schemeAndroid="", schemeIos="app://i"))
    rejected(request(content), f"{path}.schemeAndroid", "at least 1 character")
    content, path = placed(kind, app_link(schemeAndroid="app://a", urlMobile="not a url"))
    rejected(request(content), f"{path}.urlMobile", "http:// or https://")


def test_premium_video_app_link_needs_two_of_three() -> None:
    content = minimal("PREMIUM_VIDEO_FREE_FORM")
    content["button"] = app_link("App", schemeIos="app://i", urlMobile=M)
    accepted(request(content))
    content["button"] = app_link("App", schemeIos="app://i")
    rejected(request(content), f"{C}.button", "at least two of")


def test_rendered_button_paths_carry_no_discriminator_tags() -> None:
    content, _ = with_buttons("TEXT_FREE_FORM", [url_button(), url_button("x" * 15)])
    assert check(request(content)) == [(f"{C}.buttons[1].name", "String should have at most 14 characters")]
    content, _ = with_buttons("CAROUSEL_COMMERCE_FREE_FORM", [url_button(), app_link("a", urlPc=PC)])
    assert check(request(content)) == [
        (
            f"{C}.elements[1].attachment.buttons[1]",
            "APP_LINK needs at least two of schemeAndroid, schemeIos and urlMobile",
        )
    ]


# --- buttons: ADD_CHANNEL ------------------------------------------------------------------------------------------


def add_channel_content(kind: str) -> tuple[Json, str]:
    """`kind` with one ADD_CHANNEL button, and the path of that button's `type`."""
    if kind == "PREMIUM_VIDEO_FREE_FORM":
        content = minimal(kind)
        content["button"] = add_channel()
        return content, f"{C}.button.type"
    if kind in TB_KINDS:
        content, path = with_buttons(kind, [add_channel(), url_button()])
        return content, f"{path}[0].type"
    content, path = with_buttons(kind, [url_button(), add_channel()])
    return content, f"{path}[1].type"


@pytest.mark.parametrize("kind", (*TB_KINDS, *RB_LIST_KINDS, "PREMIUM_VIDEO_FREE_FORM"))
def test_add_channel_only_with_all_consent_or_non_friends(kind: str) -> None:
    content, path = add_channel_content(kind)
    for targeting in ("ALL_CONSENT", "NON_FRIENDS"):
        accepted(request(content, targeting))
    found = rejected(request(content, "TARGETED_FRIENDS"), path, "ALL_CONSENT or NON_FRIENDS", "TARGETED_FRIENDS")
    assert len(found) == 1
    # No options at all means the default targeting, TARGETED_FRIENDS.
    rejected(request(content), path, "ALL_CONSENT or NON_FRIENDS", "TARGETED_FRIENDS")
    rejected(request(content, options={"campaignReferenceId": "c"}), path, "ALL_CONSENT or NON_FRIENDS")


def test_add_channel_has_no_fields() -> None:
    content, _ = with_buttons("TEXT_FREE_FORM", [add_channel()])
    parsed = accepted(request(content, "ALL_CONSENT"))
    button = parsed.messages[0].content.buttons[0]  # type: ignore[union-attr]
    assert isinstance(button, AddChannelButton) and set(AddChannelButton.model_fields) == {"type"}


def test_every_add_channel_is_reported() -> None:
    content, path = with_buttons("TEXT_FREE_FORM", [add_channel(), url_button(), add_channel()])
    found = check(request(content))
    assert [p for p, _ in found] == [f"{path}[0].type", f"{path}[2].type"]


@pytest.mark.parametrize("kind", CAROUSELS)
def test_at_most_one_add_channel_across_a_carousel(kind: str) -> None:
    content = minimal(kind)
    content["elements"][0]["attachment"]["buttons"] = [url_button(), add_channel()]
    accepted(request(content, "ALL_CONSENT"))
    content["elements"][1]["attachment"]["buttons"] = [add_channel()]
    found = rejected(
        request(content, "ALL_CONSENT"), f"{C}.elements[1].attachment.buttons[0].type", "only one ADD_CHANNEL"
    )
    assert len(found) == 1


# --- buttons: ADD_CHANNEL / BUSINESS_FORM ordering -----------------------------------------------------------------

TB_ORDER_VALID = [
    ["ADD_CHANNEL", "BUSINESS_FORM"],
    ["ADD_CHANNEL", "URL", "BUSINESS_FORM"],
    ["BUSINESS_FORM"],
    ["BUSINESS_FORM", "URL", "BOT_KEYWORD"],
    ["URL", "ADD_CHANNEL"],
]
TB_ORDER_INVALID = [
    (["BUSINESS_FORM", "ADD_CHANNEL"], 1, "ADD_CHANNEL must be the first button when used together with BUSINESS_FORM"),
    (["URL", "ADD_CHANNEL", "BUSINESS_FORM"], 1, "ADD_CHANNEL must be the first button"),
    (["URL", "BUSINESS_FORM"], 1, "BUSINESS_FORM must be the first button"),
    (["URL", "BOT_KEYWORD", "BUSINESS_FORM"], 2, "BUSINESS_FORM must be the first button"),
]
RB_ORDER_VALID = [["BUSINESS_FORM", "ADD_CHANNEL"], ["URL", "BUSINESS_FORM"], ["BUSINESS_FORM"], ["ADD_CHANNEL", "URL"]]
RB_ORDER_INVALID = [
    (["ADD_CHANNEL", "BUSINESS_FORM"], 0, "ADD_CHANNEL must be the last button when used together with BUSINESS_FORM"),
    (["BUSINESS_FORM", "URL"], 0, "BUSINESS_FORM must be the last button"),
]
MAKE_BY_TYPE: dict[str, Callable[[], Json]] = {
    "ADD_CHANNEL": add_channel,
    "BUSINESS_FORM": business_form,
    "URL": url_button,
    "BOT_KEYWORD": bot_keyword,
}


def buttons_of(types: list[str]) -> list[Json]:
    return [MAKE_BY_TYPE[t]() for t in types]


@pytest.mark.parametrize("kind", TB_KINDS)
def test_text_and_image_ordering(kind: str) -> None:
    for types in TB_ORDER_VALID:
        content, _ = with_buttons(kind, buttons_of(types))
        accepted(request(content, "ALL_CONSENT"))
    for types, index, message in TB_ORDER_INVALID:
        content, path = with_buttons(kind, buttons_of(types))
        found = rejected(request(content, "ALL_CONSENT"), f"{path}[{index}]", message)
        assert len(found) == 1


@pytest.mark.parametrize("kind", RB_LIST_KINDS)
def test_rich_content_ordering(kind: str) -> None:
    for types in RB_ORDER_VALID:
        content, _ = with_buttons(kind, buttons_of(types))
        accepted(request(content, "NON_FRIENDS"))
    for types, index, message in RB_ORDER_INVALID:
        content, path = with_buttons(kind, buttons_of(types))
        found = rejected(request(content, "NON_FRIENDS"), f"{path}[{index}]", message)
        assert len(found) == 1


# --- coupons -------------------------------------------------------------------------------------------------------

COUPON_TITLES_VALID = [
    {"type": "PRICE_DISCOUNT_COUPON", "couponTitleParameter": 1},
    {"type": "PRICE_DISCOUNT_COUPON", "couponTitleParameter": 99999999},
    {"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitleParameter": 1},
    {"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitleParameter": 100},
    {"type": "FREE_COUPON", "couponTitleParameter": "무"},
    {"type": "FREE_COUPON", "couponTitleParameter": "1234567"},
    {"type": "UP_COUPON", "couponTitleParameter": "U"},
    {"type": "UP_COUPON", "couponTitleParameter": "1234567"},
    {"type": "SHIPPING_DISCOUNT_COUPON"},
]
P = "couponTitleParameter"
COUPON_TITLES_INVALID: list[tuple[Json, str, str]] = [
    ({"type": "PRICE_DISCOUNT_COUPON", P: 0}, P, "greater than or equal to 1"),
    ({"type": "PRICE_DISCOUNT_COUPON", P: 100000000}, P, "less than or equal to 99999999"),
    ({"type": "PRICE_DISCOUNT_COUPON", P: "ten"}, P, "valid integer"),
    ({"type": "PRICE_DISCOUNT_COUPON"}, P, "must not be null"),
    ({"type": "PERCENTAGE_DISCOUNT_COUPON", P: 0}, P, "greater than or equal to 1"),
    ({"type": "PERCENTAGE_DISCOUNT_COUPON", P: 101}, P, "less than or equal to 100"),
    ({"type": "PERCENTAGE_DISCOUNT_COUPON"}, P, "must not be null"),
    ({"type": "FREE_COUPON", P: ""}, P, "at least 1 character"),
    ({"type": "FREE_COUPON", P: "12345678"}, P, "at most 7 characters"),
    ({"type": "FREE_COUPON", P: 5}, P, "valid string"),
    ({"type": "FREE_COUPON"}, P, "must not be null"),
    ({"type": "UP_COUPON", P: ""}, P, "at least 1 character"),
    ({"type": "UP_COUPON", P: "12345678"}, P, "at most 7 characters"),
    ({"type": "UP_COUPON"}, P, "must not be null"),
    ({"type": "GIFT_COUPON", P: "x"}, "", "unknown type"),
    ({P: 10}, "type", "type is required"),
]


@pytest.mark.parametrize("title", COUPON_TITLES_VALID, ids=lambda t: f"{t['type']}-{t.get(P)}")
def test_coupon_title_valid(title: Json) -> None:
    content, _ = with_coupon("TEXT_FREE_FORM", coupon(title=title))
    accepted(request(content))


@pytest.mark.parametrize(("title", "field", "message"), COUPON_TITLES_INVALID, ids=lambda v: str(v))
def test_coupon_title_invalid(title: Json, field: str, message: str) -> None:
    content, path = with_coupon("TEXT_FREE_FORM", coupon(title=title))
    rejected(request(content), f"{path}.title.{field}".rstrip("."), message)


def test_shipping_coupon_parameter_is_ignored() -> None:
    title = {"type": "SHIPPING_DISCOUNT_COUPON", P: 3000}
    content, _ = with_coupon("TEXT_FREE_FORM", coupon(title=title))
    parsed = accepted(request(content))
    assert not hasattr(parsed.messages[0].content.coupon.title, P)  # type: ignore[union-attr]


COUPON_FAMILIES = [
    ("TEXT_FREE_FORM", None),
    ("IMAGE_FREE_FORM", None),
    ("IMAGE_WIDE_FREE_FORM", 18),
    ("ITEM_LIST_FREE_FORM", 18),
    ("PREMIUM_VIDEO_FREE_FORM", 18),
    ("COMMERCE_FREE_FORM", 12),
    ("CAROUSEL_FREE_FORM", 12),
    ("CAROUSEL_COMMERCE_FREE_FORM", 12),
]


@pytest.mark.parametrize(("kind", "limit"), COUPON_FAMILIES)
def test_coupon_description_length_per_family(kind: str, limit: int | None) -> None:
    if limit is None:
        content, _ = with_coupon(kind, coupon("쿠" * 2000))
        accepted(request(content))
        content, path = with_coupon(kind, {k: v for k, v in coupon().items() if k != "description"})
        rejected(request(content), f"{path}.description", "must not be null")
        return
    content, _ = with_coupon(kind, coupon("쿠" * limit))
    accepted(request(content))
    content, path = with_coupon(kind, coupon("쿠" * (limit + 1)))
    rejected(request(content), f"{path}.description", f"at most {limit} characters")
    content, path = with_coupon(kind, coupon(""))
    rejected(request(content), f"{path}.description", "at least 1 character")


@pytest.mark.parametrize(("kind", "limit"), COUPON_FAMILIES)
def test_coupon_required_fields_and_urls(kind: str, limit: int | None) -> None:
    content, path = with_coupon(kind, {k: v for k, v in coupon().items() if k != "urlMobile"})
    rejected(request(content), f"{path}.urlMobile", "must not be null")
    content, path = with_coupon(kind, {k: v for k, v in coupon().items() if k != "title"})
    rejected(request(content), f"{path}.title", "must not be null")
    content, path = with_coupon(kind, coupon(urlMobile="m.example.com/coupon"))
    rejected(request(content), f"{path}.urlMobile", "http:// or https://")
    content, path = with_coupon(kind, coupon(urlPC="www.example.com/coupon"))
    rejected(request(content), f"{path}.urlPC", "http:// or https://")


# --- field-name casing ---------------------------------------------------------------------------------------------


def test_coupon_casing_is_urlPC_and_schemeIOS() -> None:
    content, _ = with_coupon("IMAGE_WIDE_FREE_FORM", coupon(urlPC=PC, schemeIOS="app://i", schemeAndroid="app://a"))
    parsed = accepted(request(content))
    dumped = parsed.messages[0].content.coupon.model_dump(exclude_none=True)  # type: ignore[union-attr]
    assert dumped["urlPC"] == PC and dumped["schemeIOS"] == "app://i" and dumped["schemeAndroid"] == "app://a"
    # The button spelling is not the coupon's: it is an unknown field there, ignored.
    content, _ = with_coupon("IMAGE_WIDE_FREE_FORM", coupon(urlPc=PC, schemeIos="app://i"))
    dumped = accepted(request(content)).messages[0].content.coupon.model_dump()  # type: ignore[union-attr]
    assert dumped["urlPC"] is None and dumped["schemeIOS"] is None and "urlPc" not in dumped


def test_item_list_casing_is_urlPC_and_schemeIOS() -> None:
    content = minimal("ITEM_LIST_FREE_FORM")
    content["itemList"][1].update(urlPC=PC, schemeIOS="app://i", urlPc="https://ignored.example.com")
    parsed = accepted(request(content))
    assert isinstance(parsed.messages[0].content, ItemListFreeFormContent)
    element = parsed.messages[0].content.itemList[1].model_dump()
    assert element["urlPC"] == PC and element["schemeIOS"] == "app://i" and "urlPc" not in element


def test_button_head_and_tail_casing_is_urlPc_and_schemeIos() -> None:
    content, _ = with_buttons("TEXT_FREE_FORM", [app_link("App", schemeIos="app://i", urlMobile=M, urlPC=PC)])
    button = accepted(request(content)).messages[0].content.buttons[0].model_dump()  # type: ignore[union-attr]
    assert button["schemeIos"] == "app://i" and button["urlPc"] is None and "urlPC" not in button
    content = minimal("CAROUSEL_FREE_FORM")
    content["head"] = {"header": "H", "content": "C", "image": image(), "urlPc": PC, "schemeIos": "app://i"}
    content["tail"] = {"urlMobile": M, "urlPc": PC, "schemeIos": "app://i", "schemeAndroid": "app://a"}
    parsed = accepted(request(content)).messages[0].content
    assert parsed.head.urlPc == PC and parsed.head.schemeIos == "app://i"  # type: ignore[union-attr]
    assert parsed.tail.urlPc == PC and parsed.tail.schemeIos == "app://i"  # type: ignore[union-attr]


# --- item list -----------------------------------------------------------------------------------------------------


def test_item_list_element_count() -> None:
    content = minimal("ITEM_LIST_FREE_FORM")
    for count in (3, 4, 5):
        content["itemList"] = [item() for _ in range(count)]
        accepted(request(content))
    content["itemList"] = [item(), item()]
    rejected(request(content), f"{C}.itemList", "at least 3 items")
    content["itemList"] = [item() for _ in range(6)]
    rejected(request(content), f"{C}.itemList", "at most 5 items")


def test_item_list_title_lengths() -> None:
    content = minimal("ITEM_LIST_FREE_FORM")
    content["itemList"] = [item("a" * 25), item("b" * 30), item("c" * 30), item("d" * 30), item("e" * 30)]
    accepted(request(content))
    content["itemList"][0] = item("a" * 26)
    found = rejected(request(content), f"{C}.itemList[0].title", "first item", "at most 25 characters", "got 26")
    assert len(found) == 1
    content["itemList"][0] = item("a" * 25)
    content["itemList"][2] = item("c" * 31)
    content["itemList"][4] = item("e" * 31)
    found = rejected(request(content), f"{C}.itemList[2].title", "after the first", "at most 30 characters")
    rejected(request(content), f"{C}.itemList[4].title", "at most 30 characters")
    assert len(found) == 2


def test_item_list_element_fields() -> None:
    content = minimal("ITEM_LIST_FREE_FORM")
    for field in ("title", "url", "urlMobile"):
        content["itemList"] = [item(), item(), item()]
        del content["itemList"][1][field]
        rejected(request(content), f"{C}.itemList[1].{field}", "must not be null")
    content["itemList"] = [item(), item(), {**item(), "url": "https://www.example.com/" + "i" * 240}]
    rejected(request(content), f"{C}.itemList[2].url", "at most 250 characters")


# --- commerce ------------------------------------------------------------------------------------------------------

DISCOUNTS_VALID = [
    {},
    {"discountPrice": 159000, "discountFixed": 40000},
    {"discountPrice": 159000, "discountRate": 20},
    {"discountPrice": 159000, "discountFixed": 40000, "discountRate": 20},
    {"discountFixed": 999999},
    {"discountRate": 0},
]
COMMERCE_INVALID: list[tuple[Json, str, str]] = [
    ({"discountPrice": 159000}, "discountPrice", "discountPrice must come with discountFixed or discountRate"),
    ({"title": ""}, "title", "at least 1 character"),
    ({"title": "t" * 31}, "title", "at most 30 characters"),
    ({"regularPrice": -1}, "regularPrice", "greater than or equal to 0"),
    ({"regularPrice": 100000000}, "regularPrice", "less than or equal to 99999999"),
    ({"discountPrice": 100000000, "discountRate": 1}, "discountPrice", "less than or equal to 99999999"),
    ({"discountFixed": 1000000}, "discountFixed", "less than or equal to 999999"),
    ({"discountRate": 101}, "discountRate", "less than or equal to 100"),
]


def commerce_content(kind: str, value: Json) -> tuple[Json, str]:
    content = minimal(kind)
    if kind == "COMMERCE_FREE_FORM":
        content["commerce"] = value
        return content, f"{C}.commerce"
    content["elements"][1]["attachment"]["commerce"] = value
    return content, f"{C}.elements[1].attachment.commerce"


@pytest.mark.parametrize("kind", ["COMMERCE_FREE_FORM", "CAROUSEL_COMMERCE_FREE_FORM"])
def test_commerce_discounts_and_limits(kind: str) -> None:
    for over in DISCOUNTS_VALID:
        content, _ = commerce_content(kind, commerce(**over))
        accepted(request(content))
    for over, field, message in COMMERCE_INVALID:
        content, path = commerce_content(kind, commerce(**over))
        rejected(request(content), f"{path}.{field}", message)
    content, path = commerce_content(kind, {"title": "Headphones"})
    rejected(request(content), f"{path}.regularPrice", "must not be null")


def test_carousel_commerce_card_commerce_is_optional() -> None:
    parsed = accepted(request(minimal("CAROUSEL_COMMERCE_FREE_FORM")))
    assert isinstance(parsed.messages[0].content, CarouselCommerceFreeFormContent)
    assert parsed.messages[0].content.elements[0].attachment.commerce is None


# --- carousels -----------------------------------------------------------------------------------------------------


def carousel_head() -> Json:
    return {"header": "Latest", "content": "Our newest", "image": image(), "urlMobile": M}


def commerce_head() -> Json:
    return {"header": "Special Offers", "content": "Best deals", "imageUrl": IMG, "urlMobile": M}


def test_carousel_free_form_element_count_ignores_the_head() -> None:
    for head in (None, carousel_head()):
        content = minimal("CAROUSEL_FREE_FORM")
        if head is not None:
            content["head"] = head
        for count in (2, 6):
            content["elements"] = [carousel_element() for _ in range(count)]
            accepted(request(content))
        content["elements"] = [carousel_element()]
        rejected(request(content), f"{C}.elements", "at least 2 items")
        content["elements"] = [carousel_element() for _ in range(7)]
        rejected(request(content), f"{C}.elements", "at most 6 items")


def test_carousel_commerce_element_count_depends_on_the_head() -> None:
    content = minimal("CAROUSEL_COMMERCE_FREE_FORM")
    content["head"] = commerce_head()
    for count in (1, 2, 6):
        content["elements"] = [carousel_commerce_element() for _ in range(count)]
        accepted(request(content))
    content["elements"] = []
    rejected(request(content), f"{C}.elements", "at least 1 element is required when head is present", "got 0")
    content["elements"] = [carousel_commerce_element() for _ in range(7)]
    rejected(request(content), f"{C}.elements", "at most 6 items")
    del content["head"]
    for count in (2, 6):
        content["elements"] = [carousel_commerce_element() for _ in range(count)]
        accepted(request(content))
    content["elements"] = [carousel_commerce_element()]
    rejected(request(content), f"{C}.elements", "at least 2 elements are required when head is absent", "got 1")
    content["elements"] = []
    rejected(request(content), f"{C}.elements", "at least 2 elements")


def test_carousel_free_form_element_fields() -> None:
    content = minimal("CAROUSEL_FREE_FORM")
    content["elements"][0].update(header="h" * 20, message="m" * 180)
    accepted(request(content))
    content["elements"][0].update(header="h" * 21, message="m" * 181)
    rejected(request(content), f"{C}.elements[0].header", "at most 20 characters")
    rejected(request(content), f"{C}.elements[0].message", "at most 180 characters")
    for field in ("header", "message", "attachment"):
        content = minimal("CAROUSEL_FREE_FORM")
        del content["elements"][1][field]
        rejected(request(content), f"{C}.elements[1].{field}", "must not be null")
    content = minimal("CAROUSEL_FREE_FORM")
    del content["elements"][1]["attachment"]["buttons"]
    rejected(request(content), f"{C}.elements[1].attachment.buttons", "must not be null")


def test_carousel_commerce_element_fields() -> None:
    content = minimal("CAROUSEL_COMMERCE_FREE_FORM")
    content["elements"][0]["additionalContent"] = "a" * 34
    accepted(request(content))
    content["elements"][0]["additionalContent"] = "a" * 35
    rejected(request(content), f"{C}.elements[0].additionalContent", "at most 34 characters")
    content = minimal("CAROUSEL_COMMERCE_FREE_FORM")
    del content["elements"][1]["attachment"]
    rejected(request(content), f"{C}.elements[1].attachment", "must not be null")


def test_carousel_free_form_head_and_tail() -> None:
    content = minimal("CAROUSEL_FREE_FORM")
    content["head"] = {**carousel_head(), "header": "h" * 20, "content": "c" * 50}
    content["tail"] = {"urlMobile": M}
    accepted(request(content))
    content["head"] = {**carousel_head(), "header": "h" * 21, "content": "c" * 51}
    rejected(request(content), f"{C}.head.header", "at most 20 characters")
    rejected(request(content), f"{C}.head.content", "at most 50 characters")
    for field in ("header", "content", "image"):
        head = carousel_head()
        del head[field]
        content["head"] = head
        rejected(request(content), f"{C}.head.{field}", "must not be null")
    content["head"] = {**carousel_head(), "urlMobile": "m.example.com"}
    rejected(request(content), f"{C}.head.urlMobile", "http:// or https://")
    content["head"] = carousel_head()
    content["tail"] = {"urlPc": PC}
    rejected(request(content), f"{C}.tail.urlMobile", "must not be null")
    content["tail"] = {"urlMobile": "m.example.com"}
    rejected(request(content), f"{C}.tail.urlMobile", "http:// or https://")


def test_carousel_commerce_head_and_tail() -> None:
    content = minimal("CAROUSEL_COMMERCE_FREE_FORM")
    content["head"] = {**commerce_head(), "header": "h" * 20}
    content["tail"] = {"urlMobile": M, "urlPc": PC}
    accepted(request(content))
    content["head"] = {**commerce_head(), "header": "h" * 21}
    rejected(request(content), f"{C}.head.header", "at most 20 characters")
    for field in ("header", "content"):
        head = commerce_head()
        del head[field]
        content["head"] = head
        rejected(request(content), f"{C}.head.{field}", "must not be null")
    content["head"] = commerce_head()
    content["tail"] = {}
    rejected(request(content), f"{C}.tail.urlMobile", "must not be null")


# --- premium video -------------------------------------------------------------------------------------------------


def test_premium_video() -> None:
    content = minimal("PREMIUM_VIDEO_FREE_FORM")
    content["video"] = {"videoUrl": "https://tv.kakao.com/v/" + "1" * 477, "thumbnailUrl": IMG}
    assert len(content["video"]["videoUrl"]) == 500
    content["coupon"] = coupon("쿠" * 18)
    accepted(request(content))
    content["video"] = {"videoUrl": "https://tv.kakao.com/v/" + "1" * 478}
    rejected(request(content), f"{C}.video.videoUrl", "at most 500 characters")
    content["video"] = {"thumbnailUrl": IMG}
    rejected(request(content), f"{C}.video.videoUrl", "must not be null")
    content["video"] = {"videoUrl": "tv.kakao.com/v/1"}
    rejected(request(content), f"{C}.video.videoUrl", "http:// or https://")


# --- variable (template) types -------------------------------------------------------------------------------------

IMAGE_VARIABLE_KINDS = ("IMAGE_VARIABLE", "IMAGE_WIDE_VARIABLE", "ITEM_LIST_VARIABLE")


@pytest.mark.parametrize("kind", ("TEXT_VARIABLE", *IMAGE_VARIABLE_KINDS))
def test_variable_placeholder_maps(kind: str) -> None:
    content = minimal(kind)
    content.update(messageData={"var1": "name"}, buttonData={"b": "https://x.example.com"}, couponData={"c": "Big"})
    parsed = accepted(request(content)).messages[0].content
    assert parsed.messageData == {"var1": "name"} and parsed.couponData == {"c": "Big"}  # type: ignore[union-attr]
    for field in ("messageData", "buttonData", "couponData"):
        content = minimal(kind)
        content[field] = {"var1": 5}
        rejected(request(content), f"{C}.{field}.var1", "valid string")
        content[field] = ["name"]
        rejected(request(content), f"{C}.{field}", "should be an object")


@pytest.mark.parametrize("kind", IMAGE_VARIABLE_KINDS)
def test_variable_image_data(kind: str) -> None:
    content = minimal(kind)
    content["imageData"] = [{"img_url": IMG}, {"img_url": "https://www.example.com/2.png"}]
    parsed = accepted(request(content)).messages[0].content
    assert [i.img_url for i in parsed.imageData] == [IMG, "https://www.example.com/2.png"]  # type: ignore[union-attr]
    content["imageData"] = [{"img_url": IMG}, {"url": IMG}]
    rejected(request(content), f"{C}.imageData[1].img_url", "must not be null")
    content["imageData"] = {"img_url": IMG}
    rejected(request(content), f"{C}.imageData", "valid array")


def test_text_variable_has_no_image_data() -> None:
    content = minimal("TEXT_VARIABLE")
    content["imageData"] = [{"img_url": IMG}]
    parsed = accepted(request(content)).messages[0].content
    assert "imageData" not in type(parsed).model_fields


# --- helpers the send path uses ------------------------------------------------------------------------------------


def test_content_buttons_lists_every_button_with_its_location() -> None:
    content = minimal("CAROUSEL_FREE_FORM")
    content["elements"][1]["attachment"]["buttons"] = [url_button(), add_channel()]
    parsed = accepted(request(content, "ALL_CONSENT")).messages[0].content
    assert [(loc, b.type) for loc, b in content_buttons(parsed)] == [
        (("elements", 0, "attachment", "buttons", 0), "URL"),
        (("elements", 1, "attachment", "buttons", 0), "URL"),
        (("elements", 1, "attachment", "buttons", 1), "ADD_CHANNEL"),
    ]
    video = minimal("PREMIUM_VIDEO_FREE_FORM")
    video["button"] = url_button()
    assert [loc for loc, _ in content_buttons(accepted(request(video)).messages[0].content)] == [("button",)]
    text, _ = with_buttons("TEXT_FREE_FORM", [url_button(), bot_keyword()])
    parsed_text = accepted(request(text)).messages[0].content
    assert isinstance(parsed_text, TextFreeFormContent)
    assert [loc for loc, _ in content_buttons(parsed_text)] == [("buttons", 0), ("buttons", 1)]
    assert content_buttons(accepted(request(minimal("TEXT_VARIABLE"))).messages[0].content) == []


def test_all_violations_of_a_body_are_reported_together() -> None:
    bad_text = minimal("TEXT_FREE_FORM")
    bad_text["text"] = "t" * 1301
    bad_wide = minimal("IMAGE_WIDE_FREE_FORM")
    bad_wide["buttons"] = [url_button("Too long name")]
    body = request(bad_text)
    body["messages"].append(request(bad_wide)["messages"][0])
    assert [p for p, _ in check(body)] == [f"{C}.text", "messages[1].content.buttons[0].name"]


# --- the spec's own request examples -------------------------------------------------------------------------------


def _spec_examples() -> dict[str, Json]:
    operation = spec()["paths"]["/kakao-chingu/1/messages"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    return {name: example["value"] for name, example in examples.items()}


SPEC_EXAMPLES = _spec_examples()
# KAKAO_API.md §7.15: the spec's examples that break its own schema, and the violation each must produce.
SPEC_EXAMPLES_BREAKING_THE_SCHEMA: dict[str, tuple[str, str]] = {
    # item-list `header` "Top Products This Week" has 22 characters (> 20)
    "Send a free form item list brand message": (f"{C}.header", "at most 20 characters"),
    # carousel button "Pre-order" has 9 characters (> 8)
    "Send a carousel free form brand message": (
        f"{C}.elements[1].attachment.buttons[0].name",
        "at most 8 characters",
    ),
}


def test_spec_has_an_example_of_every_content_type() -> None:
    types = {body["messages"][0]["content"]["type"] for body in SPEC_EXAMPLES.values()}
    assert types == set(CONTENT_TYPES)
    assert set(SPEC_EXAMPLES_BREAKING_THE_SCHEMA) <= set(SPEC_EXAMPLES)


def test_the_examples_breaking_the_schema_are_exactly_those_listed_in_kakao_api_md() -> None:
    breaking = {name for name, body in SPEC_EXAMPLES.items() if spec_schema_errors(body)}
    assert breaking == set(SPEC_EXAMPLES_BREAKING_THE_SCHEMA)


@pytest.mark.parametrize("name", sorted(set(SPEC_EXAMPLES) - set(SPEC_EXAMPLES_BREAKING_THE_SCHEMA)))
def test_spec_examples_satisfying_the_schema_are_accepted(name: str) -> None:
    accepted(SPEC_EXAMPLES[name])


@pytest.mark.parametrize("name", sorted(SPEC_EXAMPLES_BREAKING_THE_SCHEMA))
def test_spec_examples_breaking_the_schema_are_a_clear_400(name: str) -> None:
    body = SPEC_EXAMPLES[name]
    assert spec_schema_errors(body)
    path, message = SPEC_EXAMPLES_BREAKING_THE_SCHEMA[name]
    found = check(body)
    assert found == [(path, f"String should have {message}")]
    assert_api_error(api_error_body(400, found))


def test_spec_examples_are_accepted_once_corrected() -> None:
    item_list = deepcopy(SPEC_EXAMPLES["Send a free form item list brand message"])
    item_list["messages"][0]["content"]["header"] = "Top Products"
    accepted(item_list)
    carousel = deepcopy(SPEC_EXAMPLES["Send a carousel free form brand message"])
    carousel["messages"][0]["content"]["elements"][1]["attachment"]["buttons"][0]["name"] = "Preorder"
    accepted(carousel)
