"""Brand Message sending end to end through the HTTP API (`/kakao-chingu/1/...`) on a fake clock: every content
type sent, delivered, reported and logged exactly per Infobip's spec; rule violations as 400s; the shared options;
variable types rendered from stored Brand templates; targeting and the sandbox's friend lists; the 08:00-20:50 KST
advertising hours (per account) at their boundary minutes; URL shortening per destination, the redirect, click
webhooks (with retries) and click statistics; isolation between accounts.

Times: START_MS is 2026-11-29 13:00 KST (04:00 UTC); `kst(day, hour, ...)` names instants in Korea time.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain.times import format_ms, parse_instant

from .conftest import START_MS, Receiver
from .helpers import SENDER, settle
from .spec import assert_api_error, assert_matches, assert_schema, spec
from .test_brand_templates import client_for
from .test_links import assert_url_tracking_webhook
from .unit.test_brand_schemas import spec_schema_errors

Json = dict[str, Any]

CHINGU = "/kakao-chingu/1/messages"
REPORTS = "/kakao-chingu/1/reports"
LOGS = "/kakao-chingu/1/logs"
TEMPLATES = "/kakao-brand-messages/1/templates"
SETTINGS = "/kakao/1/brand-settings"
CLICKS = "/kakao/1/clicks"
OTHER_SENDER = "OTHER-CHANNEL"
GROUP = "GROUP-1"
HOOK = "http://hooks.test/dlr"
CLICK_HOOK = "http://hooks.test/clicks"
DOMAIN = "127.0.0.1:8000"  # host of the test gateway's default public_url (http://127.0.0.1:8000)
CUSTOM = "go.example.com"

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
KST_MIDNIGHT = START_MS - 13 * HOUR  # 2026-11-29 00:00 KST

DELIVERED = "821000000001"
NOT_A_USER = "821000000002"
BLOCKED = "821000000003"
ABSENT_10_MIN = "821000000004"
ALWAYS_ABSENT = "821000000005"
PROVIDER_ERROR_ONCE = "821000000006"
NOT_A_FRIEND = "821000000008"

M = "https://m.example.com/offer"
PC = "https://www.example.com/offer"
IMG = "https://www.example.com/image.jpg"
SALE = "https://shop.example.com/sale?utm=kakao"
SALE_B = "https://shop.example.com/b"
UA_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"
SHORT = re.compile(r"(?:(https?)://)?([a-z0-9.:-]+)/([0-9A-Za-z]{8})")


def kst(day: int, hour: int, minute: int = 0, second: int = 0, ms: int = 0) -> int:
    """Epoch ms of 2026-11-29 + `day` days at hour:minute:second.ms Korea time."""
    return KST_MIDNIGHT + day * DAY + hour * HOUR + minute * MINUTE + second * SECOND + ms


# --- content builders ----------------------------------------------------------------------------------------------


def url_button(name: str = "Visit", url_mobile: str = M, url_pc: str | None = PC) -> Json:
    button: Json = {"type": "URL", "name": name, "urlMobile": url_mobile, "target": "OUT"}
    if url_pc is not None:
        button["urlPc"] = url_pc
    return button


def app_link(name: str = "App") -> Json:
    return {"type": "APP_LINK", "name": name, "schemeAndroid": "shop://a", "schemeIos": "shop://i", "urlMobile": M}


def coupon(description: str = "Sale", title: Json | None = None) -> Json:
    return {
        "title": title or {"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitleParameter": 10},
        "description": description,
        "urlMobile": "https://m.example.com/coupon",
        "urlPC": "https://www.example.com/coupon",
        "schemeIOS": "shop://coupon",
        "schemeAndroid": "shop://coupon",
    }


def item(title: str = "Item") -> Json:
    return {"title": title, "url": IMG, "urlMobile": M, "urlPC": PC, "schemeIOS": "shop://i", "schemeAndroid": "a://i"}


def carousel_element(name: str = "Shop") -> Json:
    return {
        "header": "Summer",
        "message": "Summer styles",
        "attachment": {"image": {"url": IMG}, "buttons": [url_button(name)], "coupon": coupon("Save now")},
    }


def carousel_commerce_element() -> Json:
    attachment = {
        "image": {"url": IMG, "link": PC},
        "buttons": [url_button("Buy")],
        "commerce": {"title": "Headphones", "regularPrice": 199000, "discountPrice": 159000, "discountRate": 20},
    }
    return {"attachment": attachment, "additionalContent": "Free shipping"}


FREE_FORM: dict[str, Json] = {
    "TEXT_FREE_FORM": {
        "type": "TEXT_FREE_FORM",
        "text": f"Our winter sale: {SALE} ends soon. More: {SALE_B}.",
        "coupon": coupon(),
        "buttons": [
            url_button(),
            app_link(),
            {"type": "BOT_KEYWORD", "name": "Ask"},
            {"type": "MESSAGE_DELIVERY", "name": "Send"},
        ],
    },
    "IMAGE_FREE_FORM": {
        "type": "IMAGE_FREE_FORM",
        "text": "Our new product",
        "image": {"url": IMG, "link": PC},
        "buttons": [{"type": "BUSINESS_FORM", "name": "Reserve", "businessFormKey": "form-1"}, url_button("Shop now")],
    },
    "IMAGE_WIDE_FREE_FORM": {
        "type": "IMAGE_WIDE_FREE_FORM",
        "text": "Discover our collection",
        "image": {"url": IMG},
        "coupon": coupon("Wide sale", {"type": "PRICE_DISCOUNT_COUPON", "couponTitleParameter": 5000}),
        "buttons": [url_button("View"), {"type": "BOT_KEYWORD", "name": "Ask"}],
    },
    "ITEM_LIST_FREE_FORM": {
        "type": "ITEM_LIST_FREE_FORM",
        "header": "Top products",
        "itemList": [item("Coffee"), item("Tea"), item("Chocolate")],
        "buttons": [url_button("Shop")],
        "coupon": coupon("List sale", {"type": "UP_COUPON", "couponTitleParameter": "2x"}),
    },
    "COMMERCE_FREE_FORM": {
        "type": "COMMERCE_FREE_FORM",
        "commerce": {
            "title": "Wireless Headphones",
            "regularPrice": 199000,
            "discountPrice": 159000,
            "discountFixed": 40000,
        },
        "buttons": [url_button("Buy")],
        "image": {"url": IMG, "link": PC},
        "additionalContent": "Free shipping",
        "coupon": coupon("Gift", {"type": "FREE_COUPON", "couponTitleParameter": "Gift"}),
    },
    "CAROUSEL_FREE_FORM": {
        "type": "CAROUSEL_FREE_FORM",
        "head": {"header": "Latest", "content": "Newest products", "image": {"url": IMG}, "urlMobile": M, "urlPc": PC},
        "elements": [carousel_element(), carousel_element("More")],
        "tail": {"urlMobile": M, "urlPc": PC},
    },
    "CAROUSEL_COMMERCE_FREE_FORM": {
        "type": "CAROUSEL_COMMERCE_FREE_FORM",
        "head": {"header": "Offers", "content": "Best deals", "imageUrl": IMG, "urlMobile": M},
        "elements": [carousel_commerce_element()],  # one element is enough with a head
        "tail": {"urlMobile": M},
    },
    "PREMIUM_VIDEO_FREE_FORM": {
        "type": "PREMIUM_VIDEO_FREE_FORM",
        "header": "Premiere",
        "content": "Watch our film",
        "video": {"videoUrl": "https://tv.kakao.com/v/1", "thumbnailUrl": IMG},
        "button": url_button("Watch"),
        "coupon": coupon("Ship free", {"type": "SHIPPING_DISCOUNT_COUPON"}),
    },
}

TEMPLATE_BUTTON = {"type": "URL", "name": "Shop", "urlMobile": "https://m.shop.test", "urlPc": "https://shop.test"}
# Brand templates per type (template spelling: couponTitle, urlPc); TEXT has a placeholder of every kind.
TEMPLATE_CONTENTS: dict[str, Json] = {
    "TEXT": {
        "type": "TEXT",
        "text": "Hello #{name}, our winter sale is on.",
        "buttons": [
            {"type": "URL", "name": "Shop", "urlMobile": "https://m.shop.test/#{path}", "urlPc": "https://shop.test"}
        ],
        "coupon": {
            "title": {"type": "FREE_COUPON", "couponTitle": "Gift"},
            "description": "#{gift}",
            "urlMobile": "https://m.shop.test/coupon",
        },
    },
    "IMAGE": {
        "type": "IMAGE",
        "text": "New for #{name}",
        "image": {"url": "https://img.test/a.jpg", "link": "https://shop.test"},
        "buttons": [TEMPLATE_BUTTON],
    },
    "IMAGE_WIDE": {
        "type": "IMAGE_WIDE",
        "text": "Wide sale for #{name}",
        "image": {"url": "https://img.test/wide.jpg"},
        "buttons": [TEMPLATE_BUTTON],
    },
    "ITEM_LIST": {
        "type": "ITEM_LIST",
        "header": "For #{name}",
        "wide": {"title": "Main item", "imageUrl": "https://img.test/i.jpg", "urlMobile": "https://m.shop.test/i"},
        "wideList": [
            {"title": "One", "imageUrl": "https://img.test/1.jpg", "urlMobile": "https://m.shop.test/1"},
            {"title": "Two", "imageUrl": "https://img.test/2.jpg", "urlMobile": "https://m.shop.test/2"},
        ],
        "buttons": [TEMPLATE_BUTTON],
    },
}
VARIABLE_TEMPLATE_TYPE = {
    "TEXT_VARIABLE": "TEXT",
    "IMAGE_VARIABLE": "IMAGE",
    "IMAGE_WIDE_VARIABLE": "IMAGE_WIDE",
    "ITEM_LIST_VARIABLE": "ITEM_LIST",
}
ALL_TYPES = (*FREE_FORM, *VARIABLE_TEMPLATE_TYPE)


def free_form(kind: str, **changes: Any) -> Json:
    content = copy.deepcopy(FREE_FORM[kind])
    content.update(changes)
    return {k: v for k, v in content.items() if v is not None}


def variable(kind: str, code: str, **changes: Any) -> Json:
    content: Json = {"type": kind, "templateCode": code, "messageData": {"name": "Jimin"}}
    if kind == "TEXT_VARIABLE":
        content["buttonData"] = {"path": "winter"}
        content["couponData"] = {"gift": "A scarf"}
    else:
        content["imageData"] = [{"img_url": "https://www.example.com/override.jpg"}]
    content.update(changes)
    return {k: v for k, v in content.items() if v is not None}


def brand_body(
    content: Json,
    *to: str,
    sender: str = SENDER,
    options: Json | None = None,
    webhooks: Json | None = None,
    schedule: Json | None = None,
    tracking: Json | None = None,
) -> Json:
    message: Json = {"sender": sender, "destinations": [{"to": t} for t in (to or (DELIVERED,))], "content": content}
    if options is not None:
        message["options"] = options
    if webhooks is not None:
        message["webhooks"] = webhooks
    body: Json = {"messages": [message]}
    request_options = {k: v for k, v in (("schedule", schedule), ("tracking", tracking)) if v is not None}
    if request_options:
        body["options"] = request_options
    return body


def hooks(url: str | None = HOOK, **delivery: Any) -> Json:
    section: Json = {k: delivery.pop(k) for k in ("callbackData", "contentType") if k in delivery}
    if url is not None:
        delivery["url"] = url
    if delivery:
        section["delivery"] = delivery
    return section


# --- API helpers ---------------------------------------------------------------------------------------------------


async def add_sender(client: httpx.AsyncClient, sender: str = SENDER, eligible: bool = False) -> None:
    response = await client.post(
        "/kakao/1/senders", json={"sender": sender, "name": "Brand channel", "targetingEligible": eligible}
    )
    assert response.status_code == 200, response.text
    assert response.json()["targetingEligible"] is eligible


async def create_template(
    client: httpx.AsyncClient, content: Json, sender: str | None = SENDER, group: str | None = None
) -> str:
    body: Json = {"name": "Winter sale", "templateContent": content}
    if group is not None:
        body["senderGroup"] = group
    else:
        body["sender"] = sender
    response = await client.post(TEMPLATES, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["templateCode"])


async def post(client: httpx.AsyncClient, body: Json) -> Json:
    response = await client.post(CHINGU, json=body)
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    assert_matches(answer, CHINGU, "post", 200)
    assert len(answer["messages"]) == sum(len(m["destinations"]) for m in body["messages"])
    return answer


async def send_one(client: httpx.AsyncClient, body: Json) -> str:
    """Send a one-destination request that must be accepted; the messageId."""
    answer = await post(client, body)
    [message] = answer["messages"]
    assert message["status"]["name"] == "PENDING_ENROUTE", message
    return str(message["messageId"])


async def pull(client: httpx.AsyncClient, **params: Any) -> list[Json]:
    response = await client.get(REPORTS, params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert_matches(body, REPORTS, "get", 200)
    results: list[Json] = body["results"]
    return results


async def logs(client: httpx.AsyncClient, **params: Any) -> list[Json]:
    response = await client.get(LOGS, params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert_matches(body, LOGS, "get", 200)
    results: list[Json] = body["results"]
    return results


async def log_of(client: httpx.AsyncClient, message_id: str) -> Json:
    [entry] = await logs(client, messageId=message_id)
    return entry


def outcome(report: Json) -> tuple[str, str]:
    return report["status"]["name"], report["error"]["name"]


def pushed_reports(receiver: Receiver, path: str = "/dlr") -> list[Json]:
    results: list[Json] = []
    for r in receiver.requests:
        if r["path"] == path:
            assert r["headers"]["content-type"].startswith("application/json"), r["headers"]
            body = json.loads(r["body"])
            assert_matches(body, REPORTS, "get", 200)
            results.extend(body["results"])
    return results


def click_events(receiver: Receiver, path: str = "/clicks") -> list[Json]:
    events = [json.loads(r["body"]) for r in receiver.requests if r["path"] == path]
    for event in events:
        assert_url_tracking_webhook(event)
    return events


def assert_400(response: httpx.Response, prop: str, *fragments: str) -> None:
    """A 400 E400 in the spec's shape with a violation at exactly `prop` that mentions every fragment."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    assert_matches(body, CHINGU, "post", 400)
    assert body["errorCode"] == "E400"
    found = {v["property"]: v["violation"] for v in body["violations"]}
    assert prop in found, body["violations"]
    for fragment in fragments:
        assert fragment.lower() in found[prop].lower(), found[prop]


