"""Korea's advertising rules for Brand messages, through the HTTP API on a fake clock.

- Advertising hours: Kakao refuses advertising sends from 20:50 to 08:00 KST, so the default Brand hold is
  20:50-08:00 KST (an account may still change it with brand-settings).
- Advertising labels: the SMS or LMS a Brand message fails over to is an advertising SMS (정보통신망법 §50): it must
  begin with `(광고)` and the sender's name, and carry a free opt-out number (`무료수신거부 080…`). With the account's
  `adIdentity` the gateway adds what is missing, before the EUC-KR length rules; without one, a text that lacks them
  is a 400. Alim failover texts (informational) are left as they are.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.connectors.upstreams import SMS_SANDBOX_ROUTE
from kakao_gateway.domain.times import format_ms

from .helpers import alim_body, register_basics, send, settle
from .spec import assert_api_error, assert_matches
from .test_brand_send import (
    CHINGU,
    DELIVERED,
    NOT_A_USER,
    SETTINGS,
    add_sender,
    brand_body,
    free_form,
    kst,
    outcome,
    pull,
    send_one,
)
from .test_brand_templates import client_for
from .test_sms_failover import RecordingSms

Json = dict[str, Any]

SMS_SENDER = "0215881234"
IDENTITY = {"name": "에이스몰", "optOutNumber": "080-123-4567"}
PREFIX = "(광고)에이스몰 "
SUFFIX = "\n무료수신거부 080-123-4567"
TEXT_PATH = "messages[0].options.smsFailover.text"


@pytest.fixture
def sms(gateway: Gateway) -> RecordingSms:
    recording = RecordingSms()
    gateway.connectors[SMS_SANDBOX_ROUTE] = recording
    return recording


def with_failover(text: str, *to: str, **failover: Any) -> Json:
    return brand_body(
        free_form("TEXT_FREE_FORM"), *(to or (NOT_A_USER,)), options={"smsFailover": {"text": text, **failover}}
    )


async def put_identity(client: httpx.AsyncClient, identity: Json | None = IDENTITY) -> Json:
    response = await client.put(SETTINGS, json={"adIdentity": identity})
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def sms_text_of(client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms, body: Json) -> str:
    """Send `body` (one destination that is not a KakaoTalk user); the text its SMS hop carried."""
    message_id = await send_one(client, body)
    await settle(gateway)
    [submission] = [s for s in sms.seen if s.message_id == message_id]
    return str(submission.content["text"])


def problems(response: httpx.Response) -> dict[str, str]:
    """The 400's violations: {property: violation}."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    return {v["property"]: v["violation"] for v in body["violations"]}


# --- advertising hours ---------------------------------------------------------------------------------------------


async def test_the_default_hold_is_20_50_to_08_00_korea_time(client: httpx.AsyncClient) -> None:
    response = await client.get(SETTINGS)
    assert response.status_code == 200, response.text
    assert response.json()["brandAdHours"] == {"from": "08:00", "to": "20:50"}


@pytest.mark.parametrize(
    ("sent", "departs"),
    [
        pytest.param(kst(0, 20), kst(0, 20), id="20:00-leaves-at-once"),
        pytest.param(kst(0, 20, 49, 59, 999), kst(0, 20, 49, 59, 999), id="20:49:59.999-leaves-at-once"),
        pytest.param(kst(0, 20, 50), kst(1, 8), id="20:50-held-until-08:00"),
        pytest.param(kst(1, 7, 59, 59, 999), kst(1, 8), id="07:59:59.999-held-until-08:00"),
    ],
)
async def test_brand_messages_are_held_from_20_50(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sent: int, departs: int
) -> None:
    await add_sender(client)
    clock.set(sent)
    message_id = await send_one(client, brand_body(free_form("TEXT_FREE_FORM")))
    if departs > sent:
        await gateway.advance_clock(departs - 1)
        assert await pull(client) == []
    await gateway.advance_clock(departs)
    [report] = await pull(client)
    assert (report["messageId"], report["sentAt"]) == (message_id, format_ms(departs))


# --- brand-settings: adIdentity ------------------------------------------------------------------------------------


async def test_ad_identity_is_set_shown_and_leaves_the_hours_alone(client: httpx.AsyncClient) -> None:
    assert (await client.get(SETTINGS)).json()["adIdentity"] is None
    hours = {"from": "09:00", "to": "18:00"}
    assert (await client.put(SETTINGS, json={"brandAdHours": hours})).status_code == 200
    answer = await put_identity(client)
    assert answer == {"brandAdHours": hours, "adIdentity": IDENTITY}
    assert (await client.get(SETTINGS)).json() == answer
    response = await client.put(SETTINGS, json={"brandAdHours": None})  # and the hours leave the identity alone
    assert response.json() == {"brandAdHours": None, "adIdentity": IDENTITY}
    assert (await put_identity(client, None)) == {"brandAdHours": None, "adIdentity": None}


@pytest.mark.parametrize(
    ("identity", "field"),
    [
        pytest.param({"optOutNumber": "080-123-4567"}, "adIdentity.name", id="no-name"),
        pytest.param({"name": " ", "optOutNumber": "080-123-4567"}, "adIdentity.name", id="blank-name"),
        pytest.param({"name": "Shop😀", "optOutNumber": "080-123-4567"}, "adIdentity.name", id="not-euc-kr"),
        pytest.param({"name": "에이스몰"}, "adIdentity.optOutNumber", id="no-number"),
        pytest.param({"name": "에이스몰", "optOutNumber": "02-123-4567"}, "adIdentity.optOutNumber", id="not-080"),
        pytest.param({"name": "에이스몰", "optOutNumber": "080-12"}, "adIdentity.optOutNumber", id="too-short"),
    ],
)
async def test_a_bad_ad_identity_is_a_400(client: httpx.AsyncClient, identity: Json, field: str) -> None:
    response = await client.put(SETTINGS, json={"adIdentity": identity})
    assert field in problems(response)
    assert (await client.get(SETTINGS)).json()["adIdentity"] is None


