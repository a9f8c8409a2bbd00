"""Delivery reports: pushed to webhooks (JSON or XML, batched, retried on Infobip's ladder) or pulled once."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain.times import format_ms

from .conftest import START_MS, Receiver
from .helpers import SENDER, alim_body, pull, register_basics, send, settle
from .spec import assert_api_error, assert_matches, assert_schema

START = format_ms(START_MS)  # the fake clock's start on the wire
HOOK = "http://hooks.test/dlr"
OTHER_HOOK = "http://hooks.test/other"
ACCOUNT_HOOK = "http://hooks.test/account"
DELIVERED = "821000000001"
NOT_A_USER = "821000000002"
BLOCKED = "821000000003"
UNREACHABLE_10_MIN = "821000000004"
MINUTE = 60
HOUR = 60 * MINUTE


def hooks(url: str | None = HOOK, **extra: Any) -> dict[str, Any]:
    """A message's `webhooks` section; `delivery` holds the URL and, when given, notify/intermediateReport."""
    delivery = {k: extra.pop(k) for k in ("notify", "intermediateReport") if k in extra}
    if url is not None:
        delivery["url"] = url
    section: dict[str, Any] = dict(extra)
    if delivery:
        section["delivery"] = delivery
    return {"webhooks": section}


def numbers(count: int, start: int = 100) -> list[str]:
    """Destinations the sandbox delivers."""
    return [f"8210{start + i:08d}" for i in range(count)]


def json_bodies(receiver: Receiver, since: int = 0) -> list[dict[str, Any]]:
    bodies = []
    for r in receiver.requests[since:]:
        assert r["headers"]["content-type"].startswith("application/json"), r["headers"]
        bodies.append(json.loads(r["body"]))
    return bodies


def ids(reports: list[dict[str, Any]]) -> list[str]:
    return [r["messageId"] for r in reports]


async def subscribe(client: httpx.AsyncClient, **alim: Any) -> dict[str, Any]:
    response = await client.put("/kakao/1/subscriptions", json={"ALIM": alim})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def step(clock: ManualClock, gateway: Gateway, seconds: float) -> None:
    clock.advance(seconds)
    await settle(gateway)


# --- push: shape, batching, echoed fields ---------------------------------------------------------------------