def short_links(text: str) -> list[tuple[str | None, str, str]]:
    """(scheme or None, host, code) of every short link in a text."""
    return [(m.group(1), m.group(2), m.group(3)) for m in SHORT.finditer(text)]


async def follow(client: httpx.AsyncClient, url: str, user_agent: str = UA_IPHONE) -> httpx.Response:
    """Open a short link the way a phone would: GET /<code> with the link's host in the Host header."""
    [(_, host, code)] = short_links(url)
    return await client.get(f"/{code}", headers={"host": host, "user-agent": user_agent})


# --- every content type: send, deliver, report, log ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_TYPES)
async def test_every_content_type_is_delivered_reported_and_logged(
    client: httpx.AsyncClient, gateway: Gateway, kind: str
) -> None:
    await add_sender(client)
    if kind in VARIABLE_TEMPLATE_TYPE:
        code = await create_template(client, TEMPLATE_CONTENTS[VARIABLE_TEMPLATE_TYPE[kind]])
        content = variable(kind, code)
    else:
        content = free_form(kind)
    body = brand_body(content, DELIVERED, options={"campaignReferenceId": f"camp-{kind}"})
    assert spec_schema_errors(body) == []  # the fixture itself conforms to the spec's KakaoChinguRequest
    answer = await post(client, body)
    [message] = answer["messages"]
    assert message["destination"] == DELIVERED
    assert message["status"] == {
        "groupId": 1,
        "groupName": "PENDING",
        "id": 7,
        "name": "PENDING_ENROUTE",
        "description": "Message sent to next instance",
    }
    [entry] = await logs(client)
    assert entry["messageId"] == message["messageId"]
    assert entry["status"]["name"] == "PENDING_ENROUTE"
    assert entry["content"] == content  # stored as sent: nothing dropped, renamed or added

    await settle(gateway)

    [report] = await pull(client)
    assert report["messageId"] == message["messageId"]
    assert report["bulkId"] == answer["bulkId"]
    assert report["to"] == DELIVERED
    assert report["sender"] == SENDER
    assert report["campaignReferenceId"] == f"camp-{kind}"
    assert outcome(report) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert report["sentAt"] == report["doneAt"] == format_ms(START_MS)
    assert report["messageCount"] == 1
    assert await pull(client) == []  # pulled once
    [entry] = await logs(client, bulkId=answer["bulkId"])
    assert entry["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert entry["content"] == content
    # Brand messages are not Alim messages.
    alim = await client.get("/kakao-alim/1/logs")
    assert alim.json()["results"] == []


SPEC_EXAMPLES: dict[str, Json] = {
    name: example["value"]
    for name, example in spec()["paths"][CHINGU]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ].items()
}
# KAKAO_API.md §7.15: the spec's own examples that break its schema.
BROKEN_EXAMPLES = {
    "Send a free form item list brand message": ("messages[0].content.header", "20"),
    "Send a carousel free form brand message": ("messages[0].content.elements[1].attachment.buttons[0].name", "8"),
}