async def test_an_empty_settings_put_is_a_400(client: httpx.AsyncClient) -> None:
    [violation] = problems(await client.put(SETTINGS, json={})).values()
    assert "brandAdHours" in violation and "adIdentity" in violation


# --- advertising labels on failover SMS ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        pytest.param("Winter sale", ["(광고)", "무료수신거부"], id="both"),
        pytest.param("Winter sale\n무료수신거부 080-123-4567", ["(광고)"], id="prefix"),
        pytest.param("(광고)에이스몰 Winter sale", ["무료수신거부"], id="opt-out"),
        pytest.param("[광고]에이스몰 Winter sale 무료거부 0801234567", ["(광고)"], id="a-lookalike-prefix"),
        pytest.param("(광고)에이스몰 Winter sale 무료수신거부", ["무료수신거부"], id="opt-out-without-a-number"),
        pytest.param("(광고) \n무료거부 0801234567", ["(광고)"], id="no-name-after-the-prefix"),
    ],
)
async def test_without_an_identity_an_unlabelled_failover_is_a_400(
    client: httpx.AsyncClient, text: str, missing: list[str]
) -> None:
    await add_sender(client)
    response = await client.post(CHINGU, json=with_failover(text))
    found = problems(response)
    assert list(found) == [TEXT_PATH]
    for word in missing:
        assert word in found[TEXT_PATH]
    assert (await client.get("/kakao-chingu/1/logs")).json()["results"] == []


@pytest.mark.parametrize(
    "text",
    [
        "(광고)에이스몰 Winter sale\n무료수신거부 080-123-4567",
        "(광고) 에이스몰 Winter sale 무료거부 0801234567",
        "(광고)Ace Winter sale. 무료수신거부: 080-123-4567",
    ],
)
async def test_a_labelled_failover_goes_as_written(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms, text: str
) -> None:
    await add_sender(client)
    assert await sms_text_of(client, gateway, sms, with_failover(text, sender=SMS_SENDER)) == text


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        pytest.param("Winter sale", PREFIX + "Winter sale" + SUFFIX, id="both-added"),
        pytest.param("(광고)에이스몰 Winter sale", "(광고)에이스몰 Winter sale" + SUFFIX, id="suffix-added"),
        pytest.param("(광고) Winter sale", PREFIX + "Winter sale" + SUFFIX, id="name-added-after-the-prefix"),
        pytest.param("Sale 무료거부 0801234567", PREFIX + "Sale 무료거부 0801234567", id="prefix-added"),
        pytest.param(PREFIX + "Sale" + SUFFIX, PREFIX + "Sale" + SUFFIX, id="nothing-added"),
    ],
)
async def test_with_an_identity_the_gateway_adds_what_is_missing(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms, text: str, sent: str
) -> None:
    await add_sender(client)
    await put_identity(client)
    assert await sms_text_of(client, gateway, sms, with_failover(text, sender=SMS_SENDER)) == sent


async def test_the_labels_count_in_the_euc_kr_length(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    """80 bytes go as an SMS when labelled already, but become an LMS once the labels are added; a text that fits an
    LMS alone but not with its labels is a 400 at the text."""
    await add_sender(client)
    await put_identity(client)
    short = "a" * 80
    message_id = await send_one(client, with_failover(short, sender=SMS_SENDER))
    await settle(gateway)
    [submission] = [s for s in sms.seen if s.message_id == message_id]
    assert submission.content == {"text": PREFIX + short + SUFFIX, "format": "LMS"}
    response = await client.post(CHINGU, json=with_failover("a" * 1990, sender=SMS_SENDER))
    found = problems(response)
    assert "2000" in found[TEXT_PATH].replace(",", "")


async def test_labels_are_checked_for_every_message_of_a_request(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    good = with_failover(PREFIX + "Sale" + SUFFIX)["messages"][0]
    bad = with_failover("Sale")["messages"][0]
    response = await client.post(CHINGU, json={"messages": [good, bad, bad]})
    assert sorted(problems(response)) == [
        "messages[1].options.smsFailover.text",
        "messages[2].options.smsFailover.text",
    ]


async def test_a_brand_message_without_failover_needs_no_labels(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await send_one(client, brand_body(free_form("TEXT_FREE_FORM", text="Winter sale")))


async def test_alim_failover_texts_are_not_touched(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    await register_basics(client)
    await put_identity(client)
    failover = {"text": "Your order 1234 has shipped.", "sender": SMS_SENDER}
    answer = await send(client, alim_body("821000000002", message={"options": {"smsFailover": failover}}))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    await settle(gateway)
    [submission] = sms.seen
    assert submission.content["text"] == failover["text"]


async def test_the_identity_is_per_account(
    client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient
) -> None:
    await put_identity(client)
    async with client_for(gateway, admin) as other:
        assert (await other.get(SETTINGS)).json()["adIdentity"] is None
        await add_sender(other)
        assert TEXT_PATH in problems(await other.post(CHINGU, json=with_failover("Winter sale")))


async def test_a_delivered_brand_message_keeps_its_kakao_text(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    """The labels go on the SMS only: a message Kakao delivers sends no SMS at all."""
    await add_sender(client)
    await put_identity(client)
    message_id = await send_one(client, with_failover("Winter sale", DELIVERED, sender=SMS_SENDER))
    await settle(gateway)
    [report] = await pull(client)
    assert (report["messageId"], outcome(report)) == (message_id, ("DELIVERED_TO_HANDSET", "NO_ERROR"))
    assert sms.seen == []
