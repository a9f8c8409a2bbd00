"""Brand Message templates (`/kakao-brand-messages/1/templates...`, Infobip's spec) and sender groups
(`/kakao/1/sender-groups`, extension) through the HTTP API.

Every rule of CreateTemplateRequest (schema and the prose of KAKAO_API.md §2.3/§2.5) has a valid and an invalid body;
the spec's own examples are replayed (those that break the spec's schema, §7.15, are clear 400s); responses of spec'd
endpoints are validated against the spec's schemas.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain.times import format_ms
from kakao_gateway.service import brand_templates

from .conftest import START_MS
from .helpers import SENDER
from .spec import assert_api_error, assert_matches, assert_schema, spec

TEMPLATES = "/kakao-brand-messages/1/templates"
SINGLE = "/kakao-brand-messages/1/templates/single"
BY_CODE = "/kakao-brand-messages/1/templates/{templateCode}"
GROUPS = "/kakao/1/sender-groups"
OTHER_SENDER = "OTHER-CHANNEL"
GROUP = "GROUP-1"
HOUR_S = 3600

URL_BUTTON = {"type": "URL", "name": "Shop", "urlMobile": "https://m.shop.test", "urlPc": "https://shop.test"}
COUPON = {
    "title": {"type": "FREE_COUPON", "couponTitle": "Gift"},
    "description": "Free gift",
    "urlMobile": "https://m.shop.test/coupon",
    "urlPc": "https://shop.test/coupon",
    "schemeIos": "shop://coupon",
    "schemeAndroid": "shop://coupon",
}
TEXT: dict[str, Any] = {"type": "TEXT", "text": "Spring sale #{name}", "buttons": [URL_BUTTON]}
IMAGE: dict[str, Any] = {
    "type": "IMAGE",
    "text": "Spring sale",
    "image": {"url": "https://img.test/a.jpg", "link": "https://shop.test"},
    "buttons": [URL_BUTTON],
}
IMAGE_WIDE: dict[str, Any] = {
    "type": "IMAGE_WIDE",
    "text": "Wide sale",
    "image": {"url": "https://img.test/wide.jpg"},
    "buttons": [URL_BUTTON],
}


def item(title: str = "Item") -> dict[str, Any]:
    return {"title": title, "imageUrl": "https://img.test/i.jpg", "urlMobile": "https://m.shop.test/i"}


ITEM_LIST: dict[str, Any] = {
    "type": "ITEM_LIST",
    "header": "This week",
    "wide": item("Main item"),
    "wideList": [item("One"), item("Two")],
    "buttons": [URL_BUTTON],
}


# --- helpers ---------------------------------------------------------------------------------------------------------


def template(content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"sender": SENDER, "name": "Spring sale", "templateContent": content}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def changed(content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out = copy.deepcopy(content)
    out.update(fields)
    return {k: v for k, v in out.items() if v is not None}


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


def assert_400_on(response: httpx.Response, prop: str, path: str = TEMPLATES, method: str = "post") -> str:
    """A 400 with a violation on exactly `prop`; returns that violation's message."""
    body = assert_error(response, 400)
    assert_matches(body, path, method, 400)
    found = {v["property"]: v["violation"] for v in body["violations"]}
    assert prop in found, body["violations"]
    return found[prop]


def spec_404() -> dict[str, Any]:
    response = spec()["paths"][SINGLE]["get"]["responses"]["404"]
    value: dict[str, Any] = response["content"]["application/json"]["examples"]["Response example"]["value"]
    return value


async def add_sender(client: httpx.AsyncClient, sender: str = SENDER) -> None:
    response = await client.post("/kakao/1/senders", json={"sender": sender, "name": "Channel"})
    assert response.status_code == 200, response.text