@pytest.mark.parametrize("name", sorted(SPEC_EXAMPLES))
async def test_the_spec_examples(client: httpx.AsyncClient, gateway: Gateway, name: str) -> None:
    """Every example of the spec, with our sender (eligible: most use ALL_CONSENT) and destination: the free-form
    ones are delivered or a clear 400 (§7.15); the variable ones name a template that does not exist here."""
    await add_sender(client, eligible=True)
    body = copy.deepcopy(SPEC_EXAMPLES[name])
    body["messages"][0]["sender"] = SENDER
    body["messages"][0]["destinations"] = [{"to": DELIVERED}]
    if name in BROKEN_EXAMPLES:
        prop, limit = BROKEN_EXAMPLES[name]
        assert_400(await client.post(CHINGU, json=body), prop, limit)
        assert await logs(client) == []
        return
    answer = await post(client, body)
    [message] = answer["messages"]
    await settle(gateway)
    [report] = await pull(client)
    assert report["messageId"] == message["messageId"]
    if body["messages"][0]["content"]["type"].endswith("_VARIABLE"):
        assert outcome(report) == ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE")
    else:
        assert outcome(report) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert (await log_of(client, message["messageId"]))["content"] == body["messages"][0]["content"]


# --- validation through HTTP ---------------------------------------------------------------------------------------


def _invalid_bodies() -> list[Any]:
    text = FREE_FORM["TEXT_FREE_FORM"]
    cases: list[tuple[str, Json, str | None, str, str]] = [
        (
            "text-six-buttons",
            free_form("TEXT_FREE_FORM", coupon=None, buttons=[url_button()] * 6),
            None,
            "messages[0].content.buttons",
            "at most 5",
        ),
        (
            "text-five-buttons-with-coupon",
            free_form("TEXT_FREE_FORM", buttons=[*text["buttons"], url_button()]),
            None,
            "messages[0].content.buttons",
            "at most 4",
        ),
        (
            "text-app-link-one-of-three",
            free_form("TEXT_FREE_FORM", buttons=[{"type": "APP_LINK", "name": "App", "urlMobile": M}]),
            None,
            "messages[0].content.buttons[0]",
            "two of",
        ),
        (
            "text-coupon-percentage-over-100",
            free_form(
                "TEXT_FREE_FORM",
                coupon=coupon(title={"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitleParameter": 101}),
            ),
            None,
            "messages[0].content.coupon.title.couponTitleParameter",
            "100",
        ),
        (
            "text-add-channel-after-business-form",
            free_form(
                "TEXT_FREE_FORM",
                buttons=[{"type": "BUSINESS_FORM", "name": "Form", "businessFormKey": "k"}, {"type": "ADD_CHANNEL"}],
            ),
            "ALL_CONSENT",
            "messages[0].content.buttons[1]",
            "ADD_CHANNEL must be the first",
        ),
        (
            "image-button-name-15",
            free_form("IMAGE_FREE_FORM", buttons=[url_button("A" * 15)]),
            None,
            "messages[0].content.buttons[0].name",
            "14",
        ),
        (
            "image-without-image",
            free_form("IMAGE_FREE_FORM", image=None),
            None,
            "messages[0].content.image",
            "must not be null",
        ),
        (
            "image-wide-button-name-9",
            free_form("IMAGE_WIDE_FREE_FORM", buttons=[url_button("Pre-order")]),
            None,
            "messages[0].content.buttons[0].name",
            "8",
        ),
        (
            "image-wide-text-77",
            free_form("IMAGE_WIDE_FREE_FORM", text="x" * 77),
            None,
            "messages[0].content.text",
            "76",
        ),
        (
            "item-list-first-title-26",
            free_form("ITEM_LIST_FREE_FORM", itemList=[item("T" * 26), item(), item()]),
            None,
            "messages[0].content.itemList[0].title",
            "25",
        ),
        (
            "item-list-two-items",
            free_form("ITEM_LIST_FREE_FORM", itemList=[item(), item()]),
            None,
            "messages[0].content.itemList",
            "3",
        ),
        (
            "commerce-discount-price-alone",
            free_form("COMMERCE_FREE_FORM", commerce={"title": "Headphones", "regularPrice": 100, "discountPrice": 90}),
            None,
            "messages[0].content.commerce.discountPrice",
            "discountFixed or discountRate",
        ),
        (
            "commerce-coupon-description-13",
            free_form("COMMERCE_FREE_FORM", coupon=coupon("D" * 13)),
            None,
            "messages[0].content.coupon.description",
            "12",
        ),
        (
            "carousel-one-element",
            free_form("CAROUSEL_FREE_FORM", elements=[carousel_element()]),
            None,
            "messages[0].content.elements",
            "2",
        ),
        (
            "carousel-two-add-channels",
            free_form(
                "CAROUSEL_FREE_FORM",
                elements=[
                    {**carousel_element(), "attachment": {"image": {"url": IMG}, "buttons": [{"type": "ADD_CHANNEL"}]}},
                    {**carousel_element(), "attachment": {"image": {"url": IMG}, "buttons": [{"type": "ADD_CHANNEL"}]}},
                ],
            ),
            "ALL_CONSENT",
            "messages[0].content.elements[1].attachment.buttons[0].type",
            "only one ADD_CHANNEL",
        ),
        (
            "carousel-commerce-one-element-without-head",
            free_form("CAROUSEL_COMMERCE_FREE_FORM", head=None),
            None,
            "messages[0].content.elements",
            "at least 2",
        ),
        (
            "premium-video-button-array",
            free_form("PREMIUM_VIDEO_FREE_FORM", button=[url_button("Watch")]),
            None,
            "messages[0].content.button",
            "",
        ),
        (
            "variable-template-code-51",
            variable("TEXT_VARIABLE", "c" * 51),
            None,
            "messages[0].content.templateCode",
            "50",
        ),
        (
            "variable-image-data-without-img-url",
            variable("IMAGE_VARIABLE", "tpl", imageData=[{"url": IMG}]),
            None,
            "messages[0].content.imageData[0].img_url",
            "must not be null",
        ),
    ]
    return [
        pytest.param(content, targeting, prop, fragment, id=name) for name, content, targeting, prop, fragment in cases
    ]


@pytest.mark.parametrize(("content", "targeting", "prop", "fragment"), _invalid_bodies())
async def test_a_broken_rule_is_a_400_at_its_path(
    client: httpx.AsyncClient, content: Json, targeting: str | None, prop: str, fragment: str
) -> None:
    await add_sender(client, eligible=True)
    options = {"targeting": targeting} if targeting else None
    assert_400(await client.post(CHINGU, json=brand_body(content, options=options)), prop, fragment)
    assert await logs(client) == []  # nothing was stored


@pytest.mark.parametrize("kind", ["TEXT", "IMAGE", "WIDE_IMAGE", "WIDE_ITEM_LIST", "CAROUSEL_FEED", "PREMIUM_VIDEO"])
async def test_deprecated_chingu_types_are_a_clear_400(client: httpx.AsyncClient, kind: str) -> None:
    await add_sender(client)
    response = await client.post(CHINGU, json=brand_body({"type": kind, "text": "Hello"}))
    assert_400(response, "messages[0].content.type", "deprecated", "TEXT_FREE_FORM")


async def test_unknown_and_missing_content_types_are_a_400(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    unknown = await client.post(CHINGU, json=brand_body({"type": "VIDEO_FREE_FORM", "text": "Hello"}))
    assert_400(unknown, "messages[0].content.type", "unknown content type")
    missing = await client.post(CHINGU, json=brand_body({"text": "Hello"}))
    assert missing.status_code == 400
    assert any(v["property"].startswith("messages[0].content") for v in missing.json()["violations"])


# --- shared options ------------------------------------------------------------------------------------------------


async def test_options_and_webhooks_are_echoed_in_pushed_reports(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    """platform, validityPeriod, campaignReferenceId, callbackData and AdvancedWebhooks'
    receiveTriggeredFailoverReports (accepted; failover itself is not built)."""
    await add_sender(client)
    options = {
        "platform": {"entityId": "ent-1", "applicationId": "app-1"},
        "validityPeriod": {"amount": 2, "timeUnit": "HOURS"},
        "campaignReferenceId": "camp-1",
    }
    webhooks = hooks(callbackData="cb-1", contentType="application/json", receiveTriggeredFailoverReports=True)
    answer = await post(
        client, brand_body(free_form("TEXT_FREE_FORM"), DELIVERED, BLOCKED, options=options, webhooks=webhooks)
    )
    await settle(gateway)
    by_to = {r["to"]: r for r in pushed_reports(receiver)}
    assert set(by_to) == {DELIVERED, BLOCKED}
    for report in by_to.values():
        assert_schema(report, "DeliveryReport")
        assert report["bulkId"] == answer["bulkId"]
        assert report["callbackData"] == "cb-1"
        assert report["platform"] == {"entityId": "ent-1", "applicationId": "app-1"}
        assert report["campaignReferenceId"] == "camp-1"
    assert outcome(by_to[DELIVERED]) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert outcome(by_to[BLOCKED]) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")
    assert await pull(client) == []  # pushed, so not pullable
    filtered = await logs(client, campaignReferenceId="camp-1", entityId="ent-1", applicationId="app-1")
    assert len(filtered) == 2
    assert await logs(client, campaignReferenceId="other") == []


async def test_validity_period_expires_a_brand_message(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await add_sender(client)
    options = {"validityPeriod": {"amount": 5, "timeUnit": "MINUTES"}}
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), ALWAYS_ABSENT, options=options))
    await gateway.advance_clock(START_MS + 5 * MINUTE - 1)
    assert await pull(client) == []
    await gateway.advance_clock(START_MS + 5 * MINUTE)
    [report] = await pull(client)
    assert report["messageId"] == message_id
    assert (report["status"]["name"], report["error"]["id"]) == ("EXPIRED_EXPIRED", 4101)
    assert report["doneAt"] == format_ms(START_MS + 5 * MINUTE)


