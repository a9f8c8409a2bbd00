"""Webhook signing (Standard Webhooks) through the public API: secrets are set, generated, rotated and removed with
`/kakao/1/webhook-signing`; every push of an account with a secret is signed; `webhook-id` is stable across the
retries of a push. Signatures are verified with the `standardwebhooks` library, not with our own code."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock

from .conftest import START_MS, Receiver
from .helpers import alim_body, register_basics, send, settle
from .spec import assert_api_error, assert_schema
from .test_auth import create_key, default_account_id
from .test_links import DOMAIN, assert_url_tracking_webhook, store_link

HOOK = "http://hooks.test/dlr"
SECRET_A = "whsec_" + base64.b64encode(b"a" * 32).decode()
SECRET_B = "whsec_" + base64.b64encode(b"b" * 32).decode()
DAY_S = 24 * 3600


async def put_secret(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.put("/kakao/1/webhook-signing", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def push_one(client: httpx.AsyncClient, gateway: Gateway, *destinations: str) -> None:
    await send(
        client, alim_body(*(destinations or ("821000000001",)), message={"webhooks": {"delivery": {"url": HOOK}}})
    )
    await settle(gateway)


def verify(secret: str, request: dict[str, Any]) -> Any:
    return Webhook(secret).verify(request["body"], request["headers"])


async def test_generated_secret_signs_delivery_reports(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    assert (await client.get("/kakao/1/webhook-signing")).json() == {"enabled": False, "secrets": []}
    created = await put_secret(client, {})
    secret = created.pop("secret")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert created["enabled"] is True and created["secrets"][0]["expiresAt"] is None
    shown = (await client.get("/kakao/1/webhook-signing")).json()
    assert shown == created  # the secret itself is shown only once
    assert secret not in json.dumps(shown)

    await push_one(client, gateway, "821000000001", "821000000002")
    (request,) = receiver.requests
    body = verify(secret, request)  # raises unless the signature, id and timestamp verify
    assert_schema(body, "DeliveryReports")  # the Infobip body, unchanged
    assert [r["to"] for r in body["results"]] == ["821000000001", "821000000002"]
    assert request["headers"]["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        verify(SECRET_B, request)


async def test_given_secret_and_bad_secrets(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    answer = await put_secret(client, {"secret": SECRET_A})
    assert "secret" not in answer and answer["enabled"] is True
    for bad in ("not-a-secret", "whsec_***", "whsec_" + base64.b64encode(b"short").decode(), ""):
        response = await client.put("/kakao/1/webhook-signing", json={"secret": bad})
        assert response.status_code == 400, bad
        assert_api_error(response.json())
        assert response.json()["violations"][0]["property"] == "secret"
    unknown = await client.put("/kakao/1/webhook-signing", json={"secrett": SECRET_B})
    assert unknown.status_code == 400
    assert_api_error(unknown.json())
    await push_one(client, gateway)
    verify(SECRET_A, receiver.requests[0])  # still the given secret: the bad ones changed nothing


async def test_rotation_signs_with_both_for_24_hours_then_only_the_new(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await register_basics(client)
    await put_secret(client, {"secret": SECRET_A})
    rotated = await put_secret(client, {"secret": SECRET_B})
    assert [s["expiresAt"] is None for s in rotated["secrets"]] == [True, False]

    await push_one(client, gateway)
    first = receiver.requests[-1]
    assert len(first["headers"]["webhook-signature"].split(" ")) == 2
    verify(SECRET_A, first)
    verify(SECRET_B, first)

    clock.advance(DAY_S - 60)
    await push_one(client, gateway)
    verify(SECRET_A, receiver.requests[-1])  # still within the 24 hours

    clock.advance(61)
    await push_one(client, gateway)
    last = receiver.requests[-1]
    verify(SECRET_B, last)
    with pytest.raises(WebhookVerificationError):
        verify(SECRET_A, last)
    shown = (await client.get("/kakao/1/webhook-signing")).json()
    assert len(shown["secrets"]) == 1 and shown["secrets"][0]["expiresAt"] is None


async def test_delete_turns_signing_off(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await register_basics(client)
    await put_secret(client, {"secret": SECRET_A})
    await put_secret(client, {"secret": SECRET_B})
    response = await client.delete("/kakao/1/webhook-signing")
    assert response.status_code == 204
    assert (await client.get("/kakao/1/webhook-signing")).json() == {"enabled": False, "secrets": []}
    await push_one(client, gateway)
    (request,) = receiver.requests
    assert "webhook-signature" not in request["headers"] and "webhook-timestamp" not in request["headers"]
    assert_schema(json.loads(request["body"]), "DeliveryReports")


async def test_webhook_id_is_stable_across_retries(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    await put_secret(client, {"secret": SECRET_A})
    receiver.status = 500
    await send(client, alim_body("821000000001", "821000000002", message={"webhooks": {"delivery": {"url": HOOK}}}))
    await settle(gateway)
    assert len(receiver.requests) == 1
    receiver.status = 200
    await gateway.advance_clock(START_MS + 3 * 60_000)  # the first retry is due 2 minutes after the failure
    assert len(receiver.requests) == 2
    failed, retried = receiver.requests
    assert failed["headers"]["webhook-id"] == retried["headers"]["webhook-id"]
    assert verify(SECRET_A, failed) == verify(SECRET_A, retried)
    # another push gets another id
    await push_one(client, gateway)
    assert receiver.requests[-1]["headers"]["webhook-id"] != failed["headers"]["webhook-id"]


async def test_click_events_are_signed(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await put_secret(client, {"secret": SECRET_A})
    await store_link(gateway, "Abc12345", tracking_url="http://hooks.test/clicks")
    receiver.status = 503
    await client.post("/sandbox/1/clicks", json={"shortUrl": f"https://{DOMAIN}/Abc12345"})
    await gateway.advance_clock(START_MS + 60_000)
    receiver.status = 200
    await gateway.advance_clock(START_MS + 3 * 60_000)
    failed, retried = receiver.requests
    assert failed["headers"]["webhook-id"] == retried["headers"]["webhook-id"]
    event = verify(SECRET_A, retried)
    assert_url_tracking_webhook(event)
    assert event["notificationType"] == "CLICKED"


async def test_reports_of_accounts_are_never_batched_together(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    """Two accounts subscribing the same URL: each push carries one account's reports, signed with its secret."""
    await register_basics(client)
    await put_secret(client, {"secret": SECRET_A})
    await client.put("/kakao/1/subscriptions", json={"ALIM": {"reportUrl": HOOK}})
    response = await admin.post("/admin/1/accounts", json={"name": "other"})
    other_key = (await create_key(admin, response.json()["id"]))["key"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {other_key}"},
    ) as other:
        await register_basics(other)
        await put_secret(other, {"secret": SECRET_B})
        await other.put("/kakao/1/subscriptions", json={"ALIM": {"reportUrl": HOOK}})
        await send(other, alim_body("821000000002"))
    await send(client, alim_body("821000000001"))
    await settle(gateway)
    by_to = {}
    for request in receiver.requests:
        results = json.loads(request["body"])["results"]
        assert len(results) == 1
        by_to[results[0]["to"]] = request
    verify(SECRET_A, by_to["821000000001"])
    verify(SECRET_B, by_to["821000000002"])
    with pytest.raises(WebhookVerificationError):
        verify(SECRET_A, by_to["821000000002"])


async def test_signing_needs_the_manage_scope(admin: httpx.AsyncClient, gateway: Gateway) -> None:
    key = (await create_key(admin, await default_account_id(admin), ["kakao:logs:read"]))["key"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {key}"},
    ) as logs_only:
        for method in ("GET", "PUT", "DELETE"):
            response = await logs_only.request(method, "/kakao/1/webhook-signing", json={} if method == "PUT" else None)
            assert response.status_code == 403, method
            assert_api_error(response.json())
