"""The NHN Cloud KakaoTalk Bizmessage upstream against a fake NHN API on a real socket (tests/fake_nhn.py)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import Submission, SubmitResult
from kakao_gateway.connectors.nhn import mapping as nhn
from kakao_gateway.connectors.nhn.connector import NhnConnector, _recipient_seq
from kakao_gateway.connectors.nhn.mapping import NhnCredentials, national_number
from kakao_gateway.connectors.registry import build_kakao_connector
from kakao_gateway.connectors.upstreams import UpstreamDeps, kakao_route
from kakao_gateway.store.sql import Fetch, Op

from .conftest import API_KEY, START_MS, Receiver, started_gateway
from .fake_nhn import APP_KEY, SECRET_KEY, SENDER_KEY, FakeNhn, serving
from .helpers import SENDER, TEMPLATE_CODE, TEXT, alim_body, register_basics, settle

CREDS = NhnCredentials(APP_KEY, SECRET_KEY, SENDER_KEY)
SERVER_SECRET = "test-server-secret-0123456789abcdef"


@pytest.fixture
async def fake() -> AsyncIterator[FakeNhn]:
    async with serving(FakeNhn()) as server:
        yield server
    assert server.problems == []


def connector(fake: FakeNhn, clock: ManualClock, query: str = "", creds: NhnCredentials | None = CREDS) -> NhnConnector:
    url = f"nhn+http://{fake.base_url}{query}"
    built = build_kakao_connector(url, UpstreamDeps(clock, kakao_route(url), "http://gateway.test"))
    assert isinstance(built, NhnConnector)

    async def lookup(account_id: str, sender: str) -> NhnCredentials | None:
        return creds

    built.credentials = lookup
    return built


def alim(seq: int, destination: str = "821012345678", attempt: int = 1, **content: Any) -> Submission:
    body = {"type": "TEMPLATE", "templateCode": "ORDER", "text": f"Order {seq} shipped", **content}
    return Submission(seq, "acc", f"msg-{seq}", "ALIM", "KAKAO:nhn", "S1", destination, body, attempt, START_MS)


def test_national_number() -> None:
    assert national_number("821012345678") == "01012345678"
    assert national_number("8201012345678") == "01012345678"
    assert national_number("4915112345678") is None


async def test_alim_success_with_delayed_result(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    button = {"type": "URL", "name": "Track", "urlMobile": "https://shop.example/t", "target": "OUT"}
    batch = [alim(1, title="Shipped", buttons=[button]), alim(2, "821099998888")]
    results = await conn.submit(batch, clock.now_ms())
    assert [r.kind for r in results] == ["accepted", "accepted"]
    assert results[0].wait_ms == 600_000
    assert len(fake.bodies) == 1  # one raw-messages request for one sender and template
    first = fake.bodies[0]["recipientList"][0]
    assert first == {
        "recipientNo": "01012345678",
        "content": "Order 1 shipped",
        "recipientGroupingKey": "msg-1",
        "templateTitle": "Shipped",
        "buttons": [
            {"ordering": 1, "type": "WL", "name": "Track", "linkMo": "https://shop.example/t", "target": "out"}
        ],
    }
    assert await conn.poll_results(clock.now_ms()) == []  # not asked before poll_after
    clock.advance(5)
    assert await conn.poll_results(clock.now_ms()) == []  # NHN: still READY
    fake.results["01012345678"] = ("COMPLETED", "1000")
    fake.results["01099998888"] = ("COMPLETED", "1000")
    clock.advance(10)
    late = await conn.poll_results(clock.now_ms())
    assert {(r.seq, r.kind, r.status, r.error) for r in late} == {
        (1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR"),
        (2, "final", "DELIVERED_TO_HANDSET", "NO_ERROR"),
    }
    assert conn.health()["ok"] is True and conn.health()["waiting"] == 0
    await conn.close()


async def test_permanent_temporary_and_unknown_codes(
    fake: FakeNhn, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    conn = connector(fake, clock)
    fake.refusals["01000000004"] = -4019
    numbers = ["821000000001", "821000000002", "821000000003", "821000000004"]
    results = await conn.submit([alim(i + 1, n) for i, n in enumerate(numbers)], clock.now_ms())
    assert results[3] == SubmitResult("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS")
    fake.results["01000000001"] = ("FAILED", "3019")
    fake.results["01000000002"] = ("FAILED", "3012")
    fake.results["01000000003"] = ("FAILED", "7777")
    clock.advance(5)
    with caplog.at_level(logging.WARNING):
        late = {r.seq: (r.kind, r.status, r.error) for r in await conn.poll_results(clock.now_ms())}
    assert late == {
        1: ("final", "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER"),
        2: ("temporary", "PENDING_ENROUTE", "EC_PROVIDER_INTERNAL_ERROR"),
        3: ("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_PROVIDER_DR_ERROR"),
    }
    assert "unknown NHN result code '7777'" in caplog.text
    await conn.close()


async def test_429_waits_for_retry_after(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    fake.queued.append((429, {"Retry-After": "7"}, {}))
    assert (await conn.submit([alim(1)], clock.now_ms()))[0].error == "EC_TOO_MANY_REQUESTS"
    clock.advance(6.9)
    assert (await conn.submit([alim(1, attempt=2)], clock.now_ms()))[0].error == "EC_TOO_MANY_REQUESTS"
    assert fake.bodies == []  # no request while throttled
    clock.advance(0.1)
    assert (await conn.submit([alim(1, attempt=3)], clock.now_ms()))[0].kind == "accepted"
    await conn.close()


async def test_timeout_then_resend_finds_the_first_send(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock, "?timeout=0.2")
    fake.delay_s = 0.5
    assert (await conn.submit([alim(1)], clock.now_ms()))[0] == SubmitResult("temporary", error="EC_PROVIDER_TIMEOUT")
    fake.delay_s = 0
    clock.advance(30)
    assert (await conn.submit([alim(1, attempt=2)], clock.now_ms()))[0].kind == "accepted"
    assert len(fake.sent) == 1  # found by its messageId: no second message
    await conn.close()


async def test_auth_failure_is_unhealthy(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock, creds=NhnCredentials(APP_KEY, "wrong-secret", SENDER_KEY))
    results = await conn.submit([alim(1)], clock.now_ms())
    assert results[0].kind == "temporary"
    health = conn.health()
    assert health["ok"] is False and "secret key" in health["error"]
    assert "wrong-secret" not in str(health)
    await conn.close()


async def test_missing_credentials_and_abroad_are_final(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock, creds=None)
    assert (await conn.submit([alim(1)], clock.now_ms()))[0].error == "EC_CONFIGURATION_ERROR"
    conn = connector(fake, clock)
    assert (await conn.submit([alim(1, "4915112345678")], clock.now_ms()))[0].status == "REJECTED_DESTINATION"
    assert fake.bodies == []
    await conn.close()


async def test_never_reports_backs_off(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    await conn.submit([alim(1)], clock.now_ms())
    for _ in range(60):  # ten minutes in ten-second steps
        clock.advance(10)
        assert await conn.poll_results(clock.now_ms()) == []
    assert 5 <= fake.result_queries <= 8  # 5 s, then doubling: not one query per poll
    assert conn.health()["waiting"] == 1
    await conn.close()


async def test_a_requests_results_come_in_one_query(fake: FakeNhn, clock: ManualClock) -> None:
    """Recipients of one sender and template go in raw-messages requests of at most 1,000 (NHN's limit); their results
    are asked for with one list query per request (by requestId), not one query per recipient."""
    conn = connector(fake, clock)
    numbers = [f"8210{n:08d}" for n in range(1, 1203)]
    results = await conn.submit([alim(i + 1, n) for i, n in enumerate(numbers)], clock.now_ms())
    assert {r.kind for r in results} == {"accepted"}
    assert [len(body["recipientList"]) for body in fake.bodies] == [1000, 202]
    for n in numbers[:1201]:
        fake.results[national_number(n) or ""] = ("COMPLETED", "1000")
    clock.advance(5)
    late = await conn.poll_results(clock.now_ms())
    assert len(late) == 1201 and {r.status for r in late} == {"DELIVERED_TO_HANDSET"}
    assert fake.result_queries == 2  # one per request
    assert conn.health()["waiting"] == 1  # the last one is still READY: asked again later
    await conn.close()


async def test_a_429_stops_the_rest_of_the_batch(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    fake.queued.append((429, {"Retry-After": "5"}, {}))
    numbers = [f"8210{n:08d}" for n in range(1, 1203)]
    results = await conn.submit([alim(i + 1, n) for i, n in enumerate(numbers)], clock.now_ms())
    assert {r.error for r in results} == {"EC_TOO_MANY_REQUESTS"}
    # the first request (1,000 recipients) was answered 429; the second (202) was not sent into the throttle
    assert [path.rsplit("/", 1)[-1] for path in fake.calls] == ["raw-messages"]
    await conn.close()


@pytest.mark.parametrize(
    ("listed", "seq"),
    [
        ({"requestId": "R1", "recipientSeq": 3}, 3),
        ({"requestId": "R1", "recipientSeq": "3"}, 3),  # a number as text
        ({"requestId": "R2", "recipientSeq": 3}, None),  # another request's recipient
        ({"requestId": "R1"}, None),
        ({"requestId": "R1", "recipientSeq": "x"}, None),
        ({"requestId": "R1", "recipientSeq": True}, None),
    ],
)
def test_a_listed_recipient_is_matched_by_its_request_and_seq(listed: dict[str, Any], seq: int | None) -> None:
    assert _recipient_seq(listed, "R1") == seq


async def test_crash_between_submit_and_record_sends_once(fake: FakeNhn, clock: ManualClock) -> None:
    first = connector(fake, clock)
    assert (await first.submit([alim(1)], clock.now_ms()))[0].kind == "accepted"
    await first.close()  # the process dies before recording the answer
    clock.advance(60)
    second = connector(fake, clock)  # a new process: nothing in memory
    assert (await second.submit([alim(1, attempt=2)], clock.now_ms()))[0].kind == "accepted"
    assert len(fake.sent) == 1 and len(fake.bodies) == 1
    fake.results["01012345678"] = ("COMPLETED", "1000")
    clock.advance(5)
    assert [(r.seq, r.status) for r in await second.poll_results(clock.now_ms())] == [(1, "DELIVERED_TO_HANDSET")]
    # An earlier send that failed is not adopted: the message goes again.
    fake.results["01012345678"] = ("FAILED", "3012")
    assert (await second.submit([alim(1, attempt=3)], clock.now_ms()))[0].kind == "accepted"
    assert len(fake.sent) == 2
    await second.close()


async def test_brand_text_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = {
        "type": "TEXT_FREE_FORM",
        "text": "Sale today",
        "buttons": [{"type": "URL", "name": "Shop", "urlMobile": "https://shop.example", "urlPC": "https://shop.pc"}],
    }
    s = Submission(7, "acc", "brand-7", "BRAND", "KAKAO:nhn", "S1", "821012345678", content, 1, START_MS)
    assert (await conn.submit([s], clock.now_ms()))[0].kind == "accepted"
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "TEXT",
        "content": "Sale today",
        "recipientList": [{"recipientNo": "01012345678", "targeting": "I", "recipientGroupingKey": "brand-7"}],
        "buttons": [{"type": "WL", "name": "Shop", "linkMo": "https://shop.example", "linkPc": "https://shop.pc"}],
    }
    await conn.close()


def brand(seq: int, content: dict[str, Any], audience: str | None = None) -> Submission:
    return Submission(
        seq, "acc", f"brand-{seq}", "BRAND", "KAKAO:nhn", "S1", "821012345678", content, 1, START_MS, audience=audience
    )


RECIPIENT = {"recipientNo": "01012345678", "targeting": "I", "recipientGroupingKey": "brand-1"}


async def test_brand_wide_image_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = {
        "type": "IMAGE_WIDE_FREE_FORM",
        "text": "Autumn sale: 30% off outerwear",
        "image": {"url": "https://mud-kage.kakao.com/dn/wide.jpg", "link": "https://shop.example/autumn"},
        "buttons": [
            {"type": "URL", "name": "Shop", "urlMobile": "https://shop.example/m", "urlPc": "https://shop.example"},
            {"type": "APP_LINK", "name": "Open app", "schemeAndroid": "shop://a", "schemeIos": "shop://i"},
        ],
    }
    assert nhn.brand_problems(content) == []
    assert (await conn.submit([brand(1, content)], clock.now_ms()))[0].kind == "accepted"
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "WIDE",
        "content": "Autumn sale: 30% off outerwear",
        "image": {"imageUrl": "https://mud-kage.kakao.com/dn/wide.jpg", "imageLink": "https://shop.example/autumn"},
        "buttons": [
            {"type": "WL", "name": "Shop", "linkMo": "https://shop.example/m", "linkPc": "https://shop.example"},
            {"type": "AL", "name": "Open app", "schemeAndroid": "shop://a", "schemeIos": "shop://i"},
        ],
        "recipientList": [RECIPIENT],
    }
    await conn.close()


def _item(n: int, **extra: str) -> dict[str, str]:
    return {
        "title": f"Item {n}",
        "url": f"https://mud-kage.kakao.com/dn/item{n}.jpg",
        "urlMobile": f"https://shop.example/i/{n}",
        **extra,
    }


async def test_brand_item_list_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = {
        "type": "ITEM_LIST_FREE_FORM",
        "header": "This week's picks",
        "itemList": [
            _item(1, urlPC="https://shop.example/pc/1"),
            _item(2, schemeAndroid="shop://2", schemeIOS="shop://ios/2"),
            _item(3),
            _item(4),
        ],
        "buttons": [{"type": "BOT_KEYWORD", "name": "More"}],
    }
    assert nhn.brand_problems(content) == []
    assert (await conn.submit([brand(1, content, "ALL_CONSENT")], clock.now_ms()))[0].kind == "accepted"
    item = {"title": "Item 3", "imageUrl": "https://mud-kage.kakao.com/dn/item3.jpg"}
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "WIDE_ITEM_LIST",
        "header": "This week's picks",
        "item": {
            "list": [
                {
                    "title": "Item 1",
                    "imageUrl": "https://mud-kage.kakao.com/dn/item1.jpg",
                    "linkMo": "https://shop.example/i/1",
                    "linkPc": "https://shop.example/pc/1",
                },
                {
                    "title": "Item 2",
                    "imageUrl": "https://mud-kage.kakao.com/dn/item2.jpg",
                    "linkMo": "https://shop.example/i/2",
                    "schemeAndroid": "shop://2",
                    "schemeIos": "shop://ios/2",
                },
                {**item, "linkMo": "https://shop.example/i/3"},
                {
                    "title": "Item 4",
                    "imageUrl": "https://mud-kage.kakao.com/dn/item4.jpg",
                    "linkMo": "https://shop.example/i/4",
                },
            ]
        },
        "buttons": [{"type": "BK", "name": "More"}],
        "recipientList": [{**RECIPIENT, "targeting": "M"}],
    }
    await conn.close()


async def test_brand_commerce_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = {
        "type": "COMMERCE_FREE_FORM",
        "commerce": {
            "title": "Wool coat",
            "regularPrice": 189000,
            "discountPrice": 132300,
            "discountRate": 30,
        },
        "image": {"url": "https://mud-kage.kakao.com/dn/coat.jpg"},
        "additionalContent": "Free shipping until Sunday",
        "buttons": [{"type": "URL", "name": "Buy", "urlMobile": "https://shop.example/coat"}],
    }
    assert nhn.brand_problems(content) == []
    assert (await conn.submit([brand(1, content)], clock.now_ms()))[0].kind == "accepted"
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "COMMERCE",
        "commerce": {"title": "Wool coat", "regularPrice": 189000, "discountPrice": 132300, "discountRate": 30},
        "image": {"imageUrl": "https://mud-kage.kakao.com/dn/coat.jpg"},
        "additionalContent": "Free shipping until Sunday",
        "buttons": [{"type": "WL", "name": "Buy", "linkMo": "https://shop.example/coat"}],
        "recipientList": [RECIPIENT],
    }
    await conn.close()


def _feed() -> dict[str, Any]:
    def card(n: int) -> dict[str, Any]:
        return {
            "header": f"Look {n}",
            "message": f"Our autumn look number {n}, in stores now.",
            "attachment": {
                "image": {"url": f"https://mud-kage.kakao.com/dn/look{n}.jpg", "link": f"https://shop.example/l/{n}"},
                "buttons": [{"type": "URL", "name": "See", "urlMobile": f"https://shop.example/l/{n}"}],
            },
        }

    return {
        "type": "CAROUSEL_FREE_FORM",
        "elements": [card(1), card(2)],
        "tail": {"urlMobile": "https://shop.example/looks", "schemeIos": "shop://looks"},
    }


async def test_brand_carousel_feed_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = _feed()
    content["elements"][1]["attachment"]["buttons"].append({"type": "ADD_CHANNEL"})
    assert nhn.brand_problems(content) == []
    assert (await conn.submit([brand(1, content, "NON_FRIENDS")], clock.now_ms()))[0].kind == "accepted"
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "CAROUSEL_FEED",
        "carousel": {
            "list": [
                {
                    "header": "Look 1",
                    "message": "Our autumn look number 1, in stores now.",
                    "imageUrl": "https://mud-kage.kakao.com/dn/look1.jpg",
                    "imageLink": "https://shop.example/l/1",
                    "buttons": [{"type": "WL", "name": "See", "linkMo": "https://shop.example/l/1"}],
                },
                {
                    "header": "Look 2",
                    "message": "Our autumn look number 2, in stores now.",
                    "imageUrl": "https://mud-kage.kakao.com/dn/look2.jpg",
                    "imageLink": "https://shop.example/l/2",
                    "buttons": [{"type": "WL", "name": "See", "linkMo": "https://shop.example/l/2"}, {"type": "AC"}],
                },
            ],
            "tail": {"linkMo": "https://shop.example/looks", "schemeIos": "shop://looks"},
        },
        "recipientList": [{**RECIPIENT, "targeting": "N"}],
    }
    await conn.close()


def _commerce_card(n: int) -> dict[str, Any]:
    return {
        "attachment": {
            "image": {"url": f"https://mud-kage.kakao.com/dn/p{n}.jpg"},
            "buttons": [{"type": "URL", "name": "Buy", "urlMobile": f"https://shop.example/p/{n}"}],
            "commerce": {
                "title": f"Product {n}",
                "regularPrice": 20000 + n,
                "discountPrice": 18000,
                "discountFixed": 2000 + n,
            },
        },
        "additionalContent": "Ships tomorrow",
    }


async def test_brand_carousel_commerce_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = {
        "type": "CAROUSEL_COMMERCE_FREE_FORM",
        "head": {
            "header": "Autumn deals",
            "content": "Up to 30% off this week",
            "imageUrl": "https://mud-kage.kakao.com/dn/head.jpg",
            "urlMobile": "https://shop.example/deals",
            "urlPc": "https://shop.example/deals?pc",
        },
        "elements": [_commerce_card(1)],
        "tail": {"urlMobile": "https://shop.example/all"},
    }
    assert nhn.brand_problems(content) == []
    assert (await conn.submit([brand(1, content)], clock.now_ms()))[0].kind == "accepted"
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "CAROUSEL_COMMERCE",
        "carousel": {
            "head": {
                "header": "Autumn deals",
                "content": "Up to 30% off this week",
                "imageUrl": "https://mud-kage.kakao.com/dn/head.jpg",
                "linkMo": "https://shop.example/deals",
                "linkPc": "https://shop.example/deals?pc",
            },
            "list": [
                {
                    "additionalContent": "Ships tomorrow",
                    "imageUrl": "https://mud-kage.kakao.com/dn/p1.jpg",
                    "commerce": {
                        "title": "Product 1",
                        "regularPrice": 20001,
                        "discountPrice": 18000,
                        "discountFixed": 2001,
                    },
                    "buttons": [{"type": "WL", "name": "Buy", "linkMo": "https://shop.example/p/1"}],
                }
            ],
            "tail": {"linkMo": "https://shop.example/all"},
        },
        "recipientList": [RECIPIENT],
    }
    await conn.close()


async def test_brand_premium_video_message(fake: FakeNhn, clock: ManualClock) -> None:
    conn = connector(fake, clock)
    content = {
        "type": "PREMIUM_VIDEO_FREE_FORM",
        "header": "Autumn lookbook",
        "content": "Watch the new season in 30 seconds",
        "video": {"videoUrl": "https://tv.kakao.com/v/123456", "thumbnailUrl": "https://mud-kage.kakao.com/dn/t.jpg"},
        "button": {"type": "URL", "name": "Shop", "urlMobile": "https://shop.example/autumn"},
    }
    assert nhn.brand_problems(content) == []
    assert (await conn.submit([brand(1, content)], clock.now_ms()))[0].kind == "accepted"
    assert fake.bodies[0] == {
        "senderKey": SENDER_KEY,
        "chatBubbleType": "PREMIUM_VIDEO",
        "header": "Autumn lookbook",
        "content": "Watch the new season in 30 seconds",
        "video": {"videoUrl": "https://tv.kakao.com/v/123456", "thumbnailUrl": "https://mud-kage.kakao.com/dn/t.jpg"},
        "buttons": [{"type": "WL", "name": "Shop", "linkMo": "https://shop.example/autumn"}],
        "recipientList": [RECIPIENT],
    }
    coupon = {"title": {"type": "UP_COUPON", "couponTitleParameter": "Size"}, "description": "One size up"}
    assert nhn.brand_problems({**content, "coupon": coupon}) == ["content.coupon cannot be sent through NHN Cloud"]
    # NHN's Brand buttons have no `target` (its Alim buttons do): refused rather than dropped.
    outside = {**content, "button": {**content["button"], "target": "OUT"}}
    assert nhn.brand_problems(outside) == ["content.button.target cannot be sent through NHN Cloud"]
    await conn.close()


def test_brand_contents_nhn_cannot_carry() -> None:
    coupon = {
        "title": {"type": "PERCENTAGE_DISCOUNT_COUPON", "couponTitleParameter": 10},
        "description": "Autumn only",
        "urlMobile": "https://shop.example/c",
    }
    wide = {"type": "IMAGE_WIDE_FREE_FORM", "text": "Sale", "image": {"url": "https://i.example/w.jpg"}}
    assert nhn.brand_problems({**wide, "coupon": coupon}) == ["content.coupon cannot be sent through NHN Cloud"]
    five = {"type": "ITEM_LIST_FREE_FORM", "header": "Picks", "itemList": [_item(n) for n in range(1, 6)]}
    assert nhn.brand_problems(five) == ["content.itemList: NHN Cloud takes at most 4 items; got 5"]
    buttons = [
        {"type": "URL", "name": "Buy", "urlMobile": "https://shop.example/coat"},
        {"type": "BUSINESS_FORM", "name": "Ask", "businessFormKey": "bf-key-1"},
    ]
    commerce = {
        "type": "COMMERCE_FREE_FORM",
        "commerce": {"title": "Coat", "regularPrice": 1000},
        "image": {"url": "https://i.example/c.jpg"},
        "buttons": buttons,
    }
    assert nhn.brand_problems(commerce) == [
        "content.buttons[1]: NHN Cloud takes a BUSINESS_FORM button only as the first button"
    ]
    assert nhn.brand_problems({**commerce, "buttons": buttons[1:]}) == []
    assert nhn.brand_problems({**commerce, "buttons": [buttons[1], {"type": "ADD_CHANNEL"}]}) == []
    assert nhn.brand_problems({**commerce, "buttons": [{"type": "ADD_CHANNEL"}, buttons[0]]}) == [
        "content.buttons[0]: NHN Cloud takes an ADD_CHANNEL button only as the last button"
    ]
    for kind in ("IMAGE_VARIABLE", "TEXT_VARIABLE"):
        assert nhn.brand_problems({"type": kind}) == [
            f"content.type {kind} cannot be sent through NHN Cloud (supported: TEXT_FREE_FORM, IMAGE_FREE_FORM, "
            "IMAGE_WIDE_FREE_FORM, ITEM_LIST_FREE_FORM, COMMERCE_FREE_FORM, CAROUSEL_FREE_FORM, "
            "CAROUSEL_COMMERCE_FREE_FORM, PREMIUM_VIDEO_FREE_FORM)"
        ]


def test_brand_coupon_and_long_image_text_are_refused() -> None:
    coupon = {
        "title": {"type": "PRICE_DISCOUNT_COUPON", "couponTitleParameter": 5000},
        "description": "Today only",
        "urlMobile": "https://shop.example/c",
    }
    text = {"type": "TEXT_FREE_FORM", "text": "Sale", "coupon": coupon}
    assert nhn.brand_problems(text) == ["content.coupon cannot be sent through NHN Cloud"]
    image = {"type": "IMAGE_FREE_FORM", "text": "x" * 401, "image": {"url": "https://i.example/a.jpg"}}
    assert nhn.brand_problems(image) == ["content.text: NHN Cloud takes at most 400 characters for IMAGE_FREE_FORM"]
    assert nhn.brand_problems({**image, "text": "x" * 400}) == []


def test_brand_carousels_nhn_cannot_carry() -> None:
    head = {"header": "New in", "content": "Autumn", "imageUrl": "https://i.example/h.jpg"}
    feed = {**_feed(), "head": head}
    assert nhn.brand_problems(feed) == ["content.head cannot be sent through NHN Cloud"]  # CAROUSEL_FEED: no head
    card = _commerce_card(1)
    no_commerce = {"attachment": {k: v for k, v in card["attachment"].items() if k != "commerce"}}
    commerce = {"type": "CAROUSEL_COMMERCE_FREE_FORM", "elements": [card, no_commerce]}
    assert nhn.brand_problems(commerce) == [
        "content.elements[1].attachment.commerce: NHN Cloud requires a commerce on every card"
    ]
    bare = {"header": "New in", "content": "x" * 51, "urlPc": "https://shop.example"}
    assert nhn.brand_problems({**commerce, "elements": [card] * 6, "head": bare}) == [
        "content.head.imageUrl: NHN Cloud requires it",
        "content.head.content: NHN Cloud takes at most 50 characters",
        "content.head.urlMobile: NHN Cloud requires it when the head has another link",
        "content.elements: NHN Cloud takes at most 5 with a head; got 6",
    ]
    coupon = {
        "title": {"type": "SHIPPING_DISCOUNT_COUPON"},
        "description": "Free delivery",
        "urlMobile": "https://shop.example/c",
    }
    feed = _feed()
    feed["elements"][0]["attachment"]["coupon"] = coupon
    assert nhn.brand_problems(feed) == ["content.elements[0].attachment.coupon cannot be sent through NHN Cloud"]


# --- Through the gateway ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Setup:
    gateway: Gateway
    client: httpx.AsyncClient


@pytest.fixture
async def nhn_gateway(
    settings: Settings, clock: ManualClock, receiver: Receiver, fake: FakeNhn
) -> AsyncIterator[Setup]:
    configured = dataclasses.replace(settings, kakao_upstream=f"nhn+http://{fake.base_url}", secret_key=SERVER_SECRET)
    async with started_gateway(configured, clock, receiver) as gw:
        transport = httpx.ASGITransport(app=create_app(gw))
        headers = {"Authorization": f"App {API_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers) as c:
            yield Setup(gw, c)


def _raw_credentials() -> Op[list[Any]]:
    rows = yield Fetch("SELECT ciphertext FROM sender_credentials")
    return [r[0] for r in rows]


async def put_credentials(client: httpx.AsyncClient) -> httpx.Response:
    body = {"appKey": APP_KEY, "secretKey": SECRET_KEY, "senderKey": SENDER_KEY}
    return await client.put(f"/kakao/1/senders/{SENDER}/upstream-credentials", json=body)


async def test_credentials_are_encrypted_and_never_shown(nhn_gateway: Setup, caplog: pytest.LogCaptureFixture) -> None:
    client = nhn_gateway.client
    await register_basics(client)
    with caplog.at_level(logging.DEBUG):
        response = await put_credentials(client)
        assert response.status_code == 200, response.text
        senders = await client.get("/kakao/1/senders")
    for answer in (response.text, senders.text):
        assert SECRET_KEY not in answer and APP_KEY not in answer and SENDER_KEY not in answer
    assert response.json() == {"sender": SENDER, "credentials": "SET"}
    raw = await nhn_gateway.gateway.db.read(_raw_credentials())
    assert len(raw) == 1 and SECRET_KEY not in raw[0] and APP_KEY not in raw[0]
    assert SECRET_KEY not in caplog.text
    bad = await client.put(f"/kakao/1/senders/{SENDER}/upstream-credentials", json={"appKey": "x", "secretKey": 5})
    assert bad.status_code == 400 and SECRET_KEY not in bad.text
    assert (await client.get(f"/kakao/1/senders/{SENDER}/upstream-credentials")).status_code == 405


async def test_credentials_need_a_server_secret_key(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    response = await put_credentials(client)
    assert response.status_code == 400
    assert "secret key" in response.text and SECRET_KEY not in response.text


async def test_unmappable_content_is_a_400_at_accept(nhn_gateway: Setup) -> None:
    client = nhn_gateway.client
    await register_basics(client)
    response = await client.post("/kakao-alim/1/messages", json=alim_body("821012345678", groupKey="g1"))
    assert response.status_code == 400 and "groupKey cannot be sent through NHN Cloud" in response.text


async def test_template_sync(nhn_gateway: Setup, fake: FakeNhn) -> None:
    from kakao_gateway.service.template_sync import sync_templates

    client = nhn_gateway.client
    await register_basics(client)
    assert (await put_credentials(client)).status_code == 200
    fake.templates = [
        {
            "templateCode": "T_OK",
            "templateName": "Ok",
            "templateContent": "Hi #{name}",
            "status": "TSC03",
            "buttons": [{"ordering": 1, "type": "WL", "name": "Go", "linkMo": "https://a.example"}],
        },
        {
            "templateCode": "T_WAIT",
            "templateName": "Wait",
            "templateContent": "Your #{item} total",
            "status": "TSC02",
            "templateEmphasizeType": "ITEM_LIST",
            "templateHeader": "Receipt",
            "templateItemHighlight": {"title": "Cafe", "description": "Seoul"},
            "templateItem": {
                "list": [{"title": "Item", "description": "#{item}"}, {"title": "Cups", "description": "2"}],
                "summary": {"title": "Total", "description": "#{total}"},
            },
            "categoryCode": "004001",
            "securityFlag": True,
            "templateMessageType": "EX",
            "templateExtra": "Call 1588-0000",
            "comments": [
                {
                    "id": 1,
                    "content": "Checking",
                    "userName": "Kakao",
                    "createdAt": "2026-11-29 13:00:00",
                    "status": "REQ",
                }
            ],
        },
        {
            "templateCode": "T_NO",
            "templateName": "No",
            "templateContent": "No",
            "status": "TSC04",
            "statusName": "Rejected",
        },
        {
            "templateCode": "T_PLUGIN",
            "templateName": "P",
            "templateContent": "P",
            "status": "TSC03",
            "buttons": [{"ordering": 1, "type": "P1", "name": "Pay"}],
        },
    ]
    gw = nhn_gateway.gateway
    report = await sync_templates(gw.ctx, gw.secret_box, gw.default_account_id)
    assert report[SENDER]["imported"] == 3 and report[SENDER]["skipped"][0]["templateCode"] == "T_PLUGIN"
    listed = (await client.get("/kakao-alim/1/templates")).json()
    statuses = {t["templateCode"]: t["status"] for t in listed.get("results", listed)}
    assert statuses["T_OK"] == "APPROVED" and statuses["T_WAIT"] == "INSPECTING" and statuses["T_NO"] == "REJECTED"
    wait = next(t for t in listed["results"] if t["templateCode"] == "T_WAIT")
    assert {k: wait[k] for k in ("emphasisType", "header", "categoryCode", "securityFlag", "messageType", "extra")} == {
        "emphasisType": "ITEM_LIST",
        "header": "Receipt",
        "categoryCode": "004001",
        "securityFlag": True,
        "messageType": "EX",
        "extra": "Call 1588-0000",
    }
    assert wait["itemList"][0] == {"title": "Item", "description": "#{item}"}
    assert wait["itemSummary"] == {"title": "Total", "description": "#{total}"}
    assert wait["comments"] == [{"at": "2026-11-29T04:00:00.000+0000", "author": "Kakao", "text": "Checking"}]
    rejected = next(t for t in listed["results"] if t["templateCode"] == "T_NO")
    assert [c["text"] for c in rejected["comments"]] == ["Rejected"]


async def test_end_to_end_webhook_gets_the_final_report(
    nhn_gateway: Setup, fake: FakeNhn, clock: ManualClock, receiver: Receiver
) -> None:
    client, gw = nhn_gateway.client, nhn_gateway.gateway
    await register_basics(client)
    assert (await put_credentials(client)).status_code == 200
    hook = {"webhooks": {"delivery": {"url": "https://hooks.example.com/dlr"}}}
    body = alim_body({"to": "821012345678", "messageId": "e2e-1"}, message=hook)
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 200, response.text
    await settle(gw)
    assert len(fake.bodies) == 1
    assert fake.bodies[0]["templateCode"] == TEMPLATE_CODE
    assert fake.bodies[0]["recipientList"][0]["content"] == TEXT
    assert fake.bodies[0]["recipientList"][0]["recipientGroupingKey"] == "e2e-1"
    fake.results["01012345678"] = ("COMPLETED", "1000")
    clock.advance(5)
    await settle(gw)
    reports = receiver.json_results()
    assert [(r["messageId"], r["status"]["name"]) for r in reports] == [("e2e-1", "DELIVERED_TO_HANDSET")]
    assert len(fake.bodies) == 1


async def test_brand_rich_content_through_the_gateway(nhn_gateway: Setup, fake: FakeNhn) -> None:
    client, gw = nhn_gateway.client, nhn_gateway.gateway
    await register_basics(client)
    assert (await put_credentials(client)).status_code == 200
    five = {"type": "ITEM_LIST_FREE_FORM", "header": "Picks", "itemList": [_item(n) for n in range(1, 6)]}
    message = {"sender": SENDER, "destinations": [{"to": "821012345678", "messageId": "wide-1"}]}
    refused = await client.post("/kakao-chingu/1/messages", json={"messages": [{**message, "content": five}]})
    assert refused.status_code == 400 and "NHN Cloud takes at most 4 items" in refused.text
    assert fake.bodies == []
    wide = {"type": "IMAGE_WIDE_FREE_FORM", "text": "Sale", "image": {"url": "https://mud-kage.kakao.com/dn/w.jpg"}}
    response = await client.post("/kakao-chingu/1/messages", json={"messages": [{**message, "content": wide}]})
    assert response.status_code == 200, response.text
    await settle(gw)
    assert [(b["chatBubbleType"], b["content"], b["image"]) for b in fake.bodies] == [
        ("WIDE", "Sale", {"imageUrl": "https://mud-kage.kakao.com/dn/w.jpg"})
    ]
