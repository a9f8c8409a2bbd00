"""Korean numbers on the API: it keeps Infobip's international format, so a local form (`010-1234-5678`) stays a
per-destination REJECTED_DESTINATION, but its description names the international number that was meant; and every
8-digit 010 number (phonenumbers' metadata leaves 010-597x…599x out) is accepted and delivered."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway

from .conftest import Receiver
from .helpers import alim_body, pull, register_basics, send, settle
from .sangdam_helpers import sangdam_body, setup_sender
from .sangdam_helpers import send as send_sangdam
from .spec import assert_matches, assert_schema
from .test_brand_send import FREE_FORM, add_sender, brand_body

TO = "821012345678"
HOOK = "http://hooks.test/dlr"


def hint(description: str) -> bool:
    return "use 821012345678" in description


@pytest.mark.parametrize("local", ["010-1234-5678", "01012345678", "+82 10-1234-5678", "+821012345678"])
async def test_a_local_form_is_rejected_naming_the_international_number(client: httpx.AsyncClient, local: str) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(local, TO))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    rejected, accepted = answer["messages"]
    assert rejected["destination"] == local
    assert rejected["status"]["name"] == "REJECTED_DESTINATION"
    assert rejected["status"]["id"] == 52
    assert rejected["status"]["description"].startswith("Invalid destination address")
    assert hint(rejected["status"]["description"]), rejected["status"]
    assert accepted["status"]["name"] == "PENDING_ENROUTE"
    assert not hint(accepted["status"]["description"])

    (report,) = await pull(client, messageId=rejected["messageId"])
    assert_matches({"results": [report]}, "/kakao-alim/1/reports", "get", 200)
    assert report["to"] == local
    assert report["status"]["name"] == "REJECTED_DESTINATION"
    assert report["error"]["name"] == "EC_INVALID_DESTINATION_ADDRESS"
    assert hint(report["status"]["description"]), report["status"]

    logs = (await client.get("/kakao-alim/1/logs", params={"messageId": rejected["messageId"]})).json()
    assert_matches(logs, "/kakao-alim/1/logs", "get", 200)
    assert hint(logs["results"][0]["status"]["description"])


async def test_the_pushed_report_names_it_too(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("010-1234-5678", TO, message={"webhooks": {"delivery": {"url": HOOK}}}))
    await settle(gateway)
    pushed = {r["messageId"]: r for r in receiver.json_results()}
    assert_schema({"results": list(pushed.values())}, "DeliveryReports")
    rejected, accepted = (pushed[m["messageId"]] for m in answer["messages"])
    assert rejected["status"]["name"] == "REJECTED_DESTINATION"
    assert hint(rejected["status"]["description"]), rejected
    assert accepted["status"]["groupName"] == "DELIVERED"
    assert not hint(accepted["status"]["description"])


@pytest.mark.parametrize("to", ["12345", "010-1234", "abc", "010-12345-67890"])
async def test_no_hint_without_a_mobile_meant(client: httpx.AsyncClient, to: str) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(to))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    (rejected,) = answer["messages"]
    assert rejected["status"]["name"] == "REJECTED_DESTINATION"
    assert rejected["status"]["description"] == "Invalid destination address"


async def test_brand_names_the_international_number_too(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    response = await client.post(
        "/kakao-chingu/1/messages", json=brand_body(FREE_FORM["TEXT_FREE_FORM"], "010-1234-5678", TO)
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert_matches(answer, "/kakao-chingu/1/messages", "post", 200)
    rejected, accepted = answer["messages"]
    assert rejected["status"]["name"] == "REJECTED_DESTINATION"
    assert hint(rejected["status"]["description"])
    assert accepted["status"]["groupName"] == "PENDING"


async def test_sangdam_user_keys_get_no_phone_hint(client: httpx.AsyncClient) -> None:
    """Sangdam destinations are user keys: a refused one is not read as a phone number."""
    await setup_sender(client)
    answer = await send_sangdam(client, sangdam_body("+82 10-1234-5678"))
    (rejected,) = answer["messages"]
    assert rejected["status"]["name"] == "REJECTED_DESTINATION"
    assert rejected["status"]["description"] == "Invalid destination address"
    logs = (await client.get("/kakao-sangdam/1/logs")).json()
    assert logs["results"][0]["status"]["description"] == "Invalid destination address"


@pytest.mark.parametrize("to", ["821059701234", "821059801234", "821059999999"])
async def test_010_59x_numbers_are_accepted_and_delivered(client: httpx.AsyncClient, gateway: Gateway, to: str) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(to))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    await settle(gateway)
    (report,) = await pull(client)
    assert report["to"] == to
    assert report["status"]["groupName"] == "DELIVERED"