async def add_group(client: httpx.AsyncClient, key: str = GROUP, senders: list[str] | None = None) -> dict[str, Any]:
    response = await client.post(GROUPS, json={"groupKey": key, "name": "Group", "senders": senders or [SENDER]})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    assert_schema(body, "CreateTemplateRequest")
    response = await client.post(TEMPLATES, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_matches(answer, TEMPLATES, "post", 200)
    assert set(answer) == {"templateCode"}
    code: str = answer["templateCode"]
    assert re.fullmatch(r"[0-9a-f]{16}", code)
    return code


async def get_single(client: httpx.AsyncClient, code: str, **owner: str) -> dict[str, Any]:
    params = owner or {"sender": SENDER}
    response = await client.get(SINGLE, params={**params, "templateCode": code})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_matches(body, SINGLE, "get", 200)
    return body


async def listed(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(TEMPLATES, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches(body, TEMPLATES, "get", 200)
    assert set(body) == {"results"}
    return [r["templateCode"] for r in body["results"]]


async def account_id(admin: httpx.AsyncClient, name: str = "default") -> str:
    response = await admin.get("/admin/1/accounts")
    assert response.status_code == 200, response.text
    (account,) = [a for a in response.json()["results"] if a["name"] == name]
    return str(account["id"])


@asynccontextmanager
async def client_for(
    gateway: Gateway, admin: httpx.AsyncClient, account: str | None = None, scopes: list[str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a new key: of a new account "tenant-b" by default, else of `account`."""
    if account is None:
        response = await admin.post("/admin/1/accounts", json={"name": "tenant-b"})
        assert response.status_code == 200, response.text
        account = response.json()["id"]
    payload: dict[str, Any] = {"name": "k"}
    if scopes is not None:
        payload["scopes"] = scopes
    response = await admin.post(f"/admin/1/accounts/{account}/keys", json=payload)
    assert response.status_code == 200, response.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {response.json()['key']}"},
    ) as c:
        yield c


# --- create and get, every content type ------------------------------------------------------------------------------


FULL_CONTENTS = {
    "TEXT": changed(
        TEXT,
        coupon=COUPON,
        buttons=[
            {"type": "BUSINESS_FORM", "name": "Reserve table", "businessFormId": 12345},
            URL_BUTTON,
            {"type": "APP_LINK", "name": "Open the app", "schemeAndroid": "shop://a", "schemeIos": "shop://i"},
            {"type": "BOT_KEYWORD", "name": "Ask a question"},
        ],
    ),
    "IMAGE": changed(
        IMAGE,
        coupon={**COUPON, "title": {"type": "PRICE_DISCOUNT_COUPON", "couponTitle": 5000}},
        buttons=[URL_BUTTON, {"type": "MESSAGE_DELIVERY", "name": "Send to friend"}],
    ),
    "IMAGE_WIDE": changed(
        IMAGE_WIDE,
        coupon={**COUPON, "title": {"type": "SHIPPING_DISCOUNT_COUPON"}, "description": "Free shipping"},
        buttons=[URL_BUTTON, {"type": "ADD_CHANNEL"}],
    ),
    "ITEM_LIST": changed(
        ITEM_LIST,
        wide={**item("Main item"), "urlPc": "https://shop.test/main", "schemeAndroid": "a://", "schemeIos": "i://"},
        wideList=[item("One"), item("Two"), item("Three"), item("Four")],
        coupon={**COUPON, "title": {"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitle": 30}},
        buttons=[
            {"type": "BOT_KEYWORD", "name": "Ask"},
            {"type": "BUSINESS_FORM", "name": "Book", "businessFormId": 7},
        ],
    ),
}


@pytest.mark.parametrize("kind", list(FULL_CONTENTS))
async def test_create_then_get_each_content_type(client: httpx.AsyncClient, kind: str) -> None:
    await add_sender(client)
    content = FULL_CONTENTS[kind]
    code = await create(client, template(content, isAdult=True))
    body = await get_single(client, code)
    assert body == {"name": "Spring sale", "templateContent": content}
    assert_schema(
        body["templateContent"],
        {"IMAGE_WIDE": "ImageWide", "ITEM_LIST": "ItemList"}.get(kind, kind.title()) + "Template",
    )


async def test_each_create_gets_a_new_code(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    codes = {await create(client, template(TEXT)) for _ in range(5)}
    assert len(codes) == 5


async def test_absent_optional_fields_are_not_returned(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    content = {"type": "TEXT", "text": "Plain", "coupon": None, "buttons": None}
    # nulls stand for absent fields (isAdult: null is false)
    response = await client.post(
        TEMPLATES,
        json={"sender": SENDER, "senderGroup": None, "name": "n", "templateContent": content, "isAdult": None},
    )
    assert response.status_code == 200, response.text
    code = response.json()["templateCode"]
    assert (await get_single(client, code))["templateContent"] == {"type": "TEXT", "text": "Plain"}


# --- owner: sender or sender group -----------------------------------------------------------------------------------


async def test_template_of_a_sender_group(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await add_group(client)
    code = await create(client, template(IMAGE, sender=None, senderGroup=GROUP))
    body = await get_single(client, code, senderGroup=GROUP)
    assert body["templateContent"] == IMAGE
    # found by its owner only: the group's template is not the member sender's own
    response = await client.get(SINGLE, params={"sender": SENDER, "templateCode": code})
    assert response.json() == spec_404()
    # given both, either owner finds it
    both = await client.get(SINGLE, params={"sender": SENDER, "senderGroup": GROUP, "templateCode": code})
    assert both.status_code == 200, both.text


@pytest.mark.parametrize(
    ("owner", "prop"),
    [
        ({"sender": None}, "sender"),
        ({"senderGroup": GROUP}, "sender"),
        ({"sender": "NOT-REGISTERED"}, "sender"),
        ({"sender": None, "senderGroup": "NO-SUCH-GROUP"}, "senderGroup"),
        ({"sender": "S" * 41}, "sender"),
        ({"sender": ""}, "sender"),
        ({"sender": None, "senderGroup": "G" * 41}, "senderGroup"),
    ],
)
async def test_exactly_one_known_owner(client: httpx.AsyncClient, owner: dict[str, Any], prop: str) -> None:
    await add_sender(client)
    await add_group(client)
    assert_400_on(await client.post(TEMPLATES, json=template(TEXT, **owner)), prop)
    code = await create(client, template(TEXT))
    response = await client.put(BY_CODE.format(templateCode=code), json=template(TEXT, **owner))
    assert_400_on(response, prop, BY_CODE, "put")


async def test_owner_limits_valid(client: httpx.AsyncClient) -> None:
    await add_sender(client, "S" * 40)
    await create(client, template(TEXT, sender="S" * 40))


# --- every template rule: a valid and an invalid body ----------------------------------------------------------------


def buttons(content: dict[str, Any], *items: dict[str, Any]) -> dict[str, Any]:
    return changed(content, buttons=list(items))


def bot(name: str = "Ask") -> dict[str, Any]:
    return {"type": "BOT_KEYWORD", "name": name}


def form(name: str = "Book", form_id: Any = 1) -> dict[str, Any]:
    return {"type": "BUSINESS_FORM", "name": name, "businessFormId": form_id}


ADD = {"type": "ADD_CHANNEL"}


def coupon(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in {**COUPON, **fields}.items() if v is not None}


def title(kind: str, value: Any = None) -> dict[str, Any]:
    return coupon(title={"type": kind} if value is None else {"type": kind, "couponTitle": value})


# (rule, valid templateContent, invalid templateContent, property of the violation)
RULES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    # top level of the content
    ("type is required", TEXT, {"text": "no type"}, "templateContent.type"),
    ("type is one of four", TEXT, changed(TEXT, type="TEXT_FREE_FORM"), "templateContent"),
    ("TEXT text 1..1300", changed(TEXT, text="x" * 1300), changed(TEXT, text="x" * 1301), "templateContent.text"),
    ("TEXT text not empty", changed(TEXT, text="x"), changed(TEXT, text=""), "templateContent.text"),
    ("TEXT text required", TEXT, changed(TEXT, text=None), "templateContent.text"),
    ("IMAGE text 1..1300", changed(IMAGE, text="x" * 1300), changed(IMAGE, text="x" * 1301), "templateContent.text"),
    ("IMAGE image required", IMAGE, changed(IMAGE, image=None), "templateContent.image"),
    (
        "image url <= 500",
        changed(IMAGE, image={"url": "https://i.test/" + "x" * 485}),
        changed(IMAGE, image={"url": "https://i.test/" + "x" * 486}),
        "templateContent.image.url",
    ),
    (
        "image link <= 500",
        changed(IMAGE, image={"url": "https://i.test/a.png", "link": "h" * 500}),
        changed(IMAGE, image={"url": "https://i.test/a.png", "link": "h" * 501}),
        "templateContent.image.link",
    ),
    (
        "IMAGE_WIDE text 1..76",
        changed(IMAGE_WIDE, text="x" * 76),
        changed(IMAGE_WIDE, text="x" * 77),
        "templateContent.text",
    ),
    ("IMAGE_WIDE image required", IMAGE_WIDE, changed(IMAGE_WIDE, image=None), "templateContent.image"),
    # button names per family
    (
        "TextAndImageButton name 1..14",
        buttons(TEXT, bot("x" * 14)),
        buttons(TEXT, bot("x" * 15)),
        "templateContent.buttons[0].name",
    ),
    (
        "TextAndImageButton name not empty",
        buttons(TEXT, bot("x")),
        buttons(TEXT, bot("")),
        "templateContent.buttons[0].name",
    ),
    (
        "TextAndImageButton URL name 1..14 (IMAGE)",
        buttons(IMAGE, {**URL_BUTTON, "name": "x" * 14}),
        buttons(IMAGE, {**URL_BUTTON, "name": "x" * 15}),
        "templateContent.buttons[0].name",
    ),
    (
        "GeneralButton name 1..8",
        buttons(IMAGE_WIDE, bot("x" * 8)),
        buttons(IMAGE_WIDE, bot("x" * 9)),
        "templateContent.buttons[0].name",
    ),
    (
        "GeneralButton APP_LINK name 1..8 (ITEM_LIST)",
        buttons(ITEM_LIST, {"type": "APP_LINK", "name": "x" * 8, "schemeAndroid": "a://", "urlMobile": "https://m"}),
        buttons(ITEM_LIST, {"type": "APP_LINK", "name": "x" * 9, "schemeAndroid": "a://", "urlMobile": "https://m"}),
        "templateContent.buttons[0].name",
    ),
    (
        "GeneralButton BUSINESS_FORM name 1..14",
        buttons(IMAGE_WIDE, form("x" * 14)),
        buttons(IMAGE_WIDE, form("x" * 15)),
        "templateContent.buttons[0].name",
    ),
    (
        "button name required",
        buttons(TEXT, bot()),
        buttons(TEXT, {"type": "BOT_KEYWORD"}),
        "templateContent.buttons[0].name",
    ),
    (
        "button type known",
        buttons(TEXT, bot()),
        buttons(TEXT, {"type": "PHONE", "name": "x"}),
        "templateContent.buttons[0]",
    ),
    # button counts
    ("TEXT at most 5 buttons", buttons(TEXT, *[bot()] * 5), buttons(TEXT, *[bot()] * 6), "templateContent.buttons"),
    (
        "TEXT at most 4 buttons with a coupon",
        changed(buttons(TEXT, *[bot()] * 4), coupon=COUPON),
        changed(buttons(TEXT, *[bot()] * 5), coupon=COUPON),
        "templateContent.buttons",
    ),
    ("IMAGE at most 5 buttons", buttons(IMAGE, *[bot()] * 5), buttons(IMAGE, *[bot()] * 6), "templateContent.buttons"),
    (
        "IMAGE at most 4 buttons with a coupon",
        changed(buttons(IMAGE, *[bot()] * 4), coupon=COUPON),
        changed(buttons(IMAGE, *[bot()] * 5), coupon=COUPON),
        "templateContent.buttons",
    ),
    ("TEXT buttons may be empty", buttons(TEXT), buttons(TEXT, *[bot()] * 6), "templateContent.buttons"),
    (
        "IMAGE_WIDE 1..2 buttons",
        buttons(IMAGE_WIDE, bot(), bot()),
        buttons(IMAGE_WIDE, *[bot()] * 3),
        "templateContent.buttons",
    ),
    ("IMAGE_WIDE at least 1 button", buttons(IMAGE_WIDE, bot()), buttons(IMAGE_WIDE), "templateContent.buttons"),
    (
        "ITEM_LIST 1..2 buttons",
        buttons(ITEM_LIST, bot(), bot()),
        buttons(ITEM_LIST, *[bot()] * 3),
        "templateContent.buttons",
    ),
    ("ITEM_LIST at least 1 button", changed(ITEM_LIST, buttons=None), buttons(ITEM_LIST), "templateContent.buttons"),
    # APP_LINK 2 of 3
    (
        "APP_LINK two of schemeAndroid, schemeIos, urlMobile",
        buttons(TEXT, {"type": "APP_LINK", "name": "App", "schemeIos": "i://", "urlMobile": "https://m.test"}),
        buttons(TEXT, {"type": "APP_LINK", "name": "App", "urlMobile": "https://m.test", "urlPc": "https://p.test"}),
        "templateContent.buttons[0]",
    ),
    (
        "APP_LINK scheme length 1..500",
        buttons(TEXT, {"type": "APP_LINK", "name": "App", "schemeIos": "i" * 500, "schemeAndroid": "a://"}),
        buttons(TEXT, {"type": "APP_LINK", "name": "App", "schemeIos": "i" * 501, "schemeAndroid": "a://"}),
        "templateContent.buttons[0].schemeIos",
    ),
    # URL buttons
    (
        "URL urls are optional",
        buttons(TEXT, {"type": "URL", "name": "Go"}),
        buttons(TEXT, {"type": "URL"}),
        "templateContent.buttons[0].name",
    ),
    (
        "URL urlMobile is an http(s) URL",
        buttons(TEXT, {"type": "URL", "name": "Go", "urlMobile": "http://m.test"}),
        buttons(TEXT, {"type": "URL", "name": "Go", "urlMobile": "m.test"}),
        "templateContent.buttons[0].urlMobile",
    ),
    (
        "URL urlPc <= 500",
        buttons(TEXT, {"type": "URL", "name": "Go", "urlPc": "https://p.test/" + "x" * 485}),
        buttons(TEXT, {"type": "URL", "name": "Go", "urlPc": "https://p.test/" + "x" * 486}),
        "templateContent.buttons[0].urlPc",
    ),
    (
        "button urlPc is spelled urlPc",
        buttons(TEXT, {"type": "URL", "name": "Go", "urlPc": "https://p.test"}),
        buttons(TEXT, {"type": "URL", "name": "Go", "urlPC": "https://p.test"}),
        "templateContent.buttons[0]",
    ),
    # BUSINESS_FORM
    (
        "businessFormId <= 99999999",
        buttons(TEXT, form(form_id=99_999_999)),
        buttons(TEXT, form(form_id=100_000_000)),
        "templateContent.buttons[0].businessFormId",
    ),
    (
        "businessFormId is an integer",
        buttons(TEXT, form(form_id=5)),
        buttons(TEXT, form(form_id="5")),
        "templateContent.buttons[0].businessFormId",
    ),
    (
        "businessFormId required",
        buttons(TEXT, form()),
        buttons(TEXT, {"type": "BUSINESS_FORM", "name": "Book"}),
        "templateContent.buttons[0].businessFormId",
    ),
    (
        "businessFormId, not businessFormKey",
        buttons(TEXT, form()),
        buttons(TEXT, {"type": "BUSINESS_FORM", "name": "Book", "businessFormKey": "k1"}),
        "templateContent.buttons[0]",
    ),
    # ADD_CHANNEL
    (
        "ADD_CHANNEL has no fields",
        buttons(TEXT, ADD),
        buttons(TEXT, {**ADD, "name": "Add"}),
        "templateContent.buttons[0]",
    ),
    ("at most one ADD_CHANNEL", buttons(TEXT, ADD, bot()), buttons(TEXT, ADD, ADD), "templateContent.buttons"),
    # ordering, TextAndImage: BUSINESS_FORM first, or ADD_CHANNEL then BUSINESS_FORM
    (
        "TB BUSINESS_FORM first",
        buttons(TEXT, form(), URL_BUTTON),
        buttons(TEXT, URL_BUTTON, form()),
        "templateContent.buttons",
    ),
    (
        "TB ADD_CHANNEL first with BUSINESS_FORM",
        buttons(TEXT, ADD, form(), bot()),
        buttons(TEXT, form(), ADD, bot()),
        "templateContent.buttons",
    ),
    (
        "TB BUSINESS_FORM right after ADD_CHANNEL",
        buttons(IMAGE, ADD, form(), bot()),
        buttons(IMAGE, ADD, bot(), form()),
        "templateContent.buttons",
    ),
    ("TB at most one BUSINESS_FORM", buttons(TEXT, form()), buttons(TEXT, form(), form()), "templateContent.buttons"),
    # ordering, General: BUSINESS_FORM last, or BUSINESS_FORM then ADD_CHANNEL
    (
        "GB BUSINESS_FORM last",
        buttons(IMAGE_WIDE, bot(), form()),
        buttons(IMAGE_WIDE, form(), bot()),
        "templateContent.buttons",
    ),
    (
        "GB ADD_CHANNEL last with BUSINESS_FORM",
        buttons(ITEM_LIST, form(), ADD),
        buttons(ITEM_LIST, ADD, form()),
        "templateContent.buttons",
    ),
    # coupon titles per type
    (
        "PRICE coupon 1..99999999",
        changed(TEXT, coupon=title("PRICE_DISCOUNT_COUPON", 99_999_999)),
        changed(TEXT, coupon=title("PRICE_DISCOUNT_COUPON", 100_000_000)),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "PRICE coupon >= 1",
        changed(TEXT, coupon=title("PRICE_DISCOUNT_COUPON", 1)),
        changed(TEXT, coupon=title("PRICE_DISCOUNT_COUPON", 0)),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "PRICE coupon is an integer",
        changed(TEXT, coupon=title("PRICE_DISCOUNT_COUPON", 500)),
        changed(TEXT, coupon=title("PRICE_DISCOUNT_COUPON", "500")),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "PERCENTAGE coupon 1..100",
        changed(IMAGE, coupon=title("PERCENTAGE_DISCOUNT_COUPON", 100)),
        changed(IMAGE, coupon=title("PERCENTAGE_DISCOUNT_COUPON", 101)),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "PERCENTAGE coupon >= 1",
        changed(IMAGE, coupon=title("PERCENTAGE_DISCOUNT_COUPON", 1)),
        changed(IMAGE, coupon=title("PERCENTAGE_DISCOUNT_COUPON", 0)),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "FREE coupon 1..7",
        changed(TEXT, coupon=title("FREE_COUPON", "x" * 7)),
        changed(TEXT, coupon=title("FREE_COUPON", "x" * 8)),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "FREE coupon not empty",
        changed(TEXT, coupon=title("FREE_COUPON", "x")),
        changed(TEXT, coupon=title("FREE_COUPON", "")),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "UP coupon 1..7",
        changed(IMAGE_WIDE, coupon=title("UP_COUPON", "x" * 7)),
        changed(IMAGE_WIDE, coupon=title("UP_COUPON", "x" * 8)),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "UP coupon needs a title",
        changed(IMAGE_WIDE, coupon=title("UP_COUPON", "x")),
        changed(IMAGE_WIDE, coupon=title("UP_COUPON")),
        "templateContent.coupon.title.couponTitle",
    ),
    (
        "SHIPPING coupon has no title",
        changed(ITEM_LIST, coupon=title("SHIPPING_DISCOUNT_COUPON")),
        changed(ITEM_LIST, coupon=title("SHIPPING_DISCOUNT_COUPON", "x")),
        "templateContent.coupon.title",
    ),
    (
        "coupon title type known",
        changed(TEXT, coupon=title("FREE_COUPON", "x")),
        changed(TEXT, coupon=title("BOGO_COUPON", "x")),
        "templateContent.coupon.title",
    ),
    (
        "couponTitle, not couponTitleParameter",
        changed(TEXT, coupon=title("FREE_COUPON", "x")),
        changed(TEXT, coupon=coupon(title={"type": "FREE_COUPON", "couponTitleParameter": "x"})),
        "templateContent.coupon.title",
    ),
    # coupon bodies
    (
        "TEXT coupon description 1..12",
        changed(TEXT, coupon=coupon(description="x" * 12)),
        changed(TEXT, coupon=coupon(description="x" * 13)),
        "templateContent.coupon.description",
    ),
    (
        "IMAGE coupon description 1..12",
        changed(IMAGE, coupon=coupon(description="x" * 12)),
        changed(IMAGE, coupon=coupon(description="x" * 13)),
        "templateContent.coupon.description",
    ),
    (
        "IMAGE_WIDE coupon description 1..18",
        changed(IMAGE_WIDE, coupon=coupon(description="x" * 18)),
        changed(IMAGE_WIDE, coupon=coupon(description="x" * 19)),
        "templateContent.coupon.description",
    ),
    (
        "ITEM_LIST coupon description 1..18",
        changed(ITEM_LIST, coupon=coupon(description="x" * 18)),
        changed(ITEM_LIST, coupon=coupon(description="x" * 19)),
        "templateContent.coupon.description",
    ),
    (
        "coupon description not empty",
        changed(TEXT, coupon=coupon(description="x")),
        changed(TEXT, coupon=coupon(description="")),
        "templateContent.coupon.description",
    ),
    (
        "coupon description one line",
        changed(TEXT, coupon=coupon(description="a b")),
        changed(TEXT, coupon=coupon(description="a\nb")),
        "templateContent.coupon.description",
    ),
    (
        "coupon urlMobile required",
        changed(TEXT, coupon=coupon()),
        changed(TEXT, coupon=coupon(urlMobile=None)),
        "templateContent.coupon.urlMobile",
    ),
    (
        "coupon title required",
        changed(TEXT, coupon=coupon()),
        changed(TEXT, coupon=coupon(title=None)),
        "templateContent.coupon.title",
    ),
    (
        "coupon urlMobile is an http(s) URL",
        changed(TEXT, coupon=coupon(urlMobile="https://c")),
        changed(TEXT, coupon=coupon(urlMobile="c.test")),
        "templateContent.coupon.urlMobile",
    ),
    (
        "coupon schemeIos is spelled schemeIos",
        changed(TEXT, coupon=coupon(schemeIos="i://")),
        changed(TEXT, coupon=coupon(schemeIos=None, schemeIOS="i://")),
        "templateContent.coupon",
    ),
    (
        "coupon urlPc is spelled urlPc",
        changed(TEXT, coupon=coupon(urlPc="https://p")),
        changed(TEXT, coupon=coupon(urlPc=None, urlPC="https://p")),
        "templateContent.coupon",
    ),
    # item list
    (
        "header 1..20",
        changed(ITEM_LIST, header="x" * 20),
        changed(ITEM_LIST, header="x" * 21),
        "templateContent.header",
    ),
    ("header not empty", changed(ITEM_LIST, header="x"), changed(ITEM_LIST, header=""), "templateContent.header"),
    (
        "header has no line breaks",
        changed(ITEM_LIST, header="two words"),
        changed(ITEM_LIST, header="two\r\nlines"),
        "templateContent.header",
    ),
    ("wide required", ITEM_LIST, changed(ITEM_LIST, wide=None), "templateContent.wide"),
    (
        "wide title 1..25",
        changed(ITEM_LIST, wide=item("x" * 25)),
        changed(ITEM_LIST, wide=item("x" * 26)),
        "templateContent.wide.title",
    ),
    (
        "wideList 2..4",
        changed(ITEM_LIST, wideList=[item()] * 4),
        changed(ITEM_LIST, wideList=[item()] * 5),
        "templateContent.wideList",
    ),
    (
        "wideList at least 2",
        changed(ITEM_LIST, wideList=[item()] * 2),
        changed(ITEM_LIST, wideList=[item()]),
        "templateContent.wideList",
    ),
    (
        "wideList title 1..30",
        changed(ITEM_LIST, wideList=[item(), item("x" * 30)]),
        changed(ITEM_LIST, wideList=[item(), item("x" * 31)]),
        "templateContent.wideList[1].title",
    ),
    (
        "item imageUrl required",
        ITEM_LIST,
        changed(ITEM_LIST, wideList=[item(), {"title": "t", "urlMobile": "https://m"}]),
        "templateContent.wideList[1].imageUrl",
    ),
    (
        "item urlMobile is an http(s) URL",
        ITEM_LIST,
        changed(ITEM_LIST, wide={**item(), "urlMobile": "m.test"}),
        "templateContent.wide.urlMobile",
    ),
    (
        "item schemeIos is spelled schemeIos",
        changed(ITEM_LIST, wide={**item(), "schemeIos": "i://"}),
        changed(ITEM_LIST, wide={**item(), "schemeIOS": "i://"}),
        "templateContent.wide",
    ),
]


@pytest.mark.parametrize(("valid", "invalid", "prop"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
async def test_template_rule(
    client: httpx.AsyncClient, valid: dict[str, Any], invalid: dict[str, Any], prop: str
) -> None:
    await add_sender(client)
    code = await create(client, template(valid))
    assert (await get_single(client, code))["templateContent"] == valid
    message = assert_400_on(await client.post(TEMPLATES, json=template(invalid)), prop)
    assert message, "the violation says what is wrong"
    response = await client.put(BY_CODE.format(templateCode=code), json=template(invalid))
    assert_400_on(response, prop, BY_CODE, "put")


@pytest.mark.parametrize(
    ("fields", "prop"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"isAdult": "yes"}, "isAdult"),
        ({"isAdult": 1}, "isAdult"),
        ({"templateContent": None}, "templateContent"),
    ],
)
async def test_request_fields(client: httpx.AsyncClient, fields: dict[str, Any], prop: str) -> None:
    await add_sender(client)
    await create(client, template(TEXT, name="x" * 200, isAdult=False))
    assert_400_on(await client.post(TEMPLATES, json=template(TEXT, **fields)), prop)


async def test_bodies_that_are_not_json_objects(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    json_type = {"Content-Type": "application/json"}
    assert_error(await client.post(TEMPLATES, content=b"{nope", headers=json_type), 400)
    assert_error(await client.post(TEMPLATES, content=b""), 400)
    assert_error(await client.post(TEMPLATES, json=[template(TEXT)]), 400)


# --- the spec's own examples -----------------------------------------------------------------------------------------

# Examples that break the spec's schema (KAKAO_API.md §7.15), with the violations they must get.
BROKEN_EXAMPLES = {
    "Image wide template": {"templateContent.buttons[0].name"},
    "Item list template": {"templateContent.header", "templateContent.buttons[0].name"},
    "Update text template with coupon": {
        "templateContent.coupon.title.couponTitle",
        "templateContent.coupon.description",
    },
    "Update image wide template": {"templateContent.buttons[0].name"},
    "Update item list template": {"templateContent.header", "templateContent.buttons[0].name"},
    "Update text template with multiple buttons": {
        "templateContent.buttons[2].name",
        "templateContent.buttons[3].name",
    },
}


def request_examples(method: str) -> dict[str, dict[str, Any]]:
    path = TEMPLATES if method == "post" else BY_CODE
    examples = spec()["paths"][path][method]["requestBody"]["content"]["application/json"]["examples"]
    return {name: example["value"] for name, example in examples.items()}


async def test_spec_examples(client: httpx.AsyncClient, clock: ManualClock) -> None:
    sender = request_examples("post")["Text template with URL button"]["sender"]
    await add_sender(client, sender)
    code = await create(client, template(TEXT, sender=sender))
    seen = set()
    for method in ("post", "put"):
        for name, body in request_examples(method).items():
            clock.advance(6)  # stay within the create throttle
            if method == "post":
                response = await client.post(TEMPLATES, json=body)
            else:
                response = await client.put(BY_CODE.format(templateCode=code), json=body)
            if name in BROKEN_EXAMPLES:
                seen.add(name)
                error = assert_error(response, 400)
                assert {v["property"] for v in error["violations"]} == BROKEN_EXAMPLES[name], (name, error)
                continue
            assert response.status_code == (200 if method == "post" else 204), (name, response.text)
            made = response.json()["templateCode"] if method == "post" else code
            assert (await get_single(client, made, sender=sender)) == {
                "name": body["name"],
                "templateContent": body["templateContent"],
            }, name
    assert seen == set(BROKEN_EXAMPLES)


# --- the create throttle ---------------------------------------------------------------------------------------------


async def test_ten_creates_per_minute(
    gateway: Gateway, admin: httpx.AsyncClient, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    await add_sender(client)
    for _ in range(10):
        await create(client, template(TEXT))
    response = await client.post(TEMPLATES, json=template(TEXT))
    body = assert_error(response, 429)
    assert_matches(body, TEMPLATES, "post", 429)
    assert body["resources"], "E429 links the throttling documentation"
    assert int(response.headers["Retry-After"]) > 0
    # invalid bodies count as requests too, and are answered 429 before the body is read
    assert_error(await client.post(TEMPLATES, content=b"{nope"), 429)
    # other endpoints are not throttled
    assert await listed(client)
    code = (await listed(client))[0]
    assert (await client.put(BY_CODE.format(templateCode=code), json=template(IMAGE))).status_code == 204
    # another account has its own budget
    async with client_for(gateway, admin) as other:
        await add_sender(other)
        await create(other, template(TEXT))
    clock.advance(59)
    assert_error(await client.post(TEMPLATES, json=template(TEXT)), 429)
    clock.advance(1)
    for _ in range(10):
        await create(client, template(TEXT))
    assert_error(await client.post(TEMPLATES, json=template(TEXT)), 429)


async def test_throttle_is_a_sliding_minute(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    for _ in range(10):  # one create every six seconds: 0 s, 6 s, ..., 54 s
        await create(client, template(TEXT))
        clock.advance(6)
    assert clock.now_ms() == START_MS + 60_000
    await create(client, template(TEXT))  # the create of 0 s is a minute old
    response = await client.post(TEMPLATES, json=template(TEXT))
    assert_error(response, 429)  # ten creates within the last minute: 6 s ... 60 s
    assert response.headers["Retry-After"] == "6"
    clock.advance(5.999)
    assert_error(await client.post(TEMPLATES, json=template(TEXT)), 429)
    clock.advance(0.001)
    await create(client, template(TEXT))
    assert_error(await client.post(TEMPLATES, json=template(TEXT)), 429)


async def test_throttle_holds_under_concurrent_creates(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    responses = await asyncio.gather(*(client.post(TEMPLATES, json=template(TEXT)) for _ in range(15)))
    assert sorted(r.status_code for r in responses) == [200] * 10 + [429] * 5
    assert len(await listed(client)) == 10


# --- get single and its 404 ------------------------------------------------------------------------------------------


async def test_get_unknown_template_is_the_specs_404(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    response = await client.get(SINGLE, params={"sender": SENDER, "templateCode": "0123456789abcdef"})
    assert response.status_code == 404
    body = response.json()
    assert_matches(body, SINGLE, "get", 404)
    assert body == spec_404()


async def test_get_template_of_another_sender_is_404(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    code = await create(client, template(TEXT))
    response = await client.get(SINGLE, params={"sender": OTHER_SENDER, "templateCode": code})
    assert response.json() == spec_404()


async def test_404_as_xml_when_asked(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    response = await client.get(
        SINGLE, params={"sender": SENDER, "templateCode": "nope"}, headers={"Accept": "application/xml"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<property>templateCode</property>" in response.content
    assert b"Template with provided ID does not exist." in response.content
    assert b"kakao-brand-template-management" in response.content


@pytest.mark.parametrize(
    ("params", "props"),
    [
        ({"templateCode": "abc"}, {"sender"}),
        ({"sender": SENDER}, {"templateCode"}),
        ({}, {"sender", "templateCode"}),
        ({"sender": SENDER, "templateCode": "x" * 51}, {"templateCode"}),
        ({"sender": "S" * 41, "templateCode": "abc"}, {"sender"}),
        ({"senderGroup": "G" * 41, "templateCode": "abc"}, {"senderGroup"}),
        ({"sender": "NOT-REGISTERED", "templateCode": "abc"}, {"sender"}),
        ({"senderGroup": "NO-SUCH-GROUP", "templateCode": "abc"}, {"senderGroup"}),
    ],
)
async def test_get_single_parameters(client: httpx.AsyncClient, params: dict[str, str], props: set[str]) -> None:
    await add_sender(client)
    body = assert_error(await client.get(SINGLE, params=params), 400)
    assert_matches(body, SINGLE, "get", 400)
    assert {v["property"] for v in body["violations"]} == props


# --- update ----------------------------------------------------------------------------------------------------------


async def test_update_replaces_the_whole_template(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    code = await create(client, template(FULL_CONTENTS["TEXT"], isAdult=True))
    clock.advance(10)
    response = await client.put(BY_CODE.format(templateCode=code), json=template(ITEM_LIST, name="Renamed"))
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await get_single(client, code) == {"name": "Renamed", "templateContent": ITEM_LIST}
    response = await client.put(BY_CODE.format(templateCode=code), json=template(TEXT))
    assert response.status_code == 204, response.text
    assert (await get_single(client, code))["templateContent"] == TEXT


async def test_update_of_a_group_template(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await add_group(client)
    code = await create(client, template(TEXT, sender=None, senderGroup=GROUP))
    owner = {"sender": None, "senderGroup": GROUP}
    response = await client.put(BY_CODE.format(templateCode=code), json=template(IMAGE, **owner))
    assert response.status_code == 204, response.text
    assert (await get_single(client, code, senderGroup=GROUP))["templateContent"] == IMAGE
    # the member sender is not the owner
    response = await client.put(BY_CODE.format(templateCode=code), json=template(TEXT))
    assert response.json() == spec_404()


async def test_update_unknown_template_is_the_specs_404(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    response = await client.put(BY_CODE.format(templateCode="nope"), json=template(TEXT))
    assert response.status_code == 404
    assert_matches(response.json(), BY_CODE, "put", 404)
    assert response.json() == spec_404()
    # a template of another sender: not found for this one, and unchanged
    code = await create(client, template(TEXT))
    response = await client.put(BY_CODE.format(templateCode=code), json=template(IMAGE, sender=OTHER_SENDER))
    assert response.status_code == 404
    assert response.json() == spec_404()
    assert (await get_single(client, code))["templateContent"] == TEXT


# --- list: since, page, size, filters --------------------------------------------------------------------------------


async def test_list_templates_modified_since(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    first = await create(client, template(TEXT))
    clock.advance(30 * 60)
    second = await create(client, template(TEXT))
    assert await listed(client) == [first, second]
    clock.advance(45 * 60)  # `since` defaults to an hour ago: the first is older now
    assert await listed(client) == [second]
    assert await listed(client, since=format_ms(START_MS)) == [first, second]
    assert await listed(client, since=format_ms(START_MS + 1)) == [second]
    assert await listed(client, since="2026-11-29T13:00:00.000+09:00") == [first, second]
    assert await listed(client, since="2026-11-29T04:30:00Z") == [second]
    # an update makes a template modified again, and moves it to the end
    response = await client.put(BY_CODE.format(templateCode=first), json=template(IMAGE))
    assert response.status_code == 204
    assert await listed(client) == [second, first]
    clock.advance(2 * HOUR_S)
    assert await listed(client) == []


async def test_list_pages(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    codes = []
    for _ in range(7):
        codes.append(await create(client, template(TEXT)))
        clock.advance(1)
    assert await listed(client) == codes
    assert await listed(client, size=3) == codes[:3]
    assert await listed(client, size=3, page=1) == codes[:3]
    assert await listed(client, size=3, page=2) == codes[3:6]
    assert await listed(client, size=3, page=3) == codes[6:]
    assert await listed(client, size=3, page=4) == []
    assert await listed(client, size=1, page=7) == codes[6:]
    assert await listed(client, size=100, page=1) == codes


async def test_list_filters_by_sender_and_group(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    await add_group(client)
    mine = await create(client, template(TEXT))
    clock.advance(1)
    other = await create(client, template(TEXT, sender=OTHER_SENDER))
    clock.advance(1)
    grouped = await create(client, template(TEXT, sender=None, senderGroup=GROUP))
    assert await listed(client) == [mine, other, grouped]
    assert await listed(client, senderKey=SENDER) == [mine]
    assert await listed(client, senderKey=OTHER_SENDER) == [other]
    assert await listed(client, senderGroupKey=GROUP) == [grouped]
    assert await listed(client, senderKey=SENDER, senderGroupKey=GROUP) == [mine, grouped]
    assert await listed(client, senderKey="NOBODY") == []
    assert await listed(client, senderKey="") == [mine, other, grouped]


@pytest.mark.parametrize(
    ("params", "prop"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-29T04:00:00"}, "since"),
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "2147483648"}, "page"),
        ({"size": "0"}, "size"),
        ({"size": "-1"}, "size"),
        ({"size": "1.5"}, "size"),
        ({"senderKey": "k" * 41}, "senderKey"),
        ({"senderGroupKey": "k" * 41}, "senderGroupKey"),
    ],
)
async def test_list_parameters(client: httpx.AsyncClient, params: dict[str, str], prop: str) -> None:
    body = assert_error(await client.get(TEMPLATES, params=params), 400)
    assert_matches(body, TEMPLATES, "get", 400)
    assert [v["property"] for v in body["violations"]] == [prop]


async def test_list_parameter_limits_valid(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    code = await create(client, template(TEXT))
    assert await listed(client, size=1, page=1, senderKey="k" * 40) == []
    assert await listed(client, size=2147483647, page=1) == [code]
    assert await listed(client, size=2147483647, page=2147483647) == []


# --- sender groups (extension) ---------------------------------------------------------------------------------------


async def test_sender_groups(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    created = await add_group(client, GROUP, [OTHER_SENDER, SENDER, SENDER])
    assert created == {
        "groupKey": GROUP,
        "name": "Group",
        "senders": [OTHER_SENDER, SENDER],
        "createdAt": format_ms(START_MS),
    }
    await add_group(client, "A-GROUP", [SENDER])
    response = await client.get(GROUPS)
    assert response.status_code == 200, response.text
    assert [g["groupKey"] for g in response.json()["results"]] == ["A-GROUP", GROUP]
    # posting an existing key replaces its name and members, keeping its creation time
    clock.advance(60)
    response = await client.post(GROUPS, json={"groupKey": GROUP, "name": "Renamed", "senders": [SENDER]})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "groupKey": GROUP,
        "name": "Renamed",
        "senders": [SENDER],
        "createdAt": format_ms(START_MS),
    }
    (group,) = [g for g in (await client.get(GROUPS)).json()["results"] if g["groupKey"] == GROUP]
    assert group["senders"] == [SENDER]


@pytest.mark.parametrize(
    ("body", "props"),
    [
        (
            {"groupKey": GROUP, "name": "G", "senders": ["NOT-REGISTERED", SENDER, "NOR-THIS"]},
            ["senders[0]", "senders[2]"],
        ),
        ({"groupKey": GROUP, "name": "G", "senders": []}, ["senders"]),
        ({"groupKey": "", "name": "G", "senders": [SENDER]}, ["groupKey"]),
        ({"groupKey": "g" * 41, "name": "G", "senders": [SENDER]}, ["groupKey"]),
        ({"groupKey": GROUP, "senders": [SENDER]}, ["name"]),
        ({"groupKey": GROUP, "name": "G"}, ["senders"]),
    ],
)
async def test_sender_group_validation(client: httpx.AsyncClient, body: dict[str, Any], props: list[str]) -> None:
    await add_sender(client)
    error = assert_error(await client.post(GROUPS, json=body), 400)
    assert [v["property"] for v in error["violations"]] == props
    assert (await client.get(GROUPS)).json() == {"results": []}


# --- the template lookup of the send path ----------------------------------------------------------------------------


async def test_get_template_for_send(gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    await add_sender(client)
    await add_sender(client, OTHER_SENDER)
    await add_sender(client, "THIRD")
    await add_group(client, GROUP, [SENDER, OTHER_SENDER])
    own = await create(client, template(IMAGE))
    shared = await create(client, template(ITEM_LIST, sender=None, senderGroup=GROUP))
    me = await account_id(admin)
    lookup = brand_templates.get_template_for_send
    assert await lookup(gateway.ctx, me, own, SENDER) == IMAGE
    assert await lookup(gateway.ctx, me, own, OTHER_SENDER) is None
    assert await lookup(gateway.ctx, me, shared, SENDER) == ITEM_LIST
    assert await lookup(gateway.ctx, me, shared, OTHER_SENDER) == ITEM_LIST
    assert await lookup(gateway.ctx, me, shared, "THIRD") is None
    assert await lookup(gateway.ctx, me, "nope", SENDER) is None
    # membership is looked up at send time
    await add_group(client, GROUP, ["THIRD"])
    assert await lookup(gateway.ctx, me, shared, "THIRD") == ITEM_LIST
    assert await lookup(gateway.ctx, me, shared, SENDER) is None
    # another account with the same sender name sees none of it
    async with client_for(gateway, admin) as other:
        await add_sender(other)
    assert await lookup(gateway.ctx, await account_id(admin, "tenant-b"), own, SENDER) is None


# --- isolation and scopes --------------------------------------------------------------------------------------------


async def test_accounts_do_not_see_each_others_templates(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    await add_sender(client)
    await add_group(client)
    code = await create(client, template(TEXT))
    clock.advance(1)
    group_code = await create(client, template(TEXT, sender=None, senderGroup=GROUP))
    async with client_for(gateway, admin) as other:
        # A's sender and group mean nothing to B until B registers its own
        assert_400_on(await other.post(TEMPLATES, json=template(TEXT)), "sender")
        assert_400_on(await other.post(TEMPLATES, json=template(TEXT, sender=None, senderGroup=GROUP)), "senderGroup")
        assert (await other.get(GROUPS)).json() == {"results": []}
        await add_sender(other)
        await add_group(other)
        assert await listed(other, since=format_ms(0)) == []
        for params in ({"sender": SENDER, "templateCode": code}, {"senderGroup": GROUP, "templateCode": group_code}):
            response = await other.get(SINGLE, params=params)
            assert response.json() == spec_404()
        response = await other.put(BY_CODE.format(templateCode=code), json=template(IMAGE))
        assert response.json() == spec_404()
        theirs = await create(other, template(IMAGE))
        assert await listed(other) == [theirs]
    assert (await get_single(client, code))["templateContent"] == TEXT
    assert await listed(client) == [code, group_code]
    response = await client.get(SINGLE, params={"sender": SENDER, "templateCode": theirs})
    assert response.json() == spec_404()


async def test_kakao_manage_scope_is_required(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await add_sender(client)
    code = await create(client, template(TEXT))
    me = await account_id(admin)
    async with client_for(gateway, admin, me, ["kakao:message:send", "message:send", "kakao:logs:read"]) as limited:
        for response in (
            await limited.get(TEMPLATES),
            await limited.post(TEMPLATES, json=template(TEXT)),
            await limited.get(SINGLE, params={"sender": SENDER, "templateCode": code}),
            await limited.put(BY_CODE.format(templateCode=code), json=template(TEXT)),
            await limited.get(GROUPS),
            await limited.post(GROUPS, json={"groupKey": GROUP, "name": "G", "senders": [SENDER]}),
        ):
            assert_error(response, 403)
    async with client_for(gateway, admin, me, ["kakao:manage"]) as manager:
        assert await listed(manager) == [code]
    anonymous = await client.get(TEMPLATES, headers={"Authorization": "App wrong"})
    assert_matches(assert_error(anonymous, 401), TEMPLATES, "get", 401)
