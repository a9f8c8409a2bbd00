"""Short-link infrastructure through the HTTP API: URL domains, the redirect with click recording, sandbox clicks,
click webhooks and statistics. Links are stored directly here; Brand sends will create them (issue 4)."""

from __future__ import annotations

import json

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kakao_gateway.app import Gateway
from kakao_gateway.store import links as store

from .conftest import START_MS, Receiver
from .spec import SMS_SPEC_PATH, assert_api_error
from .test_bulks import other_account

DOMAIN = "127.0.0.1:8000"  # the default public_url of the test gateway


def assert_url_tracking_webhook(body: dict[str, object]) -> None:
    spec = json.loads(SMS_SPEC_PATH.read_text(encoding="utf-8"))
    name = next(n for n in spec["components"]["schemas"] if n.endswith(".UrlTrackingWebhook"))
    registry = Registry().with_resource("urn:sms", Resource.from_contents(spec, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": f"urn:sms#/components/schemas/{name}"}, registry=registry)
    assert not list(validator.iter_errors(body))


async def store_link(gateway: Gateway, code: str, *, track: bool = True, tracking_url: str | None = None) -> None:
    link = store.NewLink(
        code,
        gateway.default_account_id,
        DOMAIN,
        "https://shop.example.com/sale",
        "msg-1",
        "bulk-1",
        "821000000001",
        track,
        tracking_url,
        "cb-1",
        "entity-1",
        None,
        "camp-1",
        START_MS,
    )
    await gateway.db.write(store.add_links([link], START_MS))


async def test_url_domains_crud(client: httpx.AsyncClient) -> None:
    created = await client.post("/kakao/1/url-domains", json={"domain": "Go.Example.com"})
    assert created.status_code == 200, created.text
    assert created.json()["domain"] == "go.example.com"
    again = await client.post("/kakao/1/url-domains", json={"domain": "go.example.com"})
    assert again.status_code == 409
    assert_api_error(again.json())
    bad = await client.post("/kakao/1/url-domains", json={"domain": "not a domain"})
    assert bad.status_code == 400
    listed = await client.get("/kakao/1/url-domains")
    assert [d["domain"] for d in listed.json()["results"]] == ["go.example.com"]
    assert (await client.delete("/kakao/1/url-domains/go.example.com")).status_code == 204
    missing = await client.delete("/kakao/1/url-domains/go.example.com")
    assert missing.status_code == 404
    assert_api_error(missing.json())


async def test_redirect_records_the_click_and_pushes_the_webhook(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await store_link(gateway, "Abc12345", tracking_url="http://hooks.test/clicks")
    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile"
    response = await client.get("/Abc12345", headers={"host": DOMAIN, "user-agent": ua})
    assert response.status_code == 302
    assert response.headers["location"] == "https://shop.example.com/sale"
    await gateway.engine.run_until_idle()
    assert len(receiver.requests) == 1
    event = json.loads(receiver.requests[0]["body"])
    assert_url_tracking_webhook(event)
    assert event["notificationType"] == "CLICKED"
    assert event["recipient"] == "821000000001"
    assert event["messageId"] == "msg-1"
    assert event["callbackData"] == "cb-1"
    assert event["recipientInfo"] == {"deviceType": "Phone", "os": "iOS", "deviceName": "Apple"}
    stats = await client.get("/kakao/1/clicks", params={"bulkId": "bulk-1"})
    assert stats.json()["results"] == [
        {"url": "https://shop.example.com/sale", "shortLinks": 1, "clicks": 1, "uniqueClickers": 1}
    ]


async def test_redirect_on_another_host_or_unknown_code_is_404(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await store_link(gateway, "Abc12345")
    for path, host in (("/Abc12345", "evil.example.com"), ("/Zzz99999", DOMAIN), ("/short", DOMAIN)):
        response = await client.get(path, headers={"host": host})
        assert response.status_code == 404
        assert_api_error(response.json())


async def test_click_webhook_retries_on_the_report_ladder(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await store_link(gateway, "Abc12345", tracking_url="http://hooks.test/clicks")
    receiver.status = 503
    await client.post("/sandbox/1/clicks", json={"shortUrl": f"https://{DOMAIN}/Abc12345"})
    await gateway.advance_clock(START_MS + 60_000)
    assert len(receiver.requests) == 1
    receiver.status = 200
    await gateway.advance_clock(START_MS + 3 * 60_000)  # first retry after 1 min + 1 min x 1^2
    assert len(receiver.requests) == 2
    assert json.loads(receiver.requests[1]["body"])["notificationType"] == "CLICKED"


@pytest.mark.parametrize("track", [False, True])
async def test_sandbox_click_counts_without_tracking(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, track: bool
) -> None:
    await store_link(gateway, "Abc12345", track=track)  # no tracking URL and no CLICK subscription
    response = await client.post("/sandbox/1/clicks", json={"shortUrl": f"{DOMAIN}/Abc12345"})
    assert response.json() == {"url": "https://shop.example.com/sale"}
    await gateway.engine.run_until_idle()
    assert receiver.requests == []
    stats = await client.get("/kakao/1/clicks", params={"messageId": "msg-1"})
    assert stats.json()["results"][0]["clicks"] == 1
    unknown = await client.post("/sandbox/1/clicks", json={"shortUrl": f"{DOMAIN}/Nope0000"})
    assert unknown.status_code == 404


async def test_click_subscription_receives_clicks(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await client.put("/kakao/1/subscriptions", json={"CLICK": {"reportUrl": "http://hooks.test/sub-clicks"}})
    await store_link(gateway, "Abc12345")
    await client.post("/sandbox/1/clicks", json={"shortUrl": f"https://{DOMAIN}/Abc12345"})
    await gateway.engine.run_until_idle()
    assert [r["path"] for r in receiver.requests] == ["/sub-clicks"]


async def test_click_stats_need_a_filter(client: httpx.AsyncClient) -> None:
    response = await client.get("/kakao/1/clicks")
    assert response.status_code == 400
    assert_api_error(response.json())


async def test_sandbox_click_on_another_tenants_link_is_404_and_records_nothing(
    client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    await store_link(gateway, "Abc12345", track=True, tracking_url="http://127.0.0.1:9/clicks")
    async with other_account(gateway, admin) as tenant_b:
        response = await tenant_b.post("/sandbox/1/clicks", json={"shortUrl": f"{DOMAIN}/Abc12345"})
    assert response.status_code == 404, response.text
    assert_api_error(response.json())
    await gateway.engine.run_until_idle()
    assert receiver.requests == []
    stats = await client.get("/kakao/1/clicks", params={"messageId": "msg-1"})
    assert stats.json()["results"][0]["clicks"] == 0
