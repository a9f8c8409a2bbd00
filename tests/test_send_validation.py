"""POST /kakao-alim/1/messages: schema violations are a 400 listing each of them; business problems are a 200
with that destination REJECTED and a final report to pull."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.times import format_ms

from .conftest import START_MS
from .helpers import SENDER, TEMPLATE_CODE, TEXT, alim_body, pull, register_basics, send, settle
from .spec import assert_api_error, assert_matches

DAY_S = 24 * 3600
TO = "821012345678"


async def post(client: httpx.AsyncClient, body: Any) -> httpx.Response:
    if isinstance(body, str | bytes):
        return await client.post("/kakao-alim/1/messages", content=body, headers={"Content-Type": "application/json"})
    return await client.post("/kakao-alim/1/messages", json=body)


async def violations_of(client: httpx.AsyncClient, body: Any) -> list[tuple[str, str]]:
    """Send a request the schema must refuse; return its (property, violation) pairs."""
    response = await post(client, body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert_api_error(error)
    assert error["errorCode"] == "E400"
    assert error["description"] == "Request cannot be processed."
    assert error["violations"], "a 400 names what is wrong"
    for v in error["violations"]:
        assert isinstance(v["violation"], str) and v["violation"]
    return [(v["property"], v["violation"]) for v in error["violations"]]


async def properties_of(client: httpx.AsyncClient, body: Any) -> list[str]:
    return [p for p, _ in await violations_of(client, body)]


async def send_ok(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    answer = await send(client, body)
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    return answer


async def nothing_stored(client: httpx.AsyncClient) -> None:
    response = await client.get("/kakao-alim/1/logs")
    assert response.status_code == 200
    assert response.json()["results"] == []


def url_button(**fields: Any) -> dict[str, Any]:
    return {"type": "URL", "name": "Open", "urlMobile": "https://example.test/m", **fields}


# --- 400: schema violations --------------------------------------------------------------------------------


async def test_missing_messages(client: httpx.AsyncClient) -> None:
    assert await properties_of(client, {}) == ["messages"]
    assert await properties_of(client, {"messages": None}) == ["messages"]
    assert await properties_of(client, {"messages": []}) == ["messages"]


async def test_empty_and_missing_destinations(client: httpx.AsyncClient) -> None:
    body = alim_body()
    assert await properties_of(client, body) == ["messages[0].destinations"]
    del body["messages"][0]["destinations"]
    assert await properties_of(client, body) == ["messages[0].destinations"]


async def test_missing_required_fields(client: httpx.AsyncClient) -> None:
    body = alim_body(TO)
    del body["messages"][0]["sender"]
    del body["messages"][0]["content"]["templateCode"]
    del body["messages"][0]["content"]["text"]
    found = await violations_of(client, body)
    assert sorted(found) == [
        ("messages[0].content.templateCode", "must not be null"),
        ("messages[0].content.text", "must not be null"),
        ("messages[0].sender", "must not be null"),
    ]


async def test_missing_content(client: httpx.AsyncClient) -> None:
    body = alim_body(TO)
    del body["messages"][0]["content"]
    assert await properties_of(client, body) == ["messages[0].content"]


async def test_text_too_long(client: httpx.AsyncClient) -> None:
    assert await properties_of(client, alim_body(TO, text="x" * 1001)) == ["messages[0].content.text"]


async def test_text_of_1000_characters_passes_the_schema(client: httpx.AsyncClient) -> None:
    await register_basics(client, text="#{all}")
    answer = await send_ok(client, alim_body(TO, text="가" * 1000))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_title_too_long(client: httpx.AsyncClient) -> None:
    assert await properties_of(client, alim_body(TO, title="t" * 51)) == ["messages[0].content.title"]


async def test_template_code_too_long(client: httpx.AsyncClient) -> None:
    assert await properties_of(client, alim_body(TO, templateCode="c" * 31)) == ["messages[0].content.templateCode"]


async def test_too_many_buttons(client: httpx.AsyncClient) -> None:
    buttons = [{"type": "BOT_KEYWORD", "name": f"b{i}"} for i in range(6)]
    assert await properties_of(client, alim_body(TO, buttons=buttons)) == ["messages[0].content.buttons"]


async def test_url_button_without_url_mobile(client: httpx.AsyncClient) -> None:
    buttons = [{"type": "URL", "name": "Open"}]
    found = await violations_of(client, alim_body(TO, buttons=buttons))
    assert found == [("messages[0].content.buttons[0].urlMobile", "must not be null")]


async def test_button_name_too_long(client: httpx.AsyncClient) -> None:
    buttons = [url_button(), url_button(name="n" * 29)]
    assert await properties_of(client, alim_body(TO, buttons=buttons)) == ["messages[0].content.buttons[1].name"]


@pytest.mark.parametrize("given", ["schemeAndroid", "schemeIos", "urlMobile", None])
async def test_app_link_needs_two_of_three(client: httpx.AsyncClient, given: str | None) -> None:
    button: dict[str, Any] = {"type": "APP_LINK", "name": "App", "urlPc": "https://example.test"}
    if given is not None:
        button[given] = "app://open"
    found = await violations_of(client, alim_body(TO, buttons=[url_button(), button]))
    assert len(found) == 1
    assert found[0][0].startswith("messages[0].content.buttons[1]")
    assert "two" in found[0][1]


@pytest.mark.parametrize("pair", [("schemeAndroid", "schemeIos"), ("schemeIos", "urlMobile")])
async def test_app_link_with_two_of_three_passes(client: httpx.AsyncClient, pair: tuple[str, str]) -> None:
    button = {"type": "APP_LINK", "name": "App", **{field: "app://open" for field in pair}}
    await register_basics(client, buttons=[button])
    answer = await send_ok(client, alim_body(TO, buttons=[button]))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_unknown_button_type(client: httpx.AsyncClient) -> None:
    found = await properties_of(client, alim_body(TO, buttons=[{"type": "COUPON", "name": "x"}]))
    assert len(found) == 1
    assert found[0].startswith("messages[0].content.buttons[0]")


@pytest.mark.parametrize("kind", ["TEXT", "IMAGE", "template", ""])
async def test_unknown_content_type(client: httpx.AsyncClient, kind: str) -> None:
    found = await properties_of(client, alim_body(TO, type=kind))
    assert len(found) == 1
    assert found[0] in ("messages[0].content", "messages[0].content.type")


async def test_missing_content_type(client: httpx.AsyncClient) -> None:
    body = alim_body(TO)
    del body["messages"][0]["content"]["type"]
    assert await properties_of(client, body) == ["messages[0].content.type"]


@pytest.mark.parametrize("amount", [0, -1, -1000])
async def test_validity_period_must_be_positive(client: httpx.AsyncClient, amount: int) -> None:
    body = alim_body(TO, message={"options": {"validityPeriod": {"amount": amount, "timeUnit": "HOURS"}}})
    found = await violations_of(client, body)
    assert [p for p, _ in found] == ["messages[0].options.validityPeriod.amount"]


async def test_validity_period_unit_must_be_known(client: httpx.AsyncClient) -> None:
    body = alim_body(TO, message={"options": {"validityPeriod": {"amount": 1, "timeUnit": "DAYS"}}})
    assert await properties_of(client, body) == ["messages[0].options.validityPeriod.timeUnit"]


async def test_validity_over_48_hours_is_accepted(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    body = alim_body(TO, message={"options": {"validityPeriod": {"amount": 1000, "timeUnit": "HOURS"}}})
    answer = await send_ok(client, body)
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_send_at_more_than_180_days_ahead(client: httpx.AsyncClient) -> None:
    send_at = format_ms(START_MS + (180 * DAY_S + 60) * 1000)
    found = await violations_of(client, alim_body(TO, options={"schedule": {"sendAt": send_at}}))
    assert [p for p, _ in found] == ["options.schedule.sendAt"]
    await nothing_stored(client)


async def test_send_at_180_days_ahead_is_accepted(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    send_at = format_ms(START_MS + 180 * DAY_S * 1000)
    answer = await send_ok(client, alim_body(TO, options={"schedule": {"sendAt": send_at}}))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


@pytest.mark.parametrize(
    "send_at", ["tomorrow", "2026-13-01T00:00:00.000+0000", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00", "", 12]
)
async def test_send_at_must_be_an_instant(client: httpx.AsyncClient, send_at: Any) -> None:
    found = await violations_of(client, alim_body(TO, options={"schedule": {"sendAt": send_at}}))
    assert [p for p, _ in found] == ["options.schedule.sendAt"]


async def test_bulk_id_too_long(client: httpx.AsyncClient) -> None:
    found = await properties_of(client, alim_body(TO, options={"schedule": {"bulkId": "b" * 101}}))
    assert found == ["options.schedule.bulkId"]


async def test_message_id_too_long(client: httpx.AsyncClient) -> None:
    body = alim_body(TO, {"to": TO, "messageId": "m" * 201})
    assert await properties_of(client, body) == ["messages[0].destinations[1].messageId"]


async def test_unknown_priority(client: httpx.AsyncClient) -> None:
    assert await properties_of(client, alim_body(TO, options={"priority": "URGENT"})) == ["options.priority"]


@pytest.mark.parametrize("raw", ["{not json", '{"messages": [', "messages", b"\xff\xfe"])
async def test_invalid_json(client: httpx.AsyncClient, raw: str | bytes) -> None:
    found = await violations_of(client, raw)
    assert len(found) == 1
    assert "JSON" in found[0][1]


@pytest.mark.parametrize("raw", ["", "   "])
async def test_empty_body(client: httpx.AsyncClient, raw: str) -> None:
    assert len(await violations_of(client, raw)) == 1


@pytest.mark.parametrize("raw", ["[]", "null", "42", '"text"'])
async def test_body_must_be_an_object(client: httpx.AsyncClient, raw: str) -> None:
    assert len(await violations_of(client, raw)) == 1


async def test_every_violation_is_reported_together(client: httpx.AsyncClient) -> None:
    first = alim_body(TO, text="x" * 1001, title="t" * 51, buttons=[{"type": "URL", "name": "Open"}])["messages"][0]
    first["options"] = {"validityPeriod": {"amount": 0}}
    second = alim_body()["messages"][0]
    body = {"messages": [first, second], "options": {"schedule": {"bulkId": "b" * 101, "sendAt": "soon"}}}
    found = await properties_of(client, body)
    assert sorted(found) == sorted(
        [
            "messages[0].content.text",
            "messages[0].content.title",
            "messages[0].content.buttons[0].urlMobile",
            "messages[0].options.validityPeriod.amount",
            "messages[1].destinations",
            "options.schedule.bulkId",
            "options.schedule.sendAt",
        ]
    )
    await nothing_stored(client)


async def test_send_at_too_far_is_reported_with_the_other_violations(client: httpx.AsyncClient) -> None:
    send_at = format_ms(START_MS + 365 * DAY_S * 1000)
    body = alim_body(TO, text="x" * 1001, options={"schedule": {"sendAt": send_at}})
    assert sorted(await properties_of(client, body)) == ["messages[0].content.text", "options.schedule.sendAt"]


async def test_a_400_stores_nothing(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    good = alim_body(TO)["messages"][0]
    bad = alim_body(TO, text="x" * 1001)["messages"][0]
    await properties_of(client, {"messages": [good, bad]})
    await nothing_stored(client)
    await settle(gateway)
    assert await pull(client) == []


async def test_unknown_fields_are_ignored(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    body = alim_body(TO, extra="ignored")
    body["surprise"] = {"a": 1}
    answer = await send_ok(client, body)
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


# --- 200 with REJECTED destinations ------------------------------------------------------------------------


async def rejected_report(client: httpx.AsyncClient, message_id: str) -> dict[str, Any]:
    (report,) = await pull(client, messageId=message_id)
    assert_matches({"results": [report]}, "/kakao-alim/1/reports", "get", 200)
    return report


async def test_unknown_sender(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(TO, "821012345679", message={"sender": "NOT-REGISTERED"}))
    for m in answer["messages"]:
        assert m["status"]["name"] == "REJECTED_SOURCE"
        assert m["status"]["id"] == 11
        assert m["status"]["groupName"] == "REJECTED"
        report = await rejected_report(client, m["messageId"])
        assert report["status"]["name"] == "REJECTED_SOURCE"
        assert report["sender"] == "NOT-REGISTERED"
        assert report["to"] == m["destination"]


@pytest.mark.parametrize("to", ["12345", "8210123", "82101234567890123", "+821012345678", "8210-1234-5678", "abc"])
async def test_invalid_destination(client: httpx.AsyncClient, to: str) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(to, TO))
    rejected, accepted = answer["messages"]
    assert rejected["destination"] == to
    assert rejected["status"]["name"] == "REJECTED_DESTINATION"
    assert rejected["status"]["id"] == 52
    assert accepted["status"]["name"] == "PENDING_ENROUTE"
    report = await rejected_report(client, rejected["messageId"])
    assert report["status"]["id"] == 52
    assert report["error"]["name"] == "EC_INVALID_DESTINATION_ADDRESS"
    assert report["to"] == to


@pytest.mark.parametrize("destination", [{}, {"to": ""}, {"to": None}, {"messageId": "no-to"}])
async def test_missing_to(client: httpx.AsyncClient, destination: dict[str, Any]) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(destination, TO))
    missing, accepted = answer["messages"]
    assert missing["status"]["name"] == "MISSING_TO"
    assert missing["status"]["id"] == 51
    assert accepted["status"]["name"] == "PENDING_ENROUTE"
    if "messageId" in destination:
        assert missing["messageId"] == "no-to"
    report = await rejected_report(client, missing["messageId"])
    assert report["status"]["name"] == "MISSING_TO"


async def test_destination_problem_wins_over_sender_problem(client: httpx.AsyncClient) -> None:
    answer = await send_ok(client, alim_body("12345", {"to": ""}, TO, message={"sender": "NOT-REGISTERED"}))
    assert [m["status"]["name"] for m in answer["messages"]] == [
        "REJECTED_DESTINATION",
        "MISSING_TO",
        "REJECTED_SOURCE",
    ]


async def test_duplicate_message_id_in_a_later_request(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    body = alim_body({"to": TO, "messageId": "order-1"}, options={"schedule": {"bulkId": "first"}})
    first = await send_ok(client, body)
    assert first["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    again = alim_body({"to": "821012345679", "messageId": "order-1"}, options={"schedule": {"bulkId": "second"}})
    second = await send_ok(client, again)
    (duplicate,) = second["messages"]
    assert duplicate["messageId"] == "order-1"
    assert duplicate["status"]["name"] == "REJECTED_DUPLICATE_MESSAGE_ID"
    assert duplicate["status"]["id"] == 23
    (rejection,) = await pull(client, bulkId="second")
    assert rejection["status"]["id"] == 23
    assert rejection["messageId"] == "order-1"
    # The original is untouched: it is delivered to its own destination.
    await settle(gateway)
    (original,) = await pull(client, bulkId="first")
    assert original["messageId"] == "order-1"
    assert original["to"] == TO
    assert original["status"]["name"] == "DELIVERED_TO_HANDSET"
    logs = (await client.get("/kakao-alim/1/logs", params={"messageId": "order-1"})).json()["results"]
    assert [(e["destination"], e["status"]["name"]) for e in logs] == [(TO, "DELIVERED_TO_HANDSET")]


async def test_same_request_twice(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    body = alim_body({"to": TO, "messageId": "a-1"}, {"to": "821012345679", "messageId": "a-2"})
    first = await send_ok(client, body)
    assert [m["status"]["name"] for m in first["messages"]] == ["PENDING_ENROUTE"] * 2
    second = await send_ok(client, body)
    assert [m["messageId"] for m in second["messages"]] == ["a-1", "a-2"]
    assert [m["status"]["name"] for m in second["messages"]] == ["REJECTED_DUPLICATE_MESSAGE_ID"] * 2
    await settle(gateway)
    reports = await pull(client)
    by_status = sorted((r["messageId"], r["status"]["name"]) for r in reports)
    assert by_status == [
        ("a-1", "DELIVERED_TO_HANDSET"),
        ("a-1", "REJECTED_DUPLICATE_MESSAGE_ID"),
        ("a-2", "DELIVERED_TO_HANDSET"),
        ("a-2", "REJECTED_DUPLICATE_MESSAGE_ID"),
    ]


async def test_duplicate_message_id_within_one_request(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    body = alim_body(
        {"to": TO, "messageId": "dup"},
        {"to": "821012345679", "messageId": "dup"},
        {"to": "821012345670", "messageId": "unique"},
    )
    answer = await send_ok(client, body)
    assert [(m["messageId"], m["status"]["name"]) for m in answer["messages"]] == [
        ("dup", "PENDING_ENROUTE"),
        ("dup", "REJECTED_DUPLICATE_MESSAGE_ID"),
        ("unique", "PENDING_ENROUTE"),
    ]
    await settle(gateway)
    reports = sorted((r["messageId"], r["to"], r["status"]["name"]) for r in await pull(client))
    assert reports == [
        ("dup", TO, "DELIVERED_TO_HANDSET"),
        ("dup", "821012345679", "REJECTED_DUPLICATE_MESSAGE_ID"),
        ("unique", "821012345670", "DELIVERED_TO_HANDSET"),
    ]


async def test_duplicate_message_id_across_messages_of_one_request(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    one = alim_body({"to": TO, "messageId": "x"})["messages"][0]
    answer = await send_ok(client, {"messages": [one, one]})
    assert [m["status"]["name"] for m in answer["messages"]] == ["PENDING_ENROUTE", "REJECTED_DUPLICATE_MESSAGE_ID"]


async def test_a_rejected_message_id_is_used_up(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    first = await send_ok(client, alim_body({"to": "12345", "messageId": "bad-number"}))
    assert first["messages"][0]["status"]["name"] == "REJECTED_DESTINATION"
    second = await send_ok(client, alim_body({"to": TO, "messageId": "bad-number"}))
    assert second["messages"][0]["status"]["name"] == "REJECTED_DUPLICATE_MESSAGE_ID"


async def test_unknown_template(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(TO, templateCode="NO_SUCH_TEMPLATE"))
    (m,) = answer["messages"]
    assert m["status"]["groupName"] == "REJECTED"
    report = await rejected_report(client, m["messageId"])
    assert report["error"]["id"] == 7009
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE"
    assert report["status"]["groupName"] == "REJECTED"


async def test_template_of_another_sender_is_unknown(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    response = await client.post("/kakao/1/senders", json={"sender": "OTHER", "name": "Other"})
    assert response.status_code == 200
    answer = await send_ok(client, alim_body(TO, message={"sender": "OTHER"}))
    report = await rejected_report(client, answer["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE"


class TestUnapprovedTemplate:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return replace(settings, template_approval_delay_s=3600)

    async def test_not_yet_approved(self, client: httpx.AsyncClient, clock: ManualClock, gateway: Gateway) -> None:
        await register_basics(client)
        answer = await send_ok(client, alim_body(TO))
        (m,) = answer["messages"]
        assert m["status"]["groupName"] == "REJECTED"
        report = await rejected_report(client, m["messageId"])
        assert report["error"]["id"] == 7009
        assert report["error"]["name"] == "EC_INVALID_TEMPLATE"
        clock.advance(3599)
        answer = await send_ok(client, alim_body(TO))
        assert answer["messages"][0]["status"]["groupName"] == "REJECTED"
        clock.advance(1)
        answer = await send_ok(client, alim_body(TO))
        assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
        await settle(gateway)
        reports = await pull(client, messageId=answer["messages"][0]["messageId"])
        assert [r["status"]["name"] for r in reports] == ["DELIVERED_TO_HANDSET"]


@pytest.mark.parametrize(
    "text",
    [
        "Hello Jimin, your order 1234 has shipped!",
        "Hi Jimin, your order 1234 has shipped.",
        "Hello Jimin your order 1234 has shipped.",
        "Hello Jimin, your order 1234 has shipped. ",
        "",
        "Hello #{name}, your order #{order}",
    ],
)
async def test_text_not_matching_the_template(client: httpx.AsyncClient, text: str) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(TO, text=text))
    (m,) = answer["messages"]
    assert m["status"]["groupName"] == "REJECTED"
    report = await rejected_report(client, m["messageId"])
    assert report["error"]["id"] == 7008
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE_ARGS"


@pytest.mark.parametrize(
    "text",
    [
        TEXT,
        "Hello , your order  has shipped.",
        "Hello 김지민, your order #A-99 (express) has shipped.",
        "Hello Jimin,\nline two, your order 1 has shipped.",
        "Hello #{name}, your order #{order} has shipped.",
        "Hello a, your order has shipped, your order b has shipped.",
    ],
)
async def test_variables_match_any_text(client: httpx.AsyncClient, text: str) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(TO, text=text))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_template_special_characters_are_literal(client: httpx.AsyncClient) -> None:
    await register_basics(client, text="Total: $5.00 (#{count} items) [ok]*")
    assert (await send_ok(client, alim_body(TO, text="Total: $5.00 (3 items) [ok]*")))["messages"][0]["status"][
        "name"
    ] == "PENDING_ENROUTE"
    answer = await send_ok(client, alim_body(TO, text="Total: $5X00 (3 items) [ok]*"))
    assert answer["messages"][0]["status"]["groupName"] == "REJECTED"


async def test_title_must_match_the_template(client: httpx.AsyncClient) -> None:
    await register_basics(client, title="Order #{order}")
    ok = await send_ok(client, alim_body(TO, title="Order 1234"))
    assert ok["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    for content in ({"title": "Invoice 1234"}, {}):
        answer = await send_ok(client, alim_body(TO, **content))
        report = await rejected_report(client, answer["messages"][0]["messageId"])
        assert report["error"]["name"] == "EC_INVALID_TEMPLATE_ARGS"


async def test_title_not_in_the_template(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(TO, title="Surprise"))
    report = await rejected_report(client, answer["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE_ARGS"


TEMPLATE_BUTTONS = [
    {"type": "URL", "name": "Track", "urlMobile": "https://shop.test/track/#{order}"},
    {"type": "BOT_KEYWORD", "name": "Help"},
]


@pytest.mark.parametrize(
    "buttons",
    [
        [url_button(name="Track", urlMobile="https://shop.test/track/1234"), {"type": "BOT_KEYWORD", "name": "Help"}],
        [url_button(name="Track", urlMobile="https://shop.test/track/"), {"type": "BOT_KEYWORD", "name": "Help"}],
    ],
)
async def test_buttons_matching_the_template(client: httpx.AsyncClient, buttons: list[dict[str, Any]]) -> None:
    await register_basics(client, buttons=TEMPLATE_BUTTONS)
    answer = await send_ok(client, alim_body(TO, buttons=buttons))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


@pytest.mark.parametrize(
    "buttons",
    [
        None,
        [],
        [url_button(name="Track", urlMobile="https://shop.test/track/1234")],
        [{"type": "BOT_KEYWORD", "name": "Help"}, url_button(name="Track", urlMobile="https://shop.test/track/1")],
        [url_button(name="Follow", urlMobile="https://shop.test/track/1234"), {"type": "BOT_KEYWORD", "name": "Help"}],
        [url_button(name="Track", urlMobile="https://evil.test/track/1234"), {"type": "BOT_KEYWORD", "name": "Help"}],
        [url_button(name="Track", urlMobile="https://shop.test/track/1"), {"type": "BOT_KEYWORD", "name": "Other"}],
        [
            url_button(name="Track", urlMobile="https://shop.test/track/1"),
            {"type": "MESSAGE_DELIVERY", "name": "Help"},
        ],
    ],
)
async def test_buttons_not_matching_the_template(
    client: httpx.AsyncClient, buttons: list[dict[str, Any]] | None
) -> None:
    await register_basics(client, buttons=TEMPLATE_BUTTONS)
    content = {"buttons": buttons} if buttons is not None else {}
    answer = await send_ok(client, alim_body(TO, **content))
    report = await rejected_report(client, answer["messages"][0]["messageId"])
    assert report["error"]["name"] == "EC_INVALID_TEMPLATE_ARGS"


async def test_one_request_mixes_accepted_and_rejected(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    good = alim_body(TO, "12345")["messages"][0]
    wrong_sender = alim_body("821012345679", message={"sender": "UNKNOWN"})["messages"][0]
    wrong_text = alim_body("821012345670", text="Something else")["messages"][0]
    answer = await send_ok(client, {"messages": [good, wrong_sender, wrong_text]})
    assert [(m["destination"], m["status"]["name"]) for m in answer["messages"]] == [
        (TO, "PENDING_ENROUTE"),
        ("12345", "REJECTED_DESTINATION"),
        ("821012345679", "REJECTED_SOURCE"),
        ("821012345670", "UNDELIVERABLE_REJECTED_PLATFORM"),
    ]
    assert len({m["messageId"] for m in answer["messages"]}) == 4
    await settle(gateway)
    reports = {r["to"]: r for r in await pull(client)}
    assert_matches({"results": list(reports.values())}, "/kakao-alim/1/reports", "get", 200)
    assert {to: r["status"]["groupName"] for to, r in reports.items()} == {
        TO: "DELIVERED",
        "12345": "REJECTED",
        "821012345679": "REJECTED",
        "821012345670": "REJECTED",
    }
    assert {r["bulkId"] for r in reports.values()} == {answer["bulkId"]}
    assert await pull(client) == []


# --- Identifiers -------------------------------------------------------------------------------------------


async def test_given_ids_are_echoed(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    body = alim_body(
        {"to": TO, "messageId": "my-message-1"},
        {"to": "821012345679", "messageId": "my-message-2"},
        options={"schedule": {"bulkId": "my-bulk"}},
    )
    answer = await send_ok(client, body)
    assert answer["bulkId"] == "my-bulk"
    assert [(m["messageId"], m["destination"]) for m in answer["messages"]] == [
        ("my-message-1", TO),
        ("my-message-2", "821012345679"),
    ]
    await settle(gateway)
    reports = await pull(client, bulkId="my-bulk")
    assert sorted(r["messageId"] for r in reports) == ["my-message-1", "my-message-2"]
    assert {r["bulkId"] for r in reports} == {"my-bulk"}


async def test_generated_ids_are_unique(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    destinations = [f"8210{i:08d}" for i in range(50)]
    first = await send_ok(client, alim_body(*destinations))
    second = await send_ok(client, alim_body(*destinations))
    ids = [m["messageId"] for m in first["messages"] + second["messages"]]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 100
    assert first["bulkId"] and second["bulkId"]
    assert first["bulkId"] != second["bulkId"]
    assert set(ids).isdisjoint({first["bulkId"], second["bulkId"]})


async def test_generated_and_given_message_ids_mix(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body(TO, {"to": "821012345679", "messageId": "given"}))
    generated, given = answer["messages"]
    assert given["messageId"] == "given"
    assert generated["messageId"] and generated["messageId"] != "given"


async def test_ten_thousand_destinations_in_one_request(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    destinations = [f"8210{i:08d}" for i in range(10_000)]
    response = await post(client, json.dumps(alim_body(*destinations)))
    assert response.status_code == 200, response.text[:500]
    answer = response.json()
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    assert len(answer["messages"]) == 10_000
    assert {m["status"]["name"] for m in answer["messages"]} == {"PENDING_ENROUTE"}
    assert [m["destination"] for m in answer["messages"]] == destinations
    assert len({m["messageId"] for m in answer["messages"]}) == 10_000
    logs = await client.get("/kakao-alim/1/logs", params={"bulkId": answer["bulkId"], "limit": 1000})
    assert len(logs.json()["results"]) == 1000


async def test_sender_and_template_are_echoed_in_reports(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    answer = await send_ok(client, alim_body("12345"))
    report = await rejected_report(client, answer["messages"][0]["messageId"])
    assert report["sender"] == SENDER
    assert report["bulkId"] == answer["bulkId"]
    logs = (await client.get("/kakao-alim/1/logs")).json()["results"]
    assert logs[0]["content"]["templateCode"] == TEMPLATE_CODE