async def test_notify_false_pushes_nothing_and_the_report_is_pullable(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await add_sender(client)
    body = brand_body(free_form("IMAGE_FREE_FORM"), DELIVERED, webhooks=hooks(notify=False, callbackData="q"))
    message_id = await send_one(client, body)
    await gateway.advance_clock(START_MS + HOUR)
    assert receiver.requests == []
    [report] = await pull(client)
    assert (report["messageId"], report["callbackData"]) == (message_id, "q")


async def test_intermediate_reports_are_pushed_then_the_final_one(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await add_sender(client)
    body = brand_body(free_form("TEXT_FREE_FORM"), ABSENT_10_MIN, webhooks=hooks(intermediateReport=True))
    message_id = await send_one(client, body)
    await gateway.advance_clock(START_MS + 30 * MINUTE)
    *intermediate, final = pushed_reports(receiver)
    assert intermediate
    for report in intermediate:
        assert report["messageId"] == message_id
        assert (report["status"]["groupName"], report["error"]["name"]) == ("PENDING", "EC_ABSENT_SUBSCRIBER")
    assert outcome(final) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert await pull(client) == []


async def test_xml_reports(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await add_sender(client)
    webhooks = hooks(contentType="application/xml", callbackData="<a & b>")
    answer = await post(client, brand_body(free_form("COMMERCE_FREE_FORM"), DELIVERED, NOT_A_FRIEND, webhooks=webhooks))
    await settle(gateway)
    [request] = receiver.requests
    assert request["headers"]["content-type"].startswith("application/xml")
    root = ET.fromstring(request["body"])
    assert root.tag == "DeliveryReports"
    by_to = {r.findtext("to"): r for r in root.findall("./results/result")}
    assert set(by_to) == {DELIVERED, NOT_A_FRIEND}
    for result in by_to.values():
        assert result.findtext("bulkId") == answer["bulkId"]
        assert result.findtext("callbackData") == "<a & b>"
        assert result.findtext("sender") == SENDER
    assert by_to[DELIVERED].findtext("status/name") == "DELIVERED_TO_HANDSET"
    assert by_to[NOT_A_FRIEND].findtext("error/name") == "EC_UNKNOWN_USER"
    assert by_to[NOT_A_FRIEND].findtext("error/id") == "7002"


async def test_speed_limit_paces_a_brand_bulk(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    tos = [f"8210{i:08d}" for i in range(100, 104)]
    schedule = {"bulkId": "brand-bulk-1", "sendingSpeedLimit": {"amount": 2, "timeUnit": "MINUTE"}}
    answer = await post(client, brand_body(free_form("TEXT_FREE_FORM"), *tos, schedule=schedule))
    assert answer["bulkId"] == "brand-bulk-1"
    await gateway.advance_clock(START_MS + 5 * MINUTE)
    reports = await pull(client, bulkId="brand-bulk-1")
    assert all(outcome(r) == ("DELIVERED_TO_HANDSET", "NO_ERROR") for r in reports)
    assert sorted(r["sentAt"] for r in reports) == [format_ms(START_MS + i * 30 * SECOND) for i in range(4)]


async def test_send_at_delays_a_brand_message_and_ad_hours_still_apply(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await add_sender(client)
    soon = await send_one(
        client, brand_body(free_form("TEXT_FREE_FORM"), schedule={"sendAt": format_ms(START_MS + HOUR)})
    )
    night = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), schedule={"sendAt": format_ms(kst(0, 21))}))
    await gateway.advance_clock(START_MS + HOUR - 1)
    assert await pull(client) == []
    await gateway.advance_clock(START_MS + HOUR)
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (soon, format_ms(START_MS + HOUR))
    await gateway.advance_clock(kst(1, 8) - 1)
    assert await pull(client) == []
    await gateway.advance_clock(kst(1, 8))
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (night, format_ms(kst(1, 8)))


# --- variable types: stored Brand templates ------------------------------------------------------------------------


async def test_text_variable_with_every_placeholder_value_is_delivered(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await add_sender(client)
    code = await create_template(client, TEMPLATE_CONTENTS["TEXT"])
    message_id = await send_one(client, brand_body(variable("TEXT_VARIABLE", code)))
    await settle(gateway)
    [report] = await pull(client)
    assert (report["messageId"], outcome(report)) == (message_id, ("DELIVERED_TO_HANDSET", "NO_ERROR"))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"messageData": None}, id="no-messageData"),
        pytest.param({"messageData": {"other": "x"}}, id="messageData-without-name"),
        pytest.param({"buttonData": None}, id="no-buttonData"),
        pytest.param({"couponData": {}}, id="empty-couponData"),
        pytest.param({"messageData": {}, "buttonData": {"path": "p", "name": "Jimin"}}, id="value-in-the-wrong-map"),
    ],
)
async def test_a_missing_placeholder_value_rejects_the_destination(
    client: httpx.AsyncClient, gateway: Gateway, changes: Json
) -> None:
    await add_sender(client)
    code = await create_template(client, TEMPLATE_CONTENTS["TEXT"])
    answer = await post(client, brand_body(variable("TEXT_VARIABLE", code, **changes), DELIVERED, NOT_A_USER))
    for message in answer["messages"]:
        assert message["status"]["name"] == "UNDELIVERABLE_REJECTED_PLATFORM"
    await settle(gateway)
    reports = await pull(client)
    assert sorted(r["messageId"] for r in reports) == sorted(m["messageId"] for m in answer["messages"])
    for report in reports:
        assert outcome(report) == ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS")
        assert report["error"]["id"] == 7008
        assert (report["status"]["groupName"], report["status"]["id"]) == ("REJECTED", 100)
    assert await pull(client) == []


async def test_unknown_template_or_a_template_of_another_type_or_sender_is_rejected(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    image_code = await create_template(client, TEMPLATE_CONTENTS["IMAGE"])
    others_code = await create_template(client, TEMPLATE_CONTENTS["TEXT"], sender=OTHER_SENDER)
    rejected = [
        await post(client, brand_body(variable("TEXT_VARIABLE", "0123456789abcdef"))),
        await post(client, brand_body(variable("TEXT_VARIABLE", image_code))),  # an IMAGE template
        await post(client, brand_body(variable("IMAGE_WIDE_VARIABLE", image_code))),
        await post(client, brand_body(variable("TEXT_VARIABLE", others_code))),  # another sender's template
    ]
    fine = await send_one(client, brand_body(variable("IMAGE_VARIABLE", image_code)))
    for answer in rejected:
        assert answer["messages"][0]["status"]["name"] == "UNDELIVERABLE_REJECTED_PLATFORM"
    await settle(gateway)
    by_id = {r["messageId"]: r for r in await pull(client)}
    assert outcome(by_id.pop(fine)) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert sorted(by_id) == sorted(a["messages"][0]["messageId"] for a in rejected)
    for report in by_id.values():
        assert outcome(report) == ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE")
        assert report["error"]["id"] == 7009


async def test_a_sender_group_template_serves_its_members_only(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    response = await client.post("/kakao/1/sender-groups", json={"groupKey": GROUP, "name": "G", "senders": [SENDER]})
    assert response.status_code == 200, response.text
    code = await create_template(client, TEMPLATE_CONTENTS["ITEM_LIST"], group=GROUP)
    member = await send_one(client, brand_body(variable("ITEM_LIST_VARIABLE", code)))
    outsider = await post(client, brand_body(variable("ITEM_LIST_VARIABLE", code), sender=OTHER_SENDER))
    await settle(gateway)
    by_id = {r["messageId"]: outcome(r) for r in await pull(client)}
    assert by_id == {
        member: ("DELIVERED_TO_HANDSET", "NO_ERROR"),
        outsider["messages"][0]["messageId"]: ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE"),
    }


async def test_unknown_sender_is_rejected(client: httpx.AsyncClient, gateway: Gateway) -> None:
    answer = await post(client, brand_body(free_form("TEXT_FREE_FORM"), sender="NOBODY"))
    assert answer["messages"][0]["status"]["name"] == "REJECTED_SOURCE"
    await settle(gateway)
    [report] = await pull(client)
    assert outcome(report) == ("REJECTED_SOURCE", "EC_CONFIGURATION_ERROR")


# --- targeting -----------------------------------------------------------------------------------------------------


async def test_targeted_friends_by_default_does_not_reach_821000000008(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await add_sender(client)
    explicit = {"targeting": "TARGETED_FRIENDS"}
    implicit = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), NOT_A_FRIEND))
    stated = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), NOT_A_FRIEND, options=explicit))
    await settle(gateway)
    reports = {r["messageId"]: r for r in await pull(client)}
    for message_id in (implicit, stated):
        assert outcome(reports[message_id]) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
        assert reports[message_id]["error"]["id"] == 7002