async def test_push_json_reports_to_message_url(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    options = {"platform": {"entityId": "ent-1", "applicationId": "app-1"}, "campaignReferenceId": "camp-1"}
    message = {**hooks(callbackData="cb-data"), "options": options}
    answer = await send(client, alim_body(DELIVERED, NOT_A_USER, message=message))
    sent_ids = ids(answer["messages"])
    assert receiver.requests == []  # nothing is pushed before the engine runs

    await settle(gateway)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/dlr"
    assert request["headers"]["content-type"].startswith("application/json")
    body = json.loads(request["body"])
    assert_schema(body, "DeliveryReports")
    assert_matches(body, "/kakao-alim/1/reports", "get", 200)
    by_to = {r["to"]: r for r in body["results"]}
    assert sorted(r["messageId"] for r in body["results"]) == sorted(sent_ids)
    for report in body["results"]:
        assert_schema(report, "DeliveryReport")
        assert report["bulkId"] == answer["bulkId"]
        assert report["sender"] == SENDER
        assert report["callbackData"] == "cb-data"
        assert report["platform"] == {"entityId": "ent-1", "applicationId": "app-1"}
        assert report["campaignReferenceId"] == "camp-1"
        assert report["messageCount"] == 1
        assert report["sentAt"] == START
        assert report["doneAt"] == START
    assert by_to[DELIVERED]["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert by_to[DELIVERED]["error"]["name"] == "NO_ERROR"
    assert by_to[NOT_A_USER]["status"]["groupName"] == "UNDELIVERABLE"
    assert by_to[NOT_A_USER]["error"]["name"] == "EC_UNKNOWN_USER"

    # Pushed reports are not in the pull queue, and nothing is pushed twice.
    assert await pull(client) == []
    for _ in range(3):
        await step(clock, gateway, HOUR)
    assert len(receiver.requests) == 1


async def test_report_without_optional_fields_omits_them(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    await send(client, alim_body(DELIVERED, message=hooks()))
    await settle(gateway)
    [report] = receiver.json_results()
    assert_schema(report, "DeliveryReport")
    for absent in ("callbackData", "platform", "campaignReferenceId"):
        assert absent not in report


async def test_reports_of_many_messages_to_one_url_are_batched(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    first = await send(client, alim_body(*numbers(12), message=hooks()))
    second = await send(client, alim_body(*numbers(8, start=200), NOT_A_USER, message=hooks()))
    rejected = await send(client, alim_body("12", message=hooks()))  # rejected at once: its report is stored now
    elsewhere = await send(client, alim_body(*numbers(3, start=300), message=hooks(OTHER_HOOK)))

    await settle(gateway)

    by_path: dict[str, list[dict[str, Any]]] = {}
    for r in receiver.requests:
        assert r["path"] not in by_path, "one request per URL"
        by_path[r["path"]] = json.loads(r["body"])["results"]
    assert set(by_path) == {"/dlr", "/other"}
    expected = ids(first["messages"]) + ids(second["messages"]) + ids(rejected["messages"])
    assert sorted(ids(by_path["/dlr"])) == sorted(expected)
    assert sorted(ids(by_path["/other"])) == sorted(ids(elsewhere["messages"]))
    assert_schema({"results": by_path["/dlr"]}, "DeliveryReports")
    rejected_report = next(r for r in by_path["/dlr"] if r["messageId"] == rejected["messages"][0]["messageId"])
    assert rejected_report["status"]["name"] == "REJECTED_DESTINATION"


async def test_json_and_xml_reports_to_one_url_go_in_separate_requests(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    await send(client, alim_body(*numbers(2), message=hooks()))
    await send(client, alim_body(*numbers(2, start=200), message=hooks(contentType="application/xml")))
    await settle(gateway)
    types = sorted(r["headers"]["content-type"].split(";")[0] for r in receiver.requests)
    assert types == ["application/json", "application/xml"]


async def test_every_report_of_a_large_send_is_pushed_once(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(*numbers(250), message=hooks()))
    await settle(gateway)
    pushed = receiver.json_results()
    assert sorted(ids(pushed)) == sorted(ids(answer["messages"]))
    assert len(receiver.requests) < 250  # batched, not one request per report


async def test_xml_push(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    options = {"platform": {"entityId": "ent-x", "applicationId": "app-x"}, "campaignReferenceId": "camp-x"}
    message = {**hooks(contentType="application/xml", callbackData="<a & b>"), "options": options}
    answer = await send(client, alim_body(DELIVERED, BLOCKED, message=message))

    await settle(gateway)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["headers"]["content-type"].startswith("application/xml")
    root = ET.fromstring(request["body"])
    assert root.tag == "DeliveryReports"
    assert [child.tag for child in root] == ["results"]
    results = root.findall("./results/result")
    assert len(results) == 2
    by_to = {r.findtext("to"): r for r in results}
    assert set(by_to) == {DELIVERED, BLOCKED}
    sent = {m["destination"]: m["messageId"] for m in answer["messages"]}
    for to, result in by_to.items():
        assert result.findtext("messageId") == sent[to]
        assert result.findtext("bulkId") == answer["bulkId"]
        assert result.findtext("sender") == SENDER
        assert result.findtext("sentAt") == START
        assert result.findtext("doneAt") == START
        assert result.findtext("messageCount") == "1"
        assert result.findtext("price/currency") is not None
        assert result.findtext("price/pricePerMessage") is not None
        assert result.findtext("callbackData") == "<a & b>"
        assert result.findtext("platform/entityId") == "ent-x"
        assert result.findtext("platform/applicationId") == "app-x"
        assert result.findtext("campaignReferenceId") == "camp-x"
        for part in ("status", "error"):
            assert {c.tag for c in result.find(part) or []} >= {"groupId", "groupName", "id", "name", "description"}
    delivered, blocked = by_to[DELIVERED], by_to[BLOCKED]
    assert delivered.findtext("status/name") == "DELIVERED_TO_HANDSET"
    assert delivered.findtext("status/id") == "5"
    assert delivered.findtext("status/groupName") == "DELIVERED"
    assert delivered.findtext("error/name") == "NO_ERROR"
    assert delivered.findtext("error/permanent") == "false"
    assert blocked.findtext("status/groupName") == "UNDELIVERABLE"
    assert blocked.findtext("error/name") == "EC_BLOCKED_USER"
    assert blocked.findtext("error/permanent") == "true"


# --- push target: subscription, notify ------------------------------------------------------------------------


async def test_subscription_url_is_the_default_push_target(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    put = await subscribe(client, reportUrl=ACCOUNT_HOOK, contentType="application/json")
    assert put["ALIM"] == {"reportUrl": ACCOUNT_HOOK, "contentType": "application/json"}
    response = await client.get("/kakao/1/subscriptions")
    assert response.status_code == 200
    assert response.json()["ALIM"] == {"reportUrl": ACCOUNT_HOOK, "contentType": "application/json"}

    default = await send(client, alim_body(DELIVERED))
    own = await send(client, alim_body(DELIVERED, message=hooks()))
    callback_only = await send(client, alim_body(DELIVERED, message=hooks(url=None, callbackData="cb")))
    await settle(gateway)

    by_path = {r["path"]: json.loads(r["body"])["results"] for r in receiver.requests}
    assert sorted(by_path) == ["/account", "/dlr"]
    assert sorted(ids(by_path["/account"])) == sorted(ids(default["messages"]) + ids(callback_only["messages"]))
    assert ids(by_path["/dlr"]) == ids(own["messages"])
    assert await pull(client) == []


async def test_xml_subscription(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    await subscribe(client, reportUrl=ACCOUNT_HOOK, contentType="application/xml")
    answer = await send(client, alim_body(DELIVERED))
    await settle(gateway)
    [request] = receiver.requests
    assert request["path"] == "/account"
    assert request["headers"]["content-type"].startswith("application/xml")
    root = ET.fromstring(request["body"])
    assert [r.findtext("messageId") for r in root.findall("./results/result")] == ids(answer["messages"])


async def test_message_content_type_applies_to_the_subscription_url(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    await subscribe(client, reportUrl=ACCOUNT_HOOK, contentType="application/json")
    await send(client, alim_body(DELIVERED, message=hooks(url=None, contentType="application/xml")))
    await settle(gateway)
    [request] = receiver.requests
    assert request["path"] == "/account"
    assert ET.fromstring(request["body"]).tag == "DeliveryReports"


async def test_subscription_replaced_and_invalid_url_rejected(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    await subscribe(client, reportUrl=ACCOUNT_HOOK)
    await subscribe(client, reportUrl=OTHER_HOOK, contentType="application/xml")
    got = (await client.get("/kakao/1/subscriptions")).json()
    assert got["ALIM"] == {"reportUrl": OTHER_HOOK, "contentType": "application/xml"}
    bad = await client.put("/kakao/1/subscriptions", json={"ALIM": {"reportUrl": "ftp://hooks.test/x"}})
    assert bad.status_code == 400
    assert_api_error(bad.json())
    await send(client, alim_body(DELIVERED))
    await settle(gateway)
    assert [r["path"] for r in receiver.requests] == ["/other"]


async def test_no_push_target_means_pullable(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(DELIVERED, NOT_A_USER))
    await settle(gateway)
    assert receiver.requests == []
    assert sorted(ids(await pull(client))) == sorted(ids(answer["messages"]))


@pytest.mark.parametrize("with_subscription", [False, True])
async def test_notify_false_pushes_nothing_and_report_is_pullable(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock, with_subscription: bool
) -> None:
    # notify=false: "no DLR will be sent" (spec). The report then has no push target, like a message without any
    # URL, so the client can still collect it from GET /reports.
    await register_basics(client)
    if with_subscription:
        await subscribe(client, reportUrl=ACCOUNT_HOOK)
    answer = await send(client, alim_body(DELIVERED, NOT_A_USER, message=hooks(notify=False, callbackData="q")))
    await settle(gateway)
    await step(clock, gateway, 3 * HOUR)
    assert receiver.requests == []
    pulled = await pull(client)
    assert sorted(ids(pulled)) == sorted(ids(answer["messages"]))
    assert all(r["callbackData"] == "q" for r in pulled)
    assert await pull(client) == []


async def test_notify_true_with_url_pushes(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(DELIVERED, message=hooks(notify=True)))
    await settle(gateway)
    assert ids(receiver.json_results()) == ids(answer["messages"])


async def test_intermediate_reports_are_pushed_but_never_pulled(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(UNREACHABLE_10_MIN, message=hooks(intermediateReport=True)))
    [message_id] = ids(answer["messages"])
    await settle(gateway)
    for _ in range(20):  # unreachable for 10 min; the retry after that comes 15.5 min after the first attempt
        await step(clock, gateway, MINUTE)
    pushed = receiver.json_results()
    assert all(r["messageId"] == message_id for r in pushed)
    assert len(pushed) >= 2
    *intermediate, final = pushed
    for report in intermediate:
        assert report["status"]["groupName"] == "PENDING"
        assert report["error"]["name"] == "EC_ABSENT_SUBSCRIBER"
    assert final["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert await pull(client) == []


async def test_without_intermediate_reports_only_the_final_report_is_pushed(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    await send(client, alim_body(UNREACHABLE_10_MIN, message=hooks()))
    await settle(gateway)
    for _ in range(20):  # unreachable for 10 min; the retry after that comes 15.5 min after the first attempt
        await step(clock, gateway, MINUTE)
    [report] = receiver.json_results()
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"


async def test_intermediate_reports_without_a_push_target_are_not_pullable(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    await send(client, alim_body(UNREACHABLE_10_MIN, message=hooks(url=None, intermediateReport=True)))
    await settle(gateway)
    assert await pull(client) == []
    for _ in range(20):  # unreachable for 10 min; the retry after that comes 15.5 min after the first attempt
        await step(clock, gateway, MINUTE)
    [report] = await pull(client)
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"


# --- retries ----------------------------------------------------------------------------------------------------


def retry_wait_s(retry_number: int) -> int:
    return MINUTE + MINUTE * retry_number * retry_number


async def expect_attempt_after(
    clock: ManualClock, gateway: Gateway, receiver: Receiver, wait_s: int, attempts_before: int
) -> None:
    """Nothing happens until `wait_s` has passed since the last attempt; then exactly one more attempt."""
    await step(clock, gateway, wait_s - 1)
    assert len(receiver.requests) == attempts_before, f"retried before {wait_s} s"
    await step(clock, gateway, 1)
    assert len(receiver.requests) == attempts_before + 1, f"no retry after {wait_s} s"


async def test_failed_push_follows_the_retry_ladder_and_arrives_once_after_recovery(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    receiver.status = 500
    answer = await send(client, alim_body(DELIVERED, message=hooks()))
    await settle(gateway)
    assert len(receiver.requests) == 1

    for retry in (1, 2, 3):  # waits of 2, 5 and 10 minutes
        await expect_attempt_after(clock, gateway, receiver, retry_wait_s(retry), retry)
    assert await pull(client) == []  # still being pushed: not in the pull queue

    receiver.status = 200
    await expect_attempt_after(clock, gateway, receiver, retry_wait_s(4), 4)
    assert ids(json.loads(receiver.requests[-1]["body"])["results"]) == ids(answer["messages"])

    for _ in range(10):
        await step(clock, gateway, HOUR)
    assert len(receiver.requests) == 5  # delivered once; never again
    assert await pull(client) == []


async def test_retries_keep_the_batch_and_its_body(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    receiver.status = 503
    answer = await send(client, alim_body(*numbers(5), message=hooks(callbackData="cb")))
    await settle(gateway)
    receiver.status = 200
    await step(clock, gateway, retry_wait_s(1))
    first, second = json_bodies(receiver)
    assert sorted(first["results"], key=lambda r: r["messageId"]) == sorted(
        second["results"], key=lambda r: r["messageId"]
    )  # the same reports, unchanged (their order within a batch is not specified)
    assert sorted(ids(second["results"])) == sorted(ids(answer["messages"]))


async def test_a_failing_url_does_not_hold_back_another(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    receiver.status = 500
    await send(client, alim_body(DELIVERED, message=hooks()))
    await settle(gateway)
    receiver.status = 200
    answer = await send(client, alim_body(DELIVERED, message=hooks(OTHER_HOOK)))
    await settle(gateway)
    assert [r["path"] for r in receiver.requests] == ["/dlr", "/other"]
    assert ids(json.loads(receiver.requests[1]["body"])["results"]) == ids(answer["messages"])


async def test_push_gives_up_after_48_hours_and_the_report_becomes_pullable(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    receiver.status = 500
    answer = await send(client, alim_body(DELIVERED, message=hooks(callbackData="late")))
    await settle(gateway)
    assert len(receiver.requests) == 1

    retries = []  # every retry that still falls within 48 hours of the report: 19, the last at 41 h 29 min
    elapsed = retry_wait_s(1)
    while elapsed <= 48 * HOUR:
        retries.append(len(retries) + 1)
        elapsed += retry_wait_s(len(retries) + 1)
    assert len(retries) == 19
    for retry in retries:
        assert await pull(client) == []  # still being pushed: not pullable
        await expect_attempt_after(clock, gateway, receiver, retry_wait_s(retry), retry)
    assert len(receiver.requests) == 20
    assert clock.now_ms() - START_MS == 2489 * MINUTE * 1000

    # The next retry would fall after 48 h: pushing stopped and the report went to the pull queue.
    [report] = await pull(client)
    assert report["messageId"] == answer["messages"][0]["messageId"]
    assert report["callbackData"] == "late"
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert_matches({"results": [report]}, "/kakao-alim/1/reports", "get", 200)
    assert await pull(client) == []

    receiver.status = 200
    for _ in range(10):
        await step(clock, gateway, HOUR)
    assert len(receiver.requests) == 20


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
async def test_any_2xx_is_success(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock, status: int
) -> None:
    await register_basics(client)
    receiver.status = status
    await send(client, alim_body(DELIVERED, message=hooks()))
    await settle(gateway)
    for _ in range(6):
        await step(clock, gateway, HOUR)
    assert len(receiver.requests) == 1
    assert await pull(client) == []


@pytest.mark.parametrize("status", [301, 400, 404, 429, 500])
async def test_non_2xx_is_a_failure(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock, status: int
) -> None:
    await register_basics(client)
    receiver.status = status
    await send(client, alim_body(DELIVERED, message=hooks()))
    await settle(gateway)
    await expect_attempt_after(clock, gateway, receiver, retry_wait_s(1), 1)


# --- pull -------------------------------------------------------------------------------------------------------


async def test_pull_hands_out_each_report_once(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(DELIVERED, NOT_A_USER, "12"))
    await settle(gateway)
    response = await client.get("/kakao-alim/1/reports")
    assert response.status_code == 200
    body = response.json()
    assert_matches(body, "/kakao-alim/1/reports", "get", 200)
    assert sorted(ids(body["results"])) == sorted(ids(answer["messages"]))
    for report in body["results"]:
        assert_schema(report, "DeliveryReport")
    assert await pull(client) == []
    later = await send(client, alim_body(BLOCKED))
    await settle(gateway)
    assert ids(await pull(client)) == ids(later["messages"])
    assert await pull(client) == []


async def test_pending_messages_have_no_report_to_pull(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(DELIVERED, UNREACHABLE_10_MIN))
    assert await pull(client) == []  # accepted, not yet final
    await settle(gateway)
    [report] = await pull(client)
    assert report["messageId"] == answer["messages"][0]["messageId"]


async def test_pull_limit(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(*numbers(60)))
    await settle(gateway)
    first = await pull(client)
    assert len(first) == 50
    second = await pull(client, limit=7)
    assert len(second) == 7
    rest = await pull(client, limit=1000)
    assert len(rest) == 3
    assert sorted(ids(first + second + rest)) == sorted(ids(answer["messages"]))


@pytest.mark.parametrize("limit", ["1001", "0", "-1", "abc", "1.5", " 5", "+5", "5_0"])
async def test_pull_rejects_bad_limit(client: httpx.AsyncClient, gateway: Gateway, limit: str) -> None:
    await register_basics(client)
    await send(client, alim_body(DELIVERED))
    await settle(gateway)
    response = await client.get("/kakao-alim/1/reports", params={"limit": limit})
    assert response.status_code == 400
    body = response.json()
    assert_api_error(body)
    assert body["errorCode"] == "E400"
    assert [v["property"] for v in body["violations"]] == ["limit"]
    assert len(await pull(client)) == 1  # a rejected call consumes nothing


async def test_pull_filters(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)

    def message(dest: str, **options: Any) -> dict[str, Any]:
        return {
            "sender": SENDER,
            "destinations": [{"to": dest}],
            "content": alim_body(dest)["messages"][0]["content"],
            "options": options,
        }

    bulk_a = {"messages": [message(d) for d in numbers(3)], "options": {"schedule": {"bulkId": "bulk-a"}}}
    a = await send(client, bulk_a)
    assert a["bulkId"] == "bulk-a"
    b = await send(
        client,
        {
            "messages": [
                message(numbers(1, 200)[0], platform={"entityId": "e1"}),
                message(numbers(1, 201)[0], platform={"entityId": "e1", "applicationId": "a1"}),
                message(numbers(1, 202)[0], platform={"applicationId": "a1"}),
                message(numbers(1, 203)[0], campaignReferenceId="c1"),
                message(numbers(1, 204)[0], campaignReferenceId="c2"),
                message(numbers(1, 205)[0]),
            ],
        },
    )
    await settle(gateway)
    b_ids = ids(b["messages"])

    assert await pull(client, bulkId="no-such-bulk") == []
    assert await pull(client, messageId="no-such-message") == []
    assert await pull(client, entityId="e1", applicationId="none") == []

    assert ids(await pull(client, messageId=b_ids[5])) == [b_ids[5]]
    from_a = await pull(client, bulkId="bulk-a", limit=2)
    from_a += await pull(client, bulkId="bulk-a")
    assert sorted(ids(from_a)) == sorted(ids(a["messages"]))
    assert all(r["bulkId"] == "bulk-a" for r in from_a)
    both = await pull(client, entityId="e1", applicationId="a1")
    assert ids(both) == [b_ids[1]]
    assert both[0]["platform"] == {"entityId": "e1", "applicationId": "a1"}
    assert ids(await pull(client, entityId="e1")) == [b_ids[0]]
    assert ids(await pull(client, applicationId="a1")) == [b_ids[2]]
    campaign = await pull(client, campaignReferenceId="c2")
    assert ids(campaign) == [b_ids[4]]
    assert campaign[0]["campaignReferenceId"] == "c2"
    # Reports a filter left out stay in the queue.
    assert ids(await pull(client)) == [b_ids[3]]
    assert await pull(client) == []


async def test_pull_limit_with_bulk_filter(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    body = alim_body(*numbers(5), options={"schedule": {"bulkId": "bulk-l"}})
    answer = await send(client, body)
    other = await send(client, alim_body(*numbers(2, 300)))
    await settle(gateway)
    first = await pull(client, bulkId="bulk-l", limit=2)
    second = await pull(client, bulkId="bulk-l", limit=2)
    third = await pull(client, bulkId="bulk-l", limit=2)
    assert [len(first), len(second), len(third)] == [2, 2, 1]
    assert sorted(ids(first + second + third)) == sorted(ids(answer["messages"]))
    assert all(r["bulkId"] == "bulk-l" for r in first + second + third)
    assert sorted(ids(await pull(client))) == sorted(ids(other["messages"]))


async def test_reports_are_pullable_for_48_hours(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    old = await send(client, alim_body(DELIVERED))
    await settle(gateway)
    await step(clock, gateway, 47 * HOUR)
    recent = await send(client, alim_body(DELIVERED))
    await settle(gateway)
    await step(clock, gateway, 2 * HOUR)
    assert ids(await pull(client)) == ids(recent["messages"])
    assert old["messages"][0]["messageId"] not in ids(await pull(client))


async def test_concurrent_pulls_never_hand_out_a_report_twice(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    answer = await send(client, alim_body(*numbers(50)))
    await settle(gateway)
    batches = await asyncio.gather(*(pull(client, limit=7) for _ in range(10)))
    handed = [m for batch in batches for m in ids(batch)]
    assert len(handed) == len(set(handed)), "a report was handed out twice"
    assert sorted(handed) == sorted(ids(answer["messages"]))
    assert await pull(client) == []


async def test_concurrent_filtered_and_unfiltered_pulls(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    a = await send(client, alim_body(*numbers(30), options={"schedule": {"bulkId": "bulk-c"}}))
    b = await send(client, alim_body(*numbers(30, 300)))
    await settle(gateway)
    calls = [pull(client, limit=5, bulkId="bulk-c") if i % 2 else pull(client, limit=5) for i in range(16)]
    batches = await asyncio.gather(*calls)
    handed = [m for batch in batches for m in ids(batch)]
    handed += ids(await pull(client, limit=1000))
    assert len(handed) == len(set(handed)), "a report was handed out twice"
    assert sorted(handed) == sorted(ids(a["messages"]) + ids(b["messages"]))
    for i, batch in enumerate(batches):
        if i % 2:
            assert all(r["bulkId"] == "bulk-c" for r in batch)
