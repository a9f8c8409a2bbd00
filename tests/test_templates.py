"""The extension APIs for Alim templates (`/kakao-alim/1/templates`) and senders (`/kakao/1/senders`).

Every test here runs on a gateway whose sandbox approves templates one hour after they are registered.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.times import format_ms

from .conftest import API_KEY, START_MS
from .helpers import SENDER, TEMPLATE_CODE, TEMPLATE_TEXT, TEXT, alim_body, pull, send, settle
from .spec import assert_api_error, assert_matches

APPROVAL_S = 3600
TO = "821012345678"
BUTTONS = [
    {"type": "URL", "name": "Track", "urlMobile": "https://shop.test/#{order}", "urlPc": "https://shop.test/pc"},
    {"type": "APP_LINK", "name": "Open app", "schemeAndroid": "shop://a", "schemeIos": "shop://i"},
    {"type": "CHATBOT_SWITCH", "name": "Ask", "chatExtra": "extra"},
]

DEALER_DEFAULTS = {"categoryCode": "999999", "securityFlag": False, "messageType": "BA"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, template_approval_delay_s=APPROVAL_S)


def template_body(**fields: Any) -> dict[str, Any]:
    body = {"sender": SENDER, "templateCode": TEMPLATE_CODE, "name": "Order shipped", "text": TEMPLATE_TEXT}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


async def add_sender(client: httpx.AsyncClient, sender: str = SENDER, name: str = "Test channel") -> dict[str, Any]:
    response = await client.post("/kakao/1/senders", json={"sender": sender, "name": name})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/kakao-alim/1/templates", json=template_body(**fields))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get(client: httpx.AsyncClient, code: str = TEMPLATE_CODE, sender: str = SENDER) -> dict[str, Any]:
    response = await client.get(f"/kakao-alim/1/templates/{code}", params={"sender": sender})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def listed(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/kakao-alim/1/templates", params=params)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


# --- Senders -----------------------------------------------------------------------------------------------


async def test_senders_start_empty(client: httpx.AsyncClient) -> None:
    response = await client.get("/kakao/1/senders")
    assert response.status_code == 200
    assert response.json() == {"results": []}


async def test_add_and_list_senders(client: httpx.AsyncClient, clock: ManualClock) -> None:
    created = await add_sender(client, "ZETA-CHANNEL", "Zeta")
    assert created == {
        "sender": "ZETA-CHANNEL",
        "name": "Zeta",
        "targetingEligible": False,
        "createdAt": format_ms(START_MS),
    }
    clock.advance(10)
    await add_sender(client, "ALPHA-CHANNEL", "Alpha")
    response = await client.get("/kakao/1/senders")
    assert response.json()["results"] == [
        {
            "sender": "ALPHA-CHANNEL",
            "name": "Alpha",
            "targetingEligible": False,
            "createdAt": format_ms(START_MS + 10_000),
        },
        {"sender": "ZETA-CHANNEL", "name": "Zeta", "targetingEligible": False, "createdAt": format_ms(START_MS)},
    ]


async def test_adding_a_sender_again_renames_it(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client, SENDER, "Old name")
    clock.advance(60)
    again = await add_sender(client, SENDER, "New name")
    assert again == {"sender": SENDER, "name": "New name", "targetingEligible": False, "createdAt": format_ms(START_MS)}
    response = await client.get("/kakao/1/senders")
    assert response.json()["results"] == [again]


@pytest.mark.parametrize(
    ("body", "prop"),
    [
        ({"name": "n"}, "sender"),
        ({"sender": "S"}, "name"),
        ({"sender": "", "name": "n"}, "sender"),
        ({"sender": "S", "name": ""}, "name"),
        ({"sender": "S" * 101, "name": "n"}, "sender"),
    ],
)
async def test_sender_body_is_validated(client: httpx.AsyncClient, body: dict[str, Any], prop: str) -> None:
    error = assert_error(await client.post("/kakao/1/senders", json=body), 400)
    assert [v["property"] for v in error["violations"]] == [prop]


async def test_a_registered_sender_can_send(client: httpx.AsyncClient, clock: ManualClock) -> None:
    rejected = await send(client, alim_body(TO))
    assert rejected["messages"][0]["status"]["name"] == "REJECTED_SOURCE"
    await add_sender(client)
    await create(client)
    clock.advance(APPROVAL_S)
    answer = await send(client, alim_body(TO))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


# --- Templates: create, approval, read ---------------------------------------------------------------------


async def test_create_template_goes_to_inspection(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    created = await create(client, title="Order #{order}", buttons=BUTTONS)
    assert created == {
        "sender": SENDER,
        "templateCode": TEMPLATE_CODE,
        "name": "Order shipped",
        "text": TEMPLATE_TEXT,
        "emphasisType": "TEXT",
        "title": "Order #{order}",
        "buttons": BUTTONS,
        **DEALER_DEFAULTS,
        "status": "REQUESTED",
        "comments": [],
        "createdAt": format_ms(START_MS),
        "updatedAt": format_ms(START_MS),
    }
    assert await get(client) == created


async def test_template_is_approved_after_the_sandbox_delay(
    client: httpx.AsyncClient, clock: ManualClock, gateway: Gateway
) -> None:
    await add_sender(client)
    await create(client)
    clock.advance(APPROVAL_S // 2 - 1)
    assert (await get(client))["status"] == "REQUESTED"
    clock.advance(APPROVAL_S // 2)
    assert (await get(client))["status"] == "INSPECTING"
    assert [t["status"] for t in await listed(client)] == ["INSPECTING"]
    rejected = await send(client, alim_body(TO))
    (report,) = await pull(client, messageId=rejected["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE"

    clock.advance(1)
    approved = await get(client)
    assert approved["status"] == "APPROVED"
    assert approved["updatedAt"] == format_ms(START_MS)
    assert [t["status"] for t in await listed(client)] == ["APPROVED"]
    answer = await send(client, alim_body(TO))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    await settle(gateway)
    (delivered,) = await pull(client, messageId=answer["messages"][0]["messageId"])
    assert delivered["status"]["name"] == "DELIVERED_TO_HANDSET"


async def test_template_without_title_or_buttons(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    created = await create(client)
    assert "title" not in created
    assert created["buttons"] == []


async def test_create_for_an_unknown_sender(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.post("/kakao-alim/1/templates", json=template_body()), 404)
    assert [v["property"] for v in error["violations"]] == ["sender"]
    assert await listed(client) == []


@pytest.mark.parametrize(
    ("fields", "prop"),
    [
        ({"text": None}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"name": None}, "name"),
        ({"templateCode": None}, "templateCode"),
        ({"templateCode": "c" * 31}, "templateCode"),
        ({"sender": None}, "sender"),
        ({"title": "t" * 51}, "title"),
        ({"buttons": [{"type": "BOT_KEYWORD", "name": f"b{i}"} for i in range(6)]}, "buttons"),
        ({"buttons": [{"type": "URL", "name": "u"}]}, "buttons[0].urlMobile"),
        ({"buttons": [{"type": "APP_LINK", "name": "a", "schemeIos": "x://"}]}, "buttons[0]"),
    ],
)
async def test_template_body_is_validated(client: httpx.AsyncClient, fields: dict[str, Any], prop: str) -> None:
    await add_sender(client)
    error = assert_error(await client.post("/kakao-alim/1/templates", json=template_body(**fields)), 400)
    assert [v["property"] for v in error["violations"]] == [prop]


async def test_invalid_json_template_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/kakao-alim/1/templates", content=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 400)


async def test_registering_again_restarts_inspection(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    await create(client)
    clock.advance(APPROVAL_S)
    assert (await get(client))["status"] == "APPROVED"
    clock.advance(100)
    again = await create(client, text="Hi #{name}")
    assert again["status"] == "REQUESTED"
    assert again["text"] == "Hi #{name}"
    assert again["createdAt"] == format_ms(START_MS)
    assert again["updatedAt"] == format_ms(START_MS + (APPROVAL_S + 100) * 1000)
    assert len(await listed(client)) == 1


async def test_missing_template(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    response = await client.get("/kakao-alim/1/templates/NOPE", params={"sender": SENDER})
    error = assert_error(response, 404)
    assert [v["property"] for v in error["violations"]] == ["templateCode"]
    assert error["description"] == "Not found - request URL doesn't exist on the API server or resource is not found."
    await create(client)
    assert_error(await client.get(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": "OTHER"}), 404)


async def test_single_template_needs_the_sender(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await create(client)
    for method in ("GET", "DELETE"):
        error = assert_error(await client.request(method, f"/kakao-alim/1/templates/{TEMPLATE_CODE}"), 400)
        assert [v["property"] for v in error["violations"]] == ["sender"]
    update = {"name": "n", "text": "t"}
    error = assert_error(await client.put(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", json=update), 400)
    assert [v["property"] for v in error["violations"]] == ["sender"]
    assert (await get(client))["text"] == TEMPLATE_TEXT


# --- Templates: list ---------------------------------------------------------------------------------------


async def test_list_filters_by_sender(client: httpx.AsyncClient) -> None:
    await add_sender(client, "CHANNEL-A", "A")
    await add_sender(client, "CHANNEL-B", "B")
    await create(client, sender="CHANNEL-B", templateCode="T2")
    await create(client, sender="CHANNEL-A", templateCode="T3")
    await create(client, sender="CHANNEL-A", templateCode="T1")
    everything = await listed(client)
    assert [(t["sender"], t["templateCode"]) for t in everything] == [
        ("CHANNEL-A", "T1"),
        ("CHANNEL-A", "T3"),
        ("CHANNEL-B", "T2"),
    ]
    assert [t["templateCode"] for t in await listed(client, sender="CHANNEL-A")] == ["T1", "T3"]
    assert [t["templateCode"] for t in await listed(client, sender="CHANNEL-B")] == ["T2"]
    assert await listed(client, sender="CHANNEL-C") == []
    assert everything[0] == await get(client, "T1", "CHANNEL-A")


async def test_same_code_under_two_senders(client: httpx.AsyncClient) -> None:
    await add_sender(client, "CHANNEL-A", "A")
    await add_sender(client, "CHANNEL-B", "B")
    await create(client, sender="CHANNEL-A", text="A text")
    await create(client, sender="CHANNEL-B", text="B text")
    assert (await get(client, sender="CHANNEL-A"))["text"] == "A text"
    assert (await get(client, sender="CHANNEL-B"))["text"] == "B text"
    response = await client.delete(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": "CHANNEL-A"})
    assert response.status_code == 204
    assert (await get(client, sender="CHANNEL-B"))["text"] == "B text"


# --- Templates: update and delete --------------------------------------------------------------------------


async def test_update_sends_the_template_back_to_inspection(
    client: httpx.AsyncClient, clock: ManualClock, gateway: Gateway
) -> None:
    await add_sender(client)
    await create(client)
    clock.advance(APPROVAL_S)
    assert (await get(client))["status"] == "APPROVED"
    assert (await send(client, alim_body(TO)))["messages"][0]["status"]["name"] == "PENDING_ENROUTE"

    clock.advance(30)
    update = {"name": "Renamed", "text": "Parcel #{order} is on its way", "title": "Shipping", "buttons": BUTTONS[:1]}
    response = await client.put(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}, json=update)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated == {
        "sender": SENDER,
        "templateCode": TEMPLATE_CODE,
        "name": "Renamed",
        "text": "Parcel #{order} is on its way",
        "emphasisType": "TEXT",
        "title": "Shipping",
        "buttons": BUTTONS[:1],
        **DEALER_DEFAULTS,
        "status": "REQUESTED",
        "comments": [],
        "createdAt": format_ms(START_MS),
        "updatedAt": format_ms(START_MS + (APPROVAL_S + 30) * 1000),
    }
    assert await get(client) == updated

    # While in inspection nothing can be sent with it, neither the old text nor the new.
    new_content = {"title": "Shipping", "buttons": [{**BUTTONS[0], "urlMobile": "https://shop.test/9"}]}
    for body in (alim_body(TO), alim_body(TO, text="Parcel 9 is on its way", **new_content)):
        answer = await send(client, body)
        (report,) = await pull(client, messageId=answer["messages"][0]["messageId"])
        assert report["error"]["name"] == "EC_INVALID_TEMPLATE"

    clock.advance(APPROVAL_S)
    assert (await get(client))["status"] == "APPROVED"
    old = await send(client, alim_body(TO))
    (report,) = await pull(client, messageId=old["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE_ARGS"
    new = await send(client, alim_body(TO, text="Parcel 9 is on its way", **new_content))
    assert new["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    await settle(gateway)


async def test_update_can_drop_the_title(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await create(client, title="Title", buttons=BUTTONS)
    response = await client.put(
        f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}, json={"name": "n", "text": "t"}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert "title" not in updated
    assert updated["buttons"] == []


async def test_update_is_validated(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await create(client)
    response = await client.put(
        f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}, json={"name": "n", "text": ""}
    )
    error = assert_error(response, 400)
    assert [v["property"] for v in error["violations"]] == ["text"]
    assert (await get(client))["text"] == TEMPLATE_TEXT


async def test_update_of_a_missing_template(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    response = await client.put(
        "/kakao-alim/1/templates/NOPE", params={"sender": SENDER}, json={"name": "n", "text": "t"}
    )
    error = assert_error(response, 404)
    assert [v["property"] for v in error["violations"]] == ["templateCode"]
    assert await listed(client) == []


async def test_delete_template(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    await create(client)
    await create(client, templateCode="KEEP")
    clock.advance(APPROVAL_S)
    response = await client.delete(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER})
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}), 404)
    assert [t["templateCode"] for t in await listed(client)] == ["KEEP"]
    # A deleted template is unknown to the send path.
    answer = await send(client, alim_body(TO))
    (report,) = await pull(client, messageId=answer["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE"
    # Deleting it again is a 404.
    error = assert_error(
        await client.delete(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER}), 404
    )
    assert [v["property"] for v in error["violations"]] == ["templateCode"]


async def test_template_text_with_variables_sends_rendered_text(client: httpx.AsyncClient, clock: ManualClock) -> None:
    await add_sender(client)
    await create(client)
    clock.advance(APPROVAL_S)
    answer = await send(client, alim_body(TO, "821012345679", text=TEXT))
    assert [m["status"]["name"] for m in answer["messages"]] == ["PENDING_ENROUTE"] * 2


# --- Templates from the config file's catalogue ------------------------------------------------------------


async def templates_after_start(settings: Settings, clock: ManualClock) -> list[dict[str, Any]]:
    """Start a gateway with `settings` on the test database, read its templates, stop it."""
    gateway = Gateway(settings, clock=clock)
    await gateway.start()
    try:
        transport = httpx.ASGITransport(app=create_app(gateway))
        headers = {"Authorization": f"App {API_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers) as c:
            return await listed(c)
    finally:
        await gateway.stop()


def with_catalogue(settings: Settings, **template: Any) -> Settings:
    entry = {"sender": SENDER, "templateCode": TEMPLATE_CODE, "name": "Order shipped", "text": TEMPLATE_TEXT}
    entry.update(template)
    return replace(settings, senders=[{"sender": SENDER, "name": "Test channel"}], alim_templates=[entry])


async def test_config_catalogue_is_applied_at_start(settings: Settings, clock: ManualClock) -> None:
    (template,) = await templates_after_start(with_catalogue(settings), clock)
    assert (template["templateCode"], template["text"], template["status"]) == (
        TEMPLATE_CODE,
        TEMPLATE_TEXT,
        "REQUESTED",
    )
    clock.advance(APPROVAL_S)
    # An unchanged catalogue leaves the (now approved) template alone.
    (template,) = await templates_after_start(with_catalogue(settings), clock)
    assert template["status"] == "APPROVED"
    # A changed text re-registers it.
    (template,) = await templates_after_start(with_catalogue(settings, text="Changed #{x}"), clock)
    assert (template["text"], template["status"]) == ("Changed #{x}", "REQUESTED")


async def test_config_catalogue_button_change_is_applied(settings: Settings, clock: ManualClock) -> None:
    """A change of buttons alone in the config file re-registers the template too."""
    await templates_after_start(with_catalogue(settings), clock)
    (template,) = await templates_after_start(with_catalogue(settings, buttons=BUTTONS), clock)
    assert template["buttons"] == BUTTONS