async def test_friend_list_decides_who_a_targeted_message_reaches(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    friend, stranger = "821011110001", "821011110002"
    response = await client.put(f"/sandbox/1/senders/{SENDER}/friends", json={"destinations": [friend, friend]})
    assert response.status_code == 200, response.text
    assert response.json() == {"sender": SENDER, "friends": 1}
    answer = await post(client, brand_body(free_form("TEXT_FREE_FORM"), friend, stranger))
    other = await post(client, brand_body(free_form("TEXT_FREE_FORM"), stranger, sender=OTHER_SENDER))  # no list
    await settle(gateway)
    ids = {m["destination"]: m["messageId"] for m in answer["messages"]}
    reports = {r["messageId"]: outcome(r) for r in await pull(client)}
    assert reports == {
        ids[friend]: ("DELIVERED_TO_HANDSET", "NO_ERROR"),
        ids[stranger]: ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER"),
        other["messages"][0]["messageId"]: ("DELIVERED_TO_HANDSET", "NO_ERROR"),
    }
    # An empty list removes it: everyone but 821000000008 is a friend again.
    response = await client.put(f"/sandbox/1/senders/{SENDER}/friends", json={"destinations": []})
    assert response.json() == {"sender": SENDER, "friends": 0}
    again = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), stranger))
    await settle(gateway)
    [report] = await pull(client)
    assert (report["messageId"], outcome(report)) == (again, ("DELIVERED_TO_HANDSET", "NO_ERROR"))


@pytest.mark.parametrize("targeting", ["ALL_CONSENT", "NON_FRIENDS"])
async def test_wide_targeting_needs_an_eligible_sender(
    client: httpx.AsyncClient, gateway: Gateway, targeting: str
) -> None:
    await add_sender(client, eligible=False)
    await add_sender(client, OTHER_SENDER, eligible=True)
    options = {"targeting": targeting}
    refused = await post(client, brand_body(free_form("TEXT_FREE_FORM"), NOT_A_FRIEND, DELIVERED, options=options))
    for message in refused["messages"]:
        assert message["status"]["name"] == "UNDELIVERABLE_REJECTED_PLATFORM"
    allowed = await post(
        client, brand_body(free_form("TEXT_FREE_FORM"), NOT_A_FRIEND, sender=OTHER_SENDER, options=options)
    )
    await settle(gateway)
    reports = {r["messageId"]: r for r in await pull(client)}
    for message in refused["messages"]:
        report = reports.pop(message["messageId"])
        assert outcome(report) == ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_FORBIDDEN_ACCESS")
        assert report["error"]["id"] == 7005
    [delivered] = reports.values()
    assert delivered["messageId"] == allowed["messages"][0]["messageId"]
    assert outcome(delivered) == ("DELIVERED_TO_HANDSET", "NO_ERROR")


async def test_add_channel_button_needs_wide_targeting(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client, eligible=True)
    content = free_form("TEXT_FREE_FORM", coupon=None, buttons=[{"type": "ADD_CHANNEL"}, url_button()])
    for options in (None, {"targeting": "TARGETED_FRIENDS"}):
        response = await client.post(CHINGU, json=brand_body(content, options=options))
        assert_400(response, "messages[0].content.buttons[0].type", "ALL_CONSENT or NON_FRIENDS")
    message_id = await send_one(client, brand_body(content, NOT_A_FRIEND, options={"targeting": "NON_FRIENDS"}))
    await settle(gateway)
    [report] = await pull(client)
    assert (report["messageId"], outcome(report)) == (message_id, ("DELIVERED_TO_HANDSET", "NO_ERROR"))


@pytest.mark.parametrize("targeting", ["TARGETED_FRIENDS", "ALL_CONSENT"])
async def test_other_magic_numbers_behave_as_for_alim(
    client: httpx.AsyncClient, gateway: Gateway, targeting: str
) -> None:
    await add_sender(client, eligible=True)
    body = brand_body(
        free_form("TEXT_FREE_FORM"), NOT_A_USER, BLOCKED, PROVIDER_ERROR_ONCE, options={"targeting": targeting}
    )
    answer = await post(client, body)
    await gateway.advance_clock(START_MS + 5 * MINUTE)
    ids = {m["destination"]: m["messageId"] for m in answer["messages"]}
    reports = {r["messageId"]: r for r in await pull(client)}
    assert outcome(reports[ids[NOT_A_USER]]) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
    assert outcome(reports[ids[BLOCKED]]) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")
    retried = reports[ids[PROVIDER_ERROR_ONCE]]
    assert outcome(retried) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert retried["sentAt"] == format_ms(START_MS)
    assert retried["doneAt"] == format_ms(START_MS + 30 * SECOND)  # the second attempt, 30 s after the first


# --- advertising hours ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "departs"),
    [
        pytest.param(kst(0, 20, 49, 59, 999), kst(0, 20, 49, 59, 999), id="20:49:59.999-leaves-at-once"),
        pytest.param(kst(0, 20, 50), kst(1, 8), id="20:50-held-until-08:00"),
        pytest.param(kst(1, 2, 30), kst(1, 8), id="02:30-held-until-08:00"),
        pytest.param(kst(1, 7, 59, 59, 999), kst(1, 8), id="07:59:59.999-held-until-08:00"),
        pytest.param(kst(1, 8), kst(1, 8), id="08:00-leaves-at-once"),
    ],
)
async def test_ad_hours_boundaries(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sent: int, departs: int
) -> None:
    await add_sender(client)
    clock.set(sent)
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM")))
    if departs > sent:
        await gateway.advance_clock(departs - 1)
        assert await pull(client) == []  # not a millisecond early
    await gateway.advance_clock(departs)
    [report] = await pull(client)
    assert report["messageId"] == message_id
    assert outcome(report) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert report["sentAt"] == report["doneAt"] == format_ms(departs)


async def test_a_held_message_says_why(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    """Sent at 20:50 KST with intermediateReport: one PENDING_TIME_VIOLATION intermediate report, the logs show it
    pending while held, then the final report at 08:00 KST."""
    await add_sender(client)
    clock.set(kst(0, 20, 50))
    body = brand_body(free_form("TEXT_FREE_FORM"), webhooks=hooks(intermediateReport=True))
    message_id = await send_one(client, body)
    await settle(gateway)
    [held] = pushed_reports(receiver)
    assert held["messageId"] == message_id
    assert held["status"]["groupName"] == "PENDING"
    assert held["status"]["name"] == "PENDING_TIME_VIOLATION"
    entry = await log_of(client, message_id)
    assert (entry["status"]["groupName"], entry["status"]["name"]) == ("PENDING", "PENDING_TIME_VIOLATION")
    assert [e["messageId"] for e in await logs(client, generalStatus="PENDING")] == [message_id]
    assert await logs(client, generalStatus="DELIVERED") == []
    await gateway.advance_clock(kst(1, 8) - 1)
    assert len(receiver.requests) == 1
    assert (await log_of(client, message_id))["status"]["name"] == "PENDING_TIME_VIOLATION"
    await gateway.advance_clock(kst(1, 8))
    _, final = pushed_reports(receiver)
    assert outcome(final) == ("DELIVERED_TO_HANDSET", "NO_ERROR")
    assert final["sentAt"] == format_ms(kst(1, 8))
    assert (await log_of(client, message_id))["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert await pull(client) == []


async def test_a_held_message_without_intermediate_reports_pushes_only_the_final_report(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, receiver: Receiver
) -> None:
    await add_sender(client)
    clock.set(kst(0, 22))
    await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), webhooks=hooks()))
    await gateway.advance_clock(kst(1, 8) - 1)
    assert receiver.requests == []
    await gateway.advance_clock(kst(1, 8))
    [final] = pushed_reports(receiver)
    assert outcome(final) == ("DELIVERED_TO_HANDSET", "NO_ERROR")


async def test_a_held_message_whose_validity_ends_before_08_expires(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await add_sender(client)
    clock.set(kst(0, 20, 50))
    options = {"validityPeriod": {"amount": 1, "timeUnit": "HOURS"}}
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), options=options))
    await gateway.advance_clock(kst(0, 21, 50) - 1)
    assert await pull(client) == []
    await gateway.advance_clock(kst(1, 9))
    [report] = await pull(client)
    assert report["messageId"] == message_id
    assert (report["status"]["name"], report["error"]["id"]) == ("EXPIRED_EXPIRED", 4100)
    assert report["doneAt"] == format_ms(kst(0, 21, 50))


