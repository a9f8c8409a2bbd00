"""Limits that hold, and inputs that used to answer 500: every one is an Infobip ApiError, and the server stays up.

Issue 8, sections 4 ("Limits that hold"), 5 (500s with a valid key) and 6 (hand-made inputs generators miss).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway

from .helpers import SENDER, alim_body, register_basics, send
from .spec import assert_api_error

JSON = {"Content-Type": "application/json"}
MESSAGES = "/kakao-alim/1/messages"
MAX_BODY = 64 * 1024 * 1024
MAX_DESTINATIONS = 100_000
MAX_VIOLATIONS = 100


def api_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:1000]
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


def paths(body: dict[str, Any]) -> list[str]:
    return [v["property"] for v in body["violations"]]


async def still_up(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/kakao-alim/1/logs")).status_code == 200


# --- 4. limits --------------------------------------------------------------------------------------------------------


async def test_violations_are_capped_with_a_count_of_the_rest(client: httpx.AsyncClient) -> None:
    raw = b'{"messages":[' + b",".join([b"1"] * 5000) + b"]}"
    body = api_error(await client.post(MESSAGES, content=raw, headers=JSON), 400)
    assert len(body["violations"]) == MAX_VIOLATIONS + 1
    assert body["violations"][0] == {"property": "messages[0]", "violation": body["violations"][0]["violation"]}
    assert body["violations"][-1] == {"property": "", "violation": f"and 4900 more violations ({5000} in all)"}


async def test_two_megabytes_of_ones_is_a_small_answer_without_a_stall(client: httpx.AsyncClient) -> None:
    raw = b'{"messages":[' + b",".join([b"1"] * 1_000_000) + b"]}"
    assert len(raw) > 2_000_000
    started = time.perf_counter()
    response = await client.post(MESSAGES, content=raw, headers=JSON)
    elapsed = time.perf_counter() - started
    body = api_error(response, 400)
    assert len(response.content) < 20_000
    assert paths(body) == ["messages"]
    assert "at most 100000" in body["violations"][0]["violation"]
    assert elapsed < 1.0, elapsed
    await still_up(client)


async def test_health_answers_while_a_huge_invalid_body_is_validated(client: httpx.AsyncClient) -> None:
    raw = b'{"messages":[' + b",".join([b"1"] * 1_000_000) + b"]}"
    post = asyncio.create_task(client.post(MESSAGES, content=raw, headers=JSON))
    await asyncio.sleep(0)
    started = time.perf_counter()
    assert (await client.get("/health")).status_code == 200
    assert time.perf_counter() - started < 1.0
    api_error(await post, 400)


async def test_a_declared_length_over_the_limit_is_refused_before_reading(client: httpx.AsyncClient) -> None:
    headers = {**JSON, "Content-Length": str(MAX_BODY + 1)}
    body = api_error(await client.post(MESSAGES, content=b"{}", headers=headers), 413)
    assert "67108864" in body["violations"][0]["violation"]


def _chunks(total: int, size: int = 1024 * 1024) -> Iterator[bytes]:
    yield b'{"messages":[{"sender":"'
    sent = 24
    while sent < total:
        yield b"x" * size
        sent += size


class Counting:
    """A chunked request body that counts what the server read of it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in _chunks(self.total):
            self.read += len(chunk)
            yield chunk


async def test_a_chunked_body_over_the_limit_is_refused_while_reading(client: httpx.AsyncClient) -> None:
    source = Counting(500 * 1024 * 1024)
    response = await client.post(MESSAGES, content=source, headers=JSON)
    assert "content-length" not in response.request.headers
    api_error(response, 413)
    assert source.read < MAX_BODY + 4 * 1024 * 1024, "reading stopped at the limit"
    await still_up(client)