async def test_a_held_message_whose_validity_lasts_past_08_is_delivered(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await add_sender(client)
    clock.set(kst(0, 20, 50))
    options = {"validityPeriod": {"amount": 12, "timeUnit": "HOURS"}}
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), options=options))
    await gateway.advance_clock(kst(1, 9))
    [report] = await pull(client)
    assert (report["messageId"], outcome(report)) == (message_id, ("DELIVERED_TO_HANDSET", "NO_ERROR"))
    assert report["sentAt"] == format_ms(kst(1, 8))


async def test_ad_hours_are_set_per_account(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    await add_sender(client)
    assert (await client.get(SETTINGS)).json() == {"brandAdHours": {"from": "08:00", "to": "20:50"}, "adIdentity": None}
    response = await client.put(SETTINGS, json={"brandAdHours": {"from": "09:00", "to": "18:00"}})
    assert response.status_code == 200, response.text
    assert response.json() == {"brandAdHours": {"from": "09:00", "to": "18:00"}, "adIdentity": None}
    assert (await client.get(SETTINGS)).json() == response.json()
    clock.set(kst(0, 17, 59, 59, 999))
    before = await send_one(client, brand_body(free_form("TEXT_FREE_FORM")))
    await settle(gateway)
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (before, format_ms(kst(0, 17, 59, 59, 999)))
    clock.set(kst(0, 18))
    after = await send_one(client, brand_body(free_form("TEXT_FREE_FORM")))
    await gateway.advance_clock(kst(1, 9) - 1)  # 08:00 is not enough any more
    assert await pull(client) == []
    await gateway.advance_clock(kst(1, 9))
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (after, format_ms(kst(1, 9)))


async def test_null_ad_hours_switch_the_hold_off(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await add_sender(client)
    response = await client.put(SETTINGS, json={"brandAdHours": None})
    assert response.status_code == 200, response.text
    assert response.json() == {"brandAdHours": None, "adIdentity": None}
    assert (await client.get(SETTINGS)).json() == {"brandAdHours": None, "adIdentity": None}
    clock.set(kst(0, 23, 30))
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM")))
    await settle(gateway)
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (message_id, format_ms(kst(0, 23, 30)))


@pytest.mark.parametrize(
    "hours",
    [
        {"from": "24:00", "to": "20:00"},
        {"from": "8:00", "to": "20:00"},
        {"from": "08:00"},
        {"from": "08:00", "to": "x"},
    ],
)
async def test_bad_ad_hours_are_a_400(client: httpx.AsyncClient, hours: Json) -> None:
    response = await client.put(SETTINGS, json={"brandAdHours": hours})
    assert response.status_code == 400, response.text
    assert_api_error(response.json())
    assert (await client.get(SETTINGS)).json() == {"brandAdHours": {"from": "08:00", "to": "20:50"}, "adIdentity": None}


async def test_ad_hours_from_equal_to_is_a_400_and_sending_still_works(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    response = await client.put(SETTINGS, json={"brandAdHours": {"from": "08:00", "to": "08:00"}})
    assert response.status_code == 400, response.text
    assert_api_error(response.json())
    await send_one(client, brand_body(free_form("TEXT_FREE_FORM")))


async def test_a_delivery_window_outside_the_ad_hours_is_refused_cleanly(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """21:00-23:00 KST (12:00-14:00 UTC) never meets 08:00-20:50 KST: the message can never be sent. Either a 400
    naming the window, or a rejected destination with a final report; never a server error."""
    await add_sender(client)
    days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    window = {"days": days, "from": {"hour": 12, "minute": 0}, "to": {"hour": 14, "minute": 0}}
    response = await client.post(
        CHINGU, json=brand_body(free_form("TEXT_FREE_FORM"), options={"deliveryTimeWindow": window})
    )
    if response.status_code == 400:
        assert_400(response, "messages[0].options.deliveryTimeWindow")
        return
    assert response.status_code == 200, response.text
    [message] = response.json()["messages"]
    assert message["status"]["groupName"] in ("REJECTED", "UNDELIVERABLE")
    await settle(gateway)
    [report] = await pull(client)
    assert report["messageId"] == message["messageId"]


async def test_a_paced_bulk_is_paced_in_ad_hours_open_time(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """1/HOUR from 18:30 KST: 18:30, 19:30 and 20:30, then the hold at 20:50; the slots continue in open time: the
    next one an hour of open time after 20:30 (20 minutes before the hold, 40 after it), at 08:40."""
    await add_sender(client)
    clock.set(kst(0, 18, 30))
    tos = [f"8210{i:08d}" for i in range(200, 204)]
    schedule = {"sendingSpeedLimit": {"amount": 1, "timeUnit": "HOUR"}}
    answer = await post(client, brand_body(free_form("TEXT_FREE_FORM"), *tos, schedule=schedule))
    await gateway.advance_clock(kst(2, 12))
    reports = await pull(client, bulkId=answer["bulkId"])
    assert all(outcome(r) == ("DELIVERED_TO_HANDSET", "NO_ERROR") for r in reports)
    expected = [kst(0, 18, 30), kst(0, 19, 30), kst(0, 20, 30), kst(1, 8, 40)]
    assert sorted(r["sentAt"] for r in reports) == [format_ms(t) for t in expected]


@pytest.mark.parametrize(
    ("window", "sent", "departs"),
    [
        # 05:00-08:30 KST: the window opens at 05:00 while ads are closed; both open at 08:00 KST.
        pytest.param(((20, 0), (23, 30)), START_MS, kst(1, 8), id="window-opens-first"),
        # 09:00-21:00 KST, sent at 20:55 KST: the window is open but ads are not; ads open first, the window at 09:00.
        pytest.param(((0, 0), (12, 0)), kst(0, 20, 55), kst(1, 9), id="ads-open-first"),
        # 13:00-14:00 KST, sent at 13:00 KST: both open.
        pytest.param(((4, 0), (5, 0)), START_MS, START_MS, id="both-open"),
    ],
)
async def test_delivery_time_window_and_ad_hours_must_both_be_open(
    client: httpx.AsyncClient,
    gateway: Gateway,
    clock: ManualClock,
    window: tuple[tuple[int, int], tuple[int, int]],
    sent: int,
    departs: int,
) -> None:
    await add_sender(client)
    (from_h, from_m), (to_h, to_m) = window  # UTC, as on the wire
    days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    delivery_window = {"days": days, "from": {"hour": from_h, "minute": from_m}, "to": {"hour": to_h, "minute": to_m}}
    clock.set(sent)
    body = brand_body(free_form("TEXT_FREE_FORM"), options={"deliveryTimeWindow": delivery_window})
    message_id = await send_one(client, body)
    if departs > sent:
        await gateway.advance_clock(departs - 1)
        assert await pull(client) == []
    await gateway.advance_clock(departs)
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (message_id, format_ms(departs))


# --- URL shortening ------------------------------------------------------------------------------------------------


def _link_fields(content: Json) -> dict[str, str]:
    """The shortenable places of a TEXT_FREE_FORM content (text URLs in order, URL-button urls)."""
    found = {f"text{i}": f"{s + '://' if s else ''}{h}/{c}" for i, (s, h, c) in enumerate(short_links(content["text"]))}
    found["urlMobile"] = content["buttons"][0]["urlMobile"]
    found["urlPc"] = content["buttons"][0]["urlPc"]
    return found


ORIGINALS = {"text0": SALE, "text1": SALE_B, "urlMobile": M, "urlPc": PC}


async def test_urls_are_shortened_per_destination_and_redirect(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    content = free_form("TEXT_FREE_FORM")
    tos = (DELIVERED, "821011110003")
    answer = await post(client, brand_body(content, *tos, tracking={}))
    codes: list[str] = []
    for message in answer["messages"]:
        got = (await log_of(client, message["messageId"]))["content"]
        fields = _link_fields(got)
        assert got["text"] == f"Our winter sale: {fields['text0']} ends soon. More: {fields['text1']}."
        assert set(fields) == set(ORIGINALS)
        for name, short in fields.items():
            [(_, _, code)] = short_links(short)
            assert short == f"http://{DOMAIN}/{code}", short
            codes.append(code)
            redirect = await follow(client, short)
            assert redirect.status_code == 302, redirect.text
            assert redirect.headers["location"] == ORIGINALS[name]
        # Not shortened: APP_LINK buttons, coupons, everything but URL buttons and the text.
        assert got["buttons"][1:] == content["buttons"][1:]
        assert got["coupon"] == content["coupon"]
        assert got["text"].endswith(".")  # the sentence's full stop is not part of the link
    assert len(set(codes)) == len(codes) == 8  # each destination has its own links
    await settle(gateway)
    assert all(outcome(r) == ("DELIVERED_TO_HANDSET", "NO_ERROR") for r in await pull(client))


@pytest.mark.parametrize("kind", ["IMAGE_WIDE_FREE_FORM", "CAROUSEL_FREE_FORM", "PREMIUM_VIDEO_FREE_FORM"])
async def test_url_buttons_of_rich_types_are_shortened(client: httpx.AsyncClient, kind: str) -> None:
    await add_sender(client)
    content = free_form(kind)
    message_id = await send_one(client, brand_body(content, tracking={"shortenUrl": True}))
    got = (await log_of(client, message_id))["content"]
    buttons = (
        [got["button"]]
        if kind == "PREMIUM_VIDEO_FREE_FORM"
        else [b for e in got["elements"] for b in e["attachment"]["buttons"]]
        if kind == "CAROUSEL_FREE_FORM"
        else got["buttons"]
    )
    url_buttons = [b for b in buttons if b["type"] == "URL"]
    assert url_buttons
    for button in url_buttons:
        for key in ("urlMobile", "urlPc"):
            assert re.fullmatch(rf"http://{re.escape(DOMAIN)}/[0-9A-Za-z]{{8}}", button[key]), button
            assert (await follow(client, button[key])).headers["location"] == (M if key == "urlMobile" else PC)


async def test_remove_protocol_drops_the_scheme_in_text_only(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), tracking={"removeProtocol": True}))
    got = (await log_of(client, message_id))["content"]
    text_links = short_links(got["text"])
    assert [(s, h) for s, h, _ in text_links] == [(None, DOMAIN), (None, DOMAIN)]
    assert "http" not in got["text"]
    assert got["buttons"][0]["urlMobile"].startswith(f"http://{DOMAIN}/")
    assert got["buttons"][0]["urlPc"].startswith(f"http://{DOMAIN}/")
    for _, host, code in text_links:
        click = await client.post("/sandbox/1/clicks", json={"shortUrl": f"{host}/{code}"})
        assert click.status_code == 200, click.text
    stats = (await client.get(CLICKS, params={"messageId": message_id})).json()["results"]
    assert {s["url"]: s["clicks"] for s in stats} == {SALE: 1, SALE_B: 1, M: 0, PC: 0}


async def test_shorten_url_false_leaves_urls_alone(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    content = free_form("TEXT_FREE_FORM")
    answer = await post(
        client, brand_body(content, tracking={"shortenUrl": False, "customDomain": "unregistered.test"})
    )
    [message] = answer["messages"]
    assert message["status"]["name"] == "PENDING_ENROUTE"
    assert (await log_of(client, message["messageId"]))["content"] == content
    assert (await client.get(CLICKS, params={"bulkId": answer["bulkId"]})).json() == {"results": []}


async def test_without_tracking_options_nothing_is_shortened(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    content = free_form("TEXT_FREE_FORM")
    message_id = await send_one(client, brand_body(content))
    assert (await log_of(client, message_id))["content"] == content


async def test_custom_domain_links(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    response = await client.post("/kakao/1/url-domains", json={"domain": CUSTOM})
    assert response.status_code == 200, response.text
    tracking = {"customDomain": "Go.Example.com", "removeProtocol": False}
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), tracking=tracking))
    fields = _link_fields((await log_of(client, message_id))["content"])
    for name, short in fields.items():
        [(scheme, host, code)] = short_links(short)
        assert (scheme, host) == ("https", CUSTOM), short
        redirect = await follow(client, short)
        assert (redirect.status_code, redirect.headers["location"]) == (302, ORIGINALS[name])
        wrong_host = await client.get(f"/{code}", headers={"host": DOMAIN})
        assert wrong_host.status_code == 404
        assert_api_error(wrong_host.json())
    await settle(gateway)
    [report] = await pull(client)
    assert outcome(report) == ("DELIVERED_TO_HANDSET", "NO_ERROR")


async def test_custom_domain_with_remove_protocol(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await client.post("/kakao/1/url-domains", json={"domain": CUSTOM})
    tracking = {"customDomain": CUSTOM, "removeProtocol": True}
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), tracking=tracking))
    got = (await log_of(client, message_id))["content"]
    assert [(s, h) for s, h, _ in short_links(got["text"])] == [(None, CUSTOM), (None, CUSTOM)]
    assert got["buttons"][0]["urlMobile"].startswith(f"https://{CUSTOM}/")


async def test_unregistered_custom_domain_rejects_the_destinations(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    content = free_form("TEXT_FREE_FORM")
    answer = await post(client, brand_body(content, DELIVERED, "821011110004", tracking={"customDomain": CUSTOM}))
    for message in answer["messages"]:
        assert message["status"]["name"] == "UNDELIVERABLE_REJECTED_PLATFORM"
        assert (await log_of(client, message["messageId"]))["content"] == content  # no links made
    await settle(gateway)
    reports = await pull(client)
    assert len(reports) == 2
    for report in reports:
        assert outcome(report) == ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
        assert report["error"]["id"] == 7006
    assert (await client.get(CLICKS, params={"bulkId": answer["bulkId"]})).json() == {"results": []}


async def test_a_duplicate_message_id_gets_no_short_links(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    body = brand_body(free_form("TEXT_FREE_FORM"), tracking={})
    body["messages"][0]["destinations"] = [{"to": DELIVERED, "messageId": "brand-dup-1"}]
    await send_one(client, body)
    again = await post(client, body)
    assert again["messages"][0]["status"]["name"] == "REJECTED_DUPLICATE_MESSAGE_ID"
    stats = (await client.get(CLICKS, params={"messageId": "brand-dup-1"})).json()["results"]
    assert {s["url"]: s["shortLinks"] for s in stats} == {SALE: 1, SALE_B: 1, M: 1, PC: 1}


# --- clicks --------------------------------------------------------------------------------------------------------


async def _tracked_send(client: httpx.AsyncClient, *tos: str, **tracking: Any) -> Json:
    options = {"platform": {"entityId": "ent-1", "applicationId": "app-1"}, "campaignReferenceId": "camp-1"}
    body = brand_body(
        free_form("TEXT_FREE_FORM"),
        *tos,
        options=options,
        webhooks={"callbackData": "cb-1"},
        tracking={"trackingUrl": CLICK_HOOK, **tracking},
    )
    return await post(client, body)


async def test_a_click_is_pushed_as_a_url_tracking_webhook(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await add_sender(client)
    answer = await _tracked_send(client, DELIVERED)
    [message] = answer["messages"]
    await settle(gateway)
    fields = _link_fields((await log_of(client, message["messageId"]))["content"])
    clock.set(START_MS + 5 * MINUTE)
    redirect = await follow(client, fields["text1"])
    assert (redirect.status_code, redirect.headers["location"]) == (302, SALE_B)
    await settle(gateway)
    [event] = click_events(receiver)
    assert event == {
        "notificationType": "CLICKED",
        "recipient": DELIVERED,
        "url": SALE_B,
        "sendDateTime": START_MS + 5 * MINUTE,
        "messageId": message["messageId"],
        "bulkId": answer["bulkId"],
        "callbackData": "cb-1",
        "recipientInfo": {"deviceType": "Phone", "os": "iOS", "deviceName": "Apple"},
        "entityId": "ent-1",
        "applicationId": "app-1",
    }
    assert [r["path"] for r in receiver.requests] == ["/clicks"]  # reports are pulled, not pushed


async def test_a_failing_click_receiver_is_retried_on_the_ladder(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await add_sender(client)
    answer = await _tracked_send(client, DELIVERED)
    await settle(gateway)
    fields = _link_fields((await log_of(client, answer["messages"][0]["messageId"]))["content"])
    receiver.status = 503
    clicked = START_MS + MINUTE
    clock.set(clicked)
    await client.post("/sandbox/1/clicks", json={"shortUrl": fields["urlMobile"]})
    await settle(gateway)
    assert len(receiver.requests) == 1  # first attempt at once
    first_retry = clicked + 2 * MINUTE  # 1 min + 1 min x 1^2
    await gateway.advance_clock(first_retry - 1)
    assert len(receiver.requests) == 1
    await gateway.advance_clock(first_retry)
    assert len(receiver.requests) == 2
    receiver.status = 200
    second_retry = first_retry + 5 * MINUTE  # 1 min + 1 min x 2^2
    await gateway.advance_clock(second_retry - 1)
    assert len(receiver.requests) == 2
    await gateway.advance_clock(second_retry)
    assert len(receiver.requests) == 3
    await gateway.advance_clock(clicked + 2 * HOUR)
    events = click_events(receiver)
    assert len(events) == 3
    assert events[0] == events[1] == events[2]  # the same event each time; delivered once after recovery
    assert events[0]["url"] == M
    assert events[0]["sendDateTime"] == clicked


async def test_track_clicks_false_pushes_nothing_but_counts(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await add_sender(client)
    answer = await _tracked_send(client, DELIVERED, trackClicks=False)
    await settle(gateway)
    fields = _link_fields((await log_of(client, answer["messages"][0]["messageId"]))["content"])
    assert (await follow(client, fields["text0"])).status_code == 302
    await gateway.advance_clock(START_MS + HOUR)
    assert receiver.requests == []
    stats = (await client.get(CLICKS, params={"bulkId": answer["bulkId"]})).json()["results"]
    assert {s["url"]: s["clicks"] for s in stats}[SALE] == 1


async def test_click_statistics(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await add_sender(client)
    first, second, third = DELIVERED, "821011110005", "821011110006"
    answer = await _tracked_send(client, first, second, third)
    await settle(gateway)
    links = {
        m["destination"]: _link_fields((await log_of(client, m["messageId"]))["content"]) for m in answer["messages"]
    }
    # first: the sale link twice (redirect, then sandbox); second: the sale link and the mobile button; third: none.
    assert (await follow(client, links[first]["text0"])).status_code == 302
    sandbox = await client.post(
        "/sandbox/1/clicks", json={"shortUrl": links[first]["text0"], "userAgent": "Android Mobile"}
    )
    assert sandbox.status_code == 200, sandbox.text
    assert sandbox.json() == {"url": SALE}
    assert (await follow(client, links[second]["text0"])).status_code == 302
    bare = links[second]["urlMobile"].split("://", 1)[1]
    assert (await client.post("/sandbox/1/clicks", json={"shortUrl": bare})).json() == {"url": M}
    expected = [
        {"url": SALE_B, "shortLinks": 3, "clicks": 0, "uniqueClickers": 0},
        {"url": PC, "shortLinks": 3, "clicks": 0, "uniqueClickers": 0},
        {"url": M, "shortLinks": 3, "clicks": 1, "uniqueClickers": 1},
        {"url": SALE, "shortLinks": 3, "clicks": 3, "uniqueClickers": 2},
    ]
    for params in ({"bulkId": answer["bulkId"]}, {"campaignReferenceId": "camp-1"}):
        response = await client.get(CLICKS, params=params)
        assert response.status_code == 200, response.text
        assert sorted(response.json()["results"], key=lambda s: s["url"]) == sorted(expected, key=lambda s: s["url"])
    by_message = await client.get(CLICKS, params={"messageId": answer["messages"][1]["messageId"]})
    assert {s["url"]: (s["shortLinks"], s["clicks"]) for s in by_message.json()["results"]} == {
        SALE: (1, 1),
        SALE_B: (1, 0),
        M: (1, 1),
        PC: (1, 0),
    }
    await settle(gateway)
    events = click_events(receiver)
    assert sorted((e["recipient"], e["url"]) for e in events) == sorted(
        [(first, SALE), (first, SALE), (second, SALE), (second, M)]
    )
    devices = sorted((e["recipient"], e["url"], e["recipientInfo"]["os"]) for e in events)
    # The sandbox's default user agent is KakaoTalk on an Android phone.
    assert devices == sorted(
        [(first, SALE, "iOS"), (first, SALE, "Android"), (second, SALE, "iOS"), (second, M, "Android")]
    )
    assert all(e["recipientInfo"]["deviceType"] == "Phone" for e in events)


async def test_unknown_short_links(client: httpx.AsyncClient) -> None:
    assert (await client.get("/Zzzz9999", headers={"host": DOMAIN})).status_code == 404
    missing = await client.post("/sandbox/1/clicks", json={"shortUrl": f"http://{DOMAIN}/Zzzz9999"})
    assert missing.status_code == 404
    assert_api_error(missing.json())
    bad = await client.post("/sandbox/1/clicks", json={"shortUrl": f"http://{DOMAIN}/not-a-code"})
    assert bad.status_code == 400
    assert_api_error(bad.json())


# --- isolation -----------------------------------------------------------------------------------------------------


async def test_another_account_sees_none_of_it(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await add_sender(client)
    await client.post("/kakao/1/url-domains", json={"domain": CUSTOM})
    code = await create_template(client, TEMPLATE_CONTENTS["TEXT"])
    answer = await _tracked_send(client, DELIVERED)
    [message] = answer["messages"]
    fields = _link_fields((await log_of(client, message["messageId"]))["content"])
    async with client_for(gateway, admin) as other:
        await add_sender(other)  # the same sender name, in another account
        # The other account's view: no logs, reports or clicks of the first.
        assert await logs(other) == []
        assert await logs(other, messageId=message["messageId"]) == []
        await settle(gateway)
        assert (await follow(other, fields["text0"])).status_code == 302  # links themselves are public
        assert await pull(other) == []
        for params in (
            {"bulkId": answer["bulkId"]},
            {"messageId": message["messageId"]},
            {"campaignReferenceId": "camp-1"},
        ):
            assert (await other.get(CLICKS, params=params)).json() == {"results": []}
        # Nor may it use the first account's template or custom domain.
        theirs = await post(other, brand_body(variable("TEXT_VARIABLE", code), DELIVERED))
        domain = await post(
            other, brand_body(free_form("TEXT_FREE_FORM"), DELIVERED, tracking={"customDomain": CUSTOM})
        )
        await settle(gateway)
        reports = {r["messageId"]: outcome(r) for r in await pull(other)}
        assert reports == {
            theirs["messages"][0]["messageId"]: ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE"),
            domain["messages"][0]["messageId"]: ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST"),
        }
        assert {e["messageId"] for e in await logs(other)} == set(reports)
    # The first account still has its own report, and its click.
    [report] = await pull(client)
    assert report["messageId"] == message["messageId"]
    stats = (await client.get(CLICKS, params={"bulkId": answer["bulkId"]})).json()["results"]
    assert {s["url"]: s["clicks"] for s in stats}[SALE] == 1
    assert len(click_events(receiver)) == 1


async def test_ad_hours_and_friend_lists_are_per_account(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await add_sender(client)
    stranger = "821011110009"
    async with client_for(gateway, admin) as other:
        await add_sender(other)  # the same sender name in another account
        assert (await other.put(SETTINGS, json={"brandAdHours": None})).status_code == 200
        friends = await other.put(f"/sandbox/1/senders/{SENDER}/friends", json={"destinations": ["821011110010"]})
        assert friends.status_code == 200, friends.text
        assert (await client.get(SETTINGS)).json() == {
            "brandAdHours": {"from": "08:00", "to": "20:50"},
            "adIdentity": None,
        }
        clock.set(kst(0, 21))
        held = await send_one(client, brand_body(free_form("TEXT_FREE_FORM"), stranger))
        at_once = await send_one(other, brand_body(free_form("TEXT_FREE_FORM"), stranger))
        await settle(gateway)
        [report] = await pull(other)  # not held, but the stranger is not on the other account's friend list
        assert report["messageId"] == at_once
        assert outcome(report) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
        assert report["sentAt"] == format_ms(kst(0, 21))
    assert await pull(client) == []
    await gateway.advance_clock(kst(1, 8))
    [report] = await pull(client)
    assert (report["messageId"], outcome(report)) == (held, ("DELIVERED_TO_HANDSET", "NO_ERROR"))
    assert report["sentAt"] == format_ms(kst(1, 8))


async def test_the_dry_run_plan_is_what_happens_to_a_paced_brand_bulk_with_a_window_and_ad_hours(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """6/HOUR from 18:00 KST, a delivery window of 07:00-23:00 KST (22:00-14:00 UTC) and the default ad hours
    (08:00-20:50 KST): the plan says when each message leaves, hour by hour, and how many expire unsent (the one due
    as the ads open at 08:00 counts its 10 hours from 20:50 and cannot outlast the night); the bulk does that."""
    await add_sender(client)
    clock.set(kst(0, 18))
    tos = [f"8210{i:08d}" for i in range(300, 330)]
    days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    window = {"days": days, "from": {"hour": 22, "minute": 0}, "to": {"hour": 14, "minute": 0}}
    options = {"deliveryTimeWindow": window, "validityPeriod": {"amount": 10, "timeUnit": "HOURS"}}
    schedule = {"sendingSpeedLimit": {"amount": 6, "timeUnit": "HOUR"}}
    body = brand_body(free_form("TEXT_FREE_FORM"), *tos, options=options, schedule=schedule)
    response = await client.post("/kakao/1/bulks/plan", params={"channel": "BRAND"}, json=body)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["messages"] == 30
    assert plan["expireBeforeSending"] > 0, plan  # held overnight longer than its validity

    answer = await post(client, body)
    await gateway.advance_clock(kst(1, 12))
    reports = await pull(client, bulkId=answer["bulkId"], limit=100)
    sent = [parse_instant(r["sentAt"]) for r in reports if outcome(r) == ("DELIVERED_TO_HANDSET", "NO_ERROR")]
    expired = [r for r in reports if outcome(r) == ("EXPIRED_EXPIRED", "EC_MESSAGE_CANCELED")]
    assert len(reports) == 30
    assert len(expired) == plan["expireBeforeSending"]
    assert format_ms(min(sent)) == plan["firstSendAt"] and format_ms(max(sent)) == plan["lastSendAt"]
    per_hour = Counter(format_ms(t - t % HOUR) for t in sent)
    assert per_hour == Counter({p["hour"]: p["messages"] for p in plan["perHour"]})