async def test_fifty_megabytes_is_a_400_and_the_server_stays_up(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    body = alim_body("821000000001", text="x" * (50 * 1024 * 1024))
    response = await client.post(MESSAGES, content=json.dumps(body), headers=JSON)
    assert paths(api_error(response, 400)) == ["messages[0].content.text"]
    await still_up(client)


async def test_more_destinations_than_a_request_may_carry(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    many = [{"to": "821000000001"}] * 200_000
    body = alim_body(message={"destinations": many})
    started = time.perf_counter()
    answer = api_error(await client.post(MESSAGES, content=json.dumps(body), headers=JSON), 400)
    assert time.perf_counter() - started < 3.0
    assert paths(answer) == ["messages"]
    assert "at most 100000 destinations" in answer["violations"][0]["violation"]
    # spread over many messages it is the same limit
    split = {"messages": [alim_body(message={"destinations": many[:50_001]})["messages"][0]] * 2}
    answer = api_error(await client.post(MESSAGES, content=json.dumps(split), headers=JSON), 400)
    assert paths(answer) == ["messages"]
    await still_up(client)


async def test_the_destination_limit_is_inclusive(client: httpx.AsyncClient) -> None:
    body = {"messages": [{"destinations": [{"to": "1"}] * MAX_DESTINATIONS}]}
    answer = api_error(await client.post(MESSAGES, content=json.dumps(body), headers=JSON), 400)
    assert "messages" not in paths(answer)  # only the missing sender and content
    assert set(paths(answer)) == {"messages[0].sender", "messages[0].content"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_declared_json_is_a_415(client: httpx.AsyncClient, content_type: str | None) -> None:
    await register_basics(client)
    headers = {"Content-Type": content_type} if content_type else {}
    raw = json.dumps(alim_body("821000000001")).encode()
    request = client.build_request("POST", MESSAGES, content=raw, headers=headers)
    assert request.headers.get("content-type") == content_type
    body = api_error(await client.send(request), 415)
    assert paths(body) == ["Content-Type"]
    for other in ("/kakao-chingu/1/messages", "/kakao/1/senders", "/kakao-brand-messages/1/templates"):
        api_error(await client.post(other, content=raw, headers={"Content-Type": "text/plain"}), 415)


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    raw = json.dumps(alim_body("821000000001")).encode()
    for content_type in ("application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"):
        response = await client.post(MESSAGES, content=raw, headers={"Content-Type": content_type})
        assert response.status_code == 200, (content_type, response.text)


async def test_invalid_json_is_a_400(client: httpx.AsyncClient) -> None:
    for raw in (b"{not json", b'{"messages": [', b"\xff\xfe", b"[]", b"1"):
        api_error(await client.post(MESSAGES, content=raw, headers=JSON), 400)
    await still_up(client)


async def test_json_nested_ten_thousand_levels_is_a_400(client: httpx.AsyncClient) -> None:
    for raw in (b"[" * 10_000 + b"]" * 10_000, b'{"messages":' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001):
        body = api_error(await client.post(MESSAGES, content=raw, headers=JSON), 400)
        assert len(body["violations"]) == 1
    await still_up(client)


async def test_lone_surrogates_are_a_400(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    for text in ('"\\ud800"', '"\\udfff x"', '"a\\ud83d"'):
        raw = json.dumps(alim_body("821000000001")).encode().replace(b'"' + SENDER.encode() + b'"', text.encode())
        api_error(await client.post(MESSAGES, content=raw, headers=JSON), 400)
    await still_up(client)


async def test_numbers_given_as_strings(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    speed = {"schedule": {"sendingSpeedLimit": {"amount": "60", "timeUnit": "MINUTE"}}}
    body = alim_body("821000000001", options=speed)
    assert paths(api_error(await client.post(MESSAGES, json=body), 400)) == [
        "options.schedule.sendingSpeedLimit.amount"
    ]
    validity = {"validityPeriod": {"amount": "10", "timeUnit": "MINUTES"}}
    body = alim_body("821000000001", message={"options": validity})
    assert paths(api_error(await client.post(MESSAGES, json=body), 400)) == [
        "messages[0].options.validityPeriod.amount"
    ]
    for limit in ("ten", "1e3", "0x10", "5.0"):
        answer = api_error(await client.get("/kakao-alim/1/logs", params={"limit": limit}), 400)
        assert paths(answer) == ["limit"]
    # and a number where a string belongs
    body = alim_body("821000000001", message={"sender": 12345})
    assert paths(api_error(await client.post(MESSAGES, json=body), 400)) == ["messages[0].sender"]


# --- 5. 500s with a valid key -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [2**31, 2**63, 2**64, 10**30])
async def test_an_enormous_speed_limit_is_a_400(client: httpx.AsyncClient, amount: int) -> None:
    await register_basics(client)
    options = {"schedule": {"bulkId": "huge", "sendingSpeedLimit": {"amount": amount, "timeUnit": "MINUTE"}}}
    body = api_error(await client.post(MESSAGES, json=alim_body("821000000001", options=options)), 400)
    assert paths(body) == ["options.schedule.sendingSpeedLimit.amount"]
    await send(client, alim_body("821000000001", options={"schedule": {"bulkId": "huge"}}))
    speed = await client.put("/kakao/1/bulks/speed", params={"bulkId": "huge"}, json={"amount": amount})
    assert paths(api_error(speed, 400)) == ["amount"]
    validity = {"validityPeriod": {"amount": amount}}
    body = api_error(await client.post(MESSAGES, json=alim_body("821000000001", message={"options": validity})), 400)
    assert paths(body) == ["messages[0].options.validityPeriod.amount"]


async def test_the_largest_int32_speed_limit_is_accepted(client: httpx.AsyncClient) -> None:
    await register_basics(client)
    options = {"schedule": {"sendingSpeedLimit": {"amount": 2**31 - 1, "timeUnit": "DAY"}}}
    await send(client, alim_body("821000000001", options=options))


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor", ["v1:" + "9" * 30, "v1:-" + "9" * 30, "v1:" + str(2**63), "v1:-1", "v1:1e9", "v1:", "x", "%%%"]
)
async def test_a_forged_logs_cursor_is_a_400(client: httpx.AsyncClient, cursor: str) -> None:
    forged = _cursor(cursor) if cursor.startswith("v1:") else cursor
    response = await client.get("/kakao-alim/1/logs", params={"useCursor": "true", "cursor": forged})
    assert paths(api_error(response, 400)) == ["cursor"]
    response = await client.get("/kakao-chingu/1/logs", params={"useCursor": "true", "cursor": forged})
    assert paths(api_error(response, 400)) == ["cursor"]


NUL = "a\u0000b"


@pytest.mark.parametrize(
    ("message", "path"),
    [
        ({"destinations": [{"to": "821000000001", "messageId": NUL}]}, "messages[0].destinations[0].messageId"),
        ({"webhooks": {"callbackData": NUL}}, "messages[0].webhooks.callbackData"),
        ({"sender": NUL}, "messages[0].sender"),
        ({"destinations": [{"to": NUL}]}, "messages[0].destinations[0].to"),
        ({"options": {"campaignReferenceId": NUL}}, "messages[0].options.campaignReferenceId"),
    ],
)
async def test_a_nul_character_in_a_body_is_a_400(
    client: httpx.AsyncClient, message: dict[str, Any], path: str
) -> None:
    await register_basics(client)
    body = api_error(await client.post(MESSAGES, json=alim_body("821000000001", message=message)), 400)
    assert paths(body) == [path]
    await still_up(client)


async def test_a_nul_character_in_other_bodies_is_a_400(client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    answer = api_error(await admin.post("/admin/1/accounts", json={"name": NUL}), 400)
    assert paths(answer) == ["name"]
    answer = api_error(await client.post("/kakao/1/senders", json={"sender": NUL, "name": "x"}), 400)
    assert paths(answer) == ["sender"]
    options = {"schedule": {"bulkId": NUL}}
    answer = api_error(await client.post(MESSAGES, json=alim_body("821000000001", options=options)), 400)
    assert paths(answer) == ["options.schedule.bulkId"]
    # a NUL in a key names the key
    answer = api_error(await client.post(MESSAGES, json={"messages": [{"x\u0000": 1}]}), 400)
    assert paths(answer) == ["messages[0].x\u0000"] or paths(answer) == ["messages[0]"]


@pytest.mark.parametrize(
    "name",
    ["bulkId", "messageId", "entityId", "applicationId", "campaignReferenceId", "sender", "destination", "cursor"],
)
async def test_a_nul_character_in_a_query_parameter_is_a_400(client: httpx.AsyncClient, name: str) -> None:
    params = {name: NUL, "useCursor": "true"}
    assert paths(api_error(await client.get("/kakao-alim/1/logs", params=params), 400)) == [name]
    assert paths(api_error(await client.get("/kakao-chingu/1/logs", params=params), 400)) == [name]
    if name not in ("sender", "destination", "cursor"):
        assert paths(api_error(await client.get("/kakao-alim/1/reports", params={name: NUL}), 400)) == [name]
    await still_up(client)


async def test_a_nul_character_in_a_path_parameter_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/kakao-alim/1/templates/A%00B", params={"sender": SENDER})
    assert paths(api_error(response, 400)) == ["templateCode"]


async def test_the_server_stays_up_after_all_of_it(gateway: Gateway, client: httpx.AsyncClient) -> None:
    await register_basics(client)
    await send(client, alim_body("821000000001"))
    await still_up(client)
