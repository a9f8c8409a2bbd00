"""The Infobip Kakao upstream (infobip://) against a fake Infobip Kakao API on a real socket
(tests/fake_infobip_kakao.py, which validates every send against spec/infobip-kakao-openapi.json, strictly and with
discriminators followed), the webhook its delivery reports come to, and the gateway end to end."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import Result

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import LateResult, Submission, SubmitResult
from kakao_gateway.connectors.infobip.client import InfobipConnector
from kakao_gateway.connectors.infobip.config import report_token
from kakao_gateway.connectors.infobip.kakao import approves_templates_at_once, connect
from kakao_gateway.connectors.registry import build_kakao_connector
from kakao_gateway.connectors.upstreams import UpstreamDeps, UpstreamError, kakao_route, parse_upstream, sms_route

from .conftest import API_KEY, START_MS, Receiver, started_gateway
from .fake_infobip_kakao import ALIM, BRAND, SANGDAM, FakeInfobipKakao, request_ref, spec_problems
from .fake_infobip_sms import serving
from .helpers import SENDER, TEMPLATE_CODE, TEXT, alim_body, register_basics, send, settle
from .spec import assert_api_error, assert_matches, spec
from .test_cli import Server, api_env, one_error, run
from .test_cli import server as serve_demo  # noqa: F401  (a fixture: `serve --demo` on a free port)
from .test_engine import run_for

KEY = "fake-infobip-kakao-key"
PUBLIC_URL = "http://gateway.test"
HOOK_URL = "http://hooks.test/dlr"
ACCEPTED = SubmitResult("accepted", wait_ms=48 * 3_600_000)  # waits for its report, never resent meanwhile
REJECTED = SubmitResult("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
PROVIDER_ERROR = SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")
THROTTLED = SubmitResult("temporary", error="EC_TOO_MANY_REQUESTS")
ALIM_CONTENT = {
    "type": "TEMPLATE",
    "templateCode": TEMPLATE_CODE,
    "text": TEXT,
    "title": "주문 안내",
    "buttons": [{"type": "URL", "name": "주문 보기", "urlMobile": "https://shop.example.com/o/1234"}],
}
BRAND_CONTENT = {
    "type": "TEXT_FREE_FORM",
    "text": "이번 주 특가 안내",
    "buttons": [{"type": "URL", "name": "보러 가기", "urlMobile": "https://shop.example.com/sale"}],
}


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeInfobipKakao]:
    async with serving(FakeInfobipKakao(clock, api_key=KEY)) as server:
        yield server  # type: ignore[misc]
    assert server.spec_errors == []


def upstream_url(fake: FakeInfobipKakao, query: str = "?timeout=0.5&poll_after=30") -> str:
    return f"infobip+http://{KEY}@{fake.base_url}{query}"


@dataclasses.dataclass
class _Connected:
    connector: InfobipConnector

    async def __aenter__(self) -> InfobipConnector:
        await self.connector.start()
        return self.connector

    async def __aexit__(self, *exc: object) -> None:
        await self.connector.close()


def connected(fake: FakeInfobipKakao, clock: ManualClock, query: str = "?timeout=0.5&poll_after=30") -> _Connected:
    url = upstream_url(fake, query)
    return _Connected(connect(parse_upstream(url), UpstreamDeps(clock, kakao_route(url), PUBLIC_URL)))


@pytest.fixture
async def conn(fake: FakeInfobipKakao, clock: ManualClock) -> AsyncIterator[InfobipConnector]:
    async with connected(fake, clock) as c:
        yield c


def alim(seq: int, to: str = "821012345678", **more: Any) -> Submission:
    fields: dict[str, Any] = {
        "seq": seq,
        "account_id": "account",
        "message_id": f"message-{seq}",
        "channel": "ALIM",
        "route": "KAKAO:infobip+http:127.0.0.1:x",
        "sender": SENDER,
        "destination": to,
        "content": ALIM_CONTENT,
        "attempt": 1,
        "first_attempt_at": START_MS,
    }
    fields.update(more)
    return Submission(**fields)


def brand(seq: int, audience: str | None = "TARGETED_FRIENDS", **more: Any) -> Submission:
    return alim(seq, channel="BRAND", content=BRAND_CONTENT, audience=audience, **more)


def sends(fake: FakeInfobipKakao, path: str = f"{ALIM}/messages") -> int:
    return sum(1 for p, _ in fake.requests if p == path)


def sent_messages(fake: FakeInfobipKakao) -> list[dict[str, Any]]:
    return [m for body in fake.sends for m in body["messages"]]


# --- URLs, registration, the fake's strictness ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "infobip://api.example.com",
        "infobip://SECRET:KEY@api.example.com",
        "infobip://SECRETKEY@api.example.com?timeout=-1",
        "infobip://SECRETKEY@api.example.com?poll_after=never",
        "infobip://SECRETKEY@api.example.com?speed=3",
        "infobip-sms://SECRETKEY@api.example.com",
    ],
)
def test_unusable_urls_are_refused_without_the_key(url: str, clock: ManualClock) -> None:
    with pytest.raises(UpstreamError) as raised:
        connect(parse_upstream(url), UpstreamDeps(clock, kakao_route(url), PUBLIC_URL))
    assert "SECRET" not in str(raised.value)


async def test_both_schemes_are_kakao_upstreams_and_https_sends_with_the_key(clock: ManualClock) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"messages": [{"messageId": "message-1"}]})

    url = "infobip://SECRET@api.example.com"
    c = build_kakao_connector(url, UpstreamDeps(clock, kakao_route(url), PUBLIC_URL, httpx.MockTransport(answer)))
    assert isinstance(c, InfobipConnector)
    try:
        assert await c.submit([alim(1)], clock.now_ms()) == [ACCEPTED]
    finally:
        await c.close()
    assert str(seen[0].url) == "https://api.example.com/kakao-alim/1/messages"
    assert seen[0].headers["authorization"] == "App SECRET"
    assert c.health()["upstream"] == "infobip://api.example.com"
    assert approves_templates_at_once(kakao_route(url))
    assert approves_templates_at_once(kakao_route("infobip+http://K@127.0.0.1:8080"))
    assert not approves_templates_at_once(kakao_route("sandbox"))
    assert not approves_templates_at_once(sms_route("infobip-sms://K@api.example.com"))


def test_the_fake_takes_the_specs_examples_and_finds_what_it_forbids() -> None:
    alim_path = f"{ALIM}/messages"
    for path in (alim_path, f"{BRAND}/messages"):
        examples = spec()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
        for name, example in examples.items():
            problems = spec_problems(example["value"], request_ref(path), strict=True)
            # two of Infobip's own Brand examples break the spec's maxLength; nothing else may be found
            assert all("too long" in v or "Unevaluated" in v for _, v in problems), (name, problems)
            assert len(problems) == 0 or name in (
                "Send a free form item list brand message",
                "Send a carousel free form brand message",
            )
    good = {"messages": [{"sender": "s", "destinations": [{"to": "82"}], "content": ALIM_CONTENT}]}
    assert spec_problems(good, request_ref(alim_path), strict=True) == []
    misspelt_button = orjson.loads(orjson.dumps(good))
    misspelt_button["messages"][0]["content"]["buttons"][0]["urlMobil"] = "x"
    found = spec_problems(misspelt_button, request_ref(alim_path), strict=True)
    assert (
        "messages[0].content.buttons[0]",
        "Unevaluated properties are not allowed ('urlMobil' was unexpected)",
    ) in found
    misplaced = orjson.loads(orjson.dumps(good))
    misplaced["messages"][0]["title"] = "x"
    assert [p for p, _ in spec_problems(misplaced, request_ref(alim_path), strict=True)] == ["messages[0]"]


# --- sending --------------------------------------------------------------------------------------------------------


async def test_a_batch_is_one_spec_valid_request_per_product(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    batch = [alim(1), brand(2), alim(3, "821099998888"), brand(4, audience=None)]
    assert await conn.submit(batch, clock.now_ms()) == [ACCEPTED] * 4
    assert (sends(fake), sends(fake, f"{BRAND}/messages")) == (1, 1)
    first, third, second, fourth = sent_messages(fake)
    token = report_token(KEY, conn.route, "kakao")
    assert first == {
        "sender": SENDER,
        "destinations": [{"to": "821012345678", "messageId": "message-1"}],
        "content": ALIM_CONTENT,
        "webhooks": {
            "delivery": {"url": f"{PUBLIC_URL}/upstream/1/kakao/reports/{token}"},
            "contentType": "application/json",
            "callbackData": '{"seq":1,"hop":0}',
        },
    }
    assert third["destinations"] == [{"to": "821099998888", "messageId": "message-3"}]
    assert (second["content"], second["options"]) == (BRAND_CONTENT, {"targeting": "TARGETED_FRIENDS"})
    assert "options" not in fourth
    assert conn.health() == {"ok": True, "upstream": f"infobip+http://{fake.base_url}", "waiting": 4}


async def test_what_it_cannot_send_is_refused_without_a_request(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    sms_hop = alim(2, channel="SMS", content={"text": "hi", "format": "SMS"}, hop=1)
    assert await conn.submit([sms_hop], clock.now_ms()) == [REJECTED]
    assert fake.requests == []


async def test_a_message_rejected_in_the_answer_is_final(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    fake.rejected_to = {"821000000666"}
    results = await conn.submit([alim(1), alim(2, "821000000666")], clock.now_ms())
    assert results == [ACCEPTED, SubmitResult("final", "REJECTED_DESTINATION_BLOCKLISTED", "EC_PROVIDER_DR_ERROR")]


async def test_400_is_permanent_for_the_messages_it_names_with_the_violation_logged(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.invalid_to = {"821000000666"}
    results = await conn.submit([alim(1), alim(2, "821000000666"), alim(3)], clock.now_ms())
    assert results == [ACCEPTED, REJECTED, ACCEPTED]
    assert [m["destinations"][0]["messageId"] for m in fake.sends[-1]["messages"]] == ["message-1", "message-3"]
    assert "messages[1].destinations[0].to: invalid destination" in caplog.text
    fake.script[f"{ALIM}/messages"] = [(400, {})]
    assert await conn.submit([alim(4), alim(5)], clock.now_ms()) == [REJECTED, REJECTED]


async def test_401_is_temporary_and_the_route_unhealthy_until_the_key_is_taken(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    fake.api_key = "another key"
    assert await conn.submit([alim(1), brand(2)], clock.now_ms()) == [PROVIDER_ERROR] * 2
    health = conn.health()
    assert health["ok"] is False and "refused the API key (HTTP 401)" in health["error"]
    assert KEY not in str(health)
    fake.api_key = KEY
    assert await conn.submit([alim(1)], clock.now_ms()) == [ACCEPTED]
    assert conn.health()["ok"] is True


async def test_403_and_a_wrong_host_are_unhealthy_too(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    fake.script[f"{ALIM}/messages"] = [(403, {}), (404, {})]
    assert await conn.submit([alim(1)], clock.now_ms()) == [PROVIDER_ERROR]
    assert "refused the API key (HTTP 403)" in conn.health()["error"]
    assert await conn.submit([alim(1)], clock.now_ms()) == [PROVIDER_ERROR]
    assert "does not serve the Infobip Kakao API here (HTTP 404)" in conn.health()["error"]


async def test_429_holds_every_request_until_retry_after(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    fake.script[f"{ALIM}/messages"] = [(429, {"Retry-After": "30"})]
    assert await conn.submit([alim(1), brand(2)], clock.now_ms()) == [THROTTLED] * 2  # Brand not even tried
    clock.advance(29.999)
    assert await conn.submit([alim(1), brand(2)], clock.now_ms()) == [THROTTLED] * 2
    clock.advance(0.001)
    assert await conn.submit([alim(1), brand(2)], clock.now_ms()) == [ACCEPTED] * 2
    assert [(p, t - START_MS) for p, t in fake.requests] == [
        (f"{ALIM}/messages", 0),
        (f"{ALIM}/messages", 30_000),
        (f"{BRAND}/messages", 30_000),
    ]


@pytest.mark.parametrize("status", [500, 503])
async def test_5xx_is_temporary(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock, status: int
) -> None:
    fake.script[f"{BRAND}/messages"] = [(status, {})]
    assert await conn.submit([alim(1), brand(2)], clock.now_ms()) == [ACCEPTED, PROVIDER_ERROR]
    assert conn.health()["ok"] is True
    assert await conn.submit([brand(2)], clock.now_ms()) == [ACCEPTED]


async def test_no_answer_in_time_is_temporary(fake: FakeInfobipKakao, clock: ManualClock) -> None:
    fake.hang = True
    async with connected(fake, clock, "?timeout=0.2") as c:
        assert await c.submit([alim(1)], clock.now_ms()) == [SubmitResult("temporary", error="EC_PROVIDER_TIMEOUT")]
        assert c.health()["lastError"] == "no answer within 0.2 s"


async def test_a_crash_between_submit_and_record_never_sends_a_second_id(
    fake: FakeInfobipKakao, clock: ManualClock
) -> None:
    """The process sent, then died before recording it: the engine sends the row again (attempt 2) from a new
    process, under the same messageId; Infobip refuses the duplicate, which is taken as accepted."""
    async with connected(fake, clock) as first:
        assert await first.submit([alim(1)], clock.now_ms()) == [ACCEPTED]
    async with connected(fake, clock) as second:
        assert await second.submit([alim(1, attempt=2)], clock.now_ms()) == [ACCEPTED]
        assert await second.submit([alim(1, attempt=3)], clock.now_ms()) == [ACCEPTED]  # awaited: not sent again
        duplicate = SubmitResult("final", "REJECTED_DUPLICATE_MESSAGE_ID", "EC_PROVIDER_DR_ERROR")
        assert await second.submit([alim(2, message_id="message-1")], clock.now_ms()) == [duplicate]
    ids = [m["destinations"][0]["messageId"] for m in sent_messages(fake)]
    assert ids == ["message-1", "message-1", "message-1"]
    assert sends(fake) == 3 and set(fake.sent) == {"message-1"}


# --- polling fallback ----------------------------------------------------------------------------------------------


async def test_each_products_reports_are_polled_when_none_was_pushed(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    assert await conn.submit([alim(1), brand(2)], clock.now_ms()) == [ACCEPTED] * 2
    fake.complete("message-1", "DELIVERED_TO_HANDSET")
    fake.complete("message-2", "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER")
    clock.advance(29.999)
    assert await conn.poll_results(clock.now_ms()) == []
    clock.advance(0.001)
    assert await conn.poll_results(clock.now_ms()) == [
        LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 0),
        LateResult(2, "final", "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER", 0),
    ]
    assert conn.health()["waiting"] == 0
    polls = [(p, t - START_MS) for p, t in fake.requests if p.endswith("/reports")]
    # Sangdam's too: every endpoint is swept after start, for reports of messages sent before it
    assert polls == [(f"{ALIM}/reports", 30_000), (f"{BRAND}/reports", 30_000), (f"{SANGDAM}/reports", 30_000)]


async def test_a_provider_that_never_reports_is_polled_with_backoff(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    assert await conn.submit([alim(1)], clock.now_ms()) == [ACCEPTED]
    fake.complete("message-1", "PENDING_ENROUTE")  # never final
    for _ in range(12):
        clock.advance(30)
        assert await conn.poll_results(clock.now_ms()) == []
    polls = [(t - START_MS) // 1000 for p, t in fake.requests if p == f"{ALIM}/reports"]
    assert polls == [30, 90, 210]
    assert conn.health()["waiting"] == 1


async def test_a_throttled_poll_waits_for_retry_after(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    assert await conn.submit([alim(1)], clock.now_ms()) == [ACCEPTED]
    fake.script[f"{ALIM}/reports"] = [(429, {"Retry-After": "300"})]
    fake.complete("message-1")
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == []
    clock.advance(299)
    assert await conn.poll_results(clock.now_ms()) == []
    clock.advance(1)
    assert await conn.poll_results(clock.now_ms()) == [LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 0)]


# --- the gateway: templates, the report webhook, end to end ---------------------------------------------------------


@pytest.fixture
async def infobip_gateway(
    settings: Settings, clock: ManualClock, receiver: Receiver, fake: FakeInfobipKakao
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    """A gateway whose Kakao upstream (`kakao_upstream`) is the fake, reports pushed through the gateway's own app."""
    configured = dataclasses.replace(
        settings, kakao_upstream=upstream_url(fake), public_url=PUBLIC_URL, webhook_allow_private=True
    )
    async with started_gateway(configured, clock, receiver) as gw:
        await gw.start_connectors()
        app = create_app(gw)
        fake.push_transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL, headers={"Authorization": f"App {API_KEY}"}
        ) as client:
            yield gw, client


def connector_of(gw: Gateway) -> InfobipConnector:
    c = gw.connectors[gw.kakao_route]
    assert isinstance(c, InfobipConnector)
    return c


async def logged(client: httpx.AsyncClient, message_id: str) -> dict[str, Any]:
    response = await client.get("/kakao-alim/1/logs", params={"messageId": message_id})
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return result  # type: ignore[no-any-return]


async def test_templates_are_approved_at_once_and_the_text_still_checked_at_accept(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient],
) -> None:
    _, client = infobip_gateway
    await register_basics(client)
    template = (await client.get(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER})).json()
    assert template["status"] == "APPROVED"
    answer = await send(client, alim_body("821012345678", text="Something the template does not say"))
    assert answer["messages"][0]["status"]["groupName"] == "REJECTED"


async def test_the_sandbox_still_inspects_templates(client: httpx.AsyncClient, settings: Settings) -> None:
    await register_basics(client)
    template = (await client.get(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER})).json()
    assert (template["status"] == "APPROVED") == (settings.template_approval_delay_s == 0)


async def test_e2e_api_engine_infobip_report_back_and_the_clients_webhook(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao, receiver: Receiver
) -> None:
    gw, client = infobip_gateway
    await register_basics(client)
    body = alim_body("821012345678", message={"webhooks": {"delivery": {"url": HOOK_URL}, "callbackData": "mine"}})
    message_id = (await send(client, body))["messages"][0]["messageId"]
    await settle(gw)
    (sent,) = sent_messages(fake)
    assert sent["destinations"] == [{"to": "821012345678", "messageId": message_id}]
    assert sent["content"] == {"type": "TEMPLATE", "templateCode": TEMPLATE_CODE, "text": TEXT}
    assert (await logged(client, message_id))["status"]["groupName"] == "PENDING"
    assert receiver.requests == []

    response = await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))
    assert (response.status_code, response.json()) == (200, {"received": 1, "settled": 1})
    await settle(gw)
    (report,) = receiver.json_results()
    assert_matches({"results": [report]}, f"{ALIM}/reports", "get", 200)
    assert (report["messageId"], report["status"]["name"], report["error"]["name"], report["callbackData"]) == (
        message_id,
        "DELIVERED_TO_HANDSET",
        "NO_ERROR",
        "mine",
    )
    assert connector_of(gw).health()["waiting"] == 0
    await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))  # repeated: nothing more
    await settle(gw)
    assert len(receiver.json_results()) == 1


async def test_e2e_a_report_never_pushed_is_polled(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao, clock: ManualClock
) -> None:
    gw, client = infobip_gateway
    await register_basics(client)
    message_id = (await send(client, alim_body("821012345678")))["messages"][0]["messageId"]
    await settle(gw)
    fake.complete(message_id, "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
    clock.advance(30)
    await settle(gw)
    result = await logged(client, message_id)
    assert (result["status"]["name"], result["error"]["name"]) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")


async def test_e2e_a_provider_that_never_reports_ends_at_validity_with_one_send(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao, clock: ManualClock
) -> None:
    """Accepted and never reported (nor pollable): the engine's result timeouts send the row again, which the
    connector answers from memory (no second request), until the validity ends it."""
    gw, client = infobip_gateway
    await register_basics(client)
    body = alim_body("821012345678", message={"options": {"validityPeriod": {"amount": 10, "timeUnit": "MINUTES"}}})
    message_id = (await send(client, body))["messages"][0]["messageId"]
    await run_for(gw, clock, 15 * 60, step=60)
    result = await logged(client, message_id)
    assert result["status"]["groupName"] == "EXPIRED"
    assert sends(fake) == 1
    assert sum(1 for p, _ in fake.requests if p == f"{ALIM}/reports") >= 2


async def test_e2e_401_shows_on_ready_and_messages_wait(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao
) -> None:
    gw, client = infobip_gateway
    await register_basics(client)
    fake.api_key = "revoked"
    message_id = (await send(client, alim_body("821012345678")))["messages"][0]["messageId"]
    await settle(gw)
    ready = await client.get("/ready")
    connectors = ready.json()["checks"]["connectors"]
    assert connectors["degraded"] == [gw.kakao_route]  # shown, while the gateway stays up for the other routes
    assert connectors["upstreams"][gw.kakao_route]["ok"] is False
    assert "refused the API key (HTTP 401)" in connectors["upstreams"][gw.kakao_route]["error"]
    assert KEY not in ready.text
    assert (await logged(client, message_id))["status"]["groupName"] == "PENDING"


@pytest.mark.parametrize("token", ["x", "wrong-secret-of-the-right-length-0000000"])
async def test_a_report_with_a_wrong_secret_is_401(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], token: str
) -> None:
    _, client = infobip_gateway
    response = await client.post(f"/upstream/1/kakao/reports/{token}", json={"results": []})
    assert response.status_code == 401
    assert_api_error(response.json())


async def test_a_kakao_secret_is_no_good_on_the_sms_path(infobip_gateway: tuple[Gateway, httpx.AsyncClient]) -> None:
    gw, client = infobip_gateway
    token = connector_of(gw).report_token
    assert (await client.post(f"/upstream/1/kakao/reports/{token}", json={"results": []})).status_code == 200
    assert (await client.post(f"/upstream/1/sms/reports/{token}", json={"results": []})).status_code == 401


async def test_an_accounts_own_infobip_upstream_approves_its_templates_and_takes_its_reports(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    url = "infobip+http://ACCOUNT-KEY@127.0.0.1:9"
    response = await admin.put(f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": url})
    assert response.status_code == 200, response.text
    await register_basics(client)
    template = (await client.get(f"/kakao-alim/1/templates/{TEMPLATE_CODE}", params={"sender": SENDER})).json()
    assert template["status"] == "APPROVED"
    token = report_token("ACCOUNT-KEY", kakao_route(url), "kakao")
    response = await client.post(f"/upstream/1/kakao/reports/{token}", json={"results": []})
    assert response.status_code == 200, response.text
    assert kakao_route(url) in gateway.connectors


# --- `kakao-gateway upstream check`, against a running gateway (`serve --demo`: the sandbox upstream) ---------------

DEMO_TEXT = "Hello Jimin, your order 1234 has shipped."


@pytest.fixture
def demo(request: pytest.FixtureRequest) -> Server:
    """The running gateway of test_cli's module-scoped `server` fixture, imported here as `serve_demo`."""
    found: Server = request.getfixturevalue("serve_demo")
    return found


def _check(server: Server, *args: str) -> Result:
    base = ["upstream", "check", "--sender", "DEMO-SENDER", "--template", "DEMO_ORDER", "--interval", "0.1"]
    return run(*base, *args, env=api_env(server))


def test_upstream_check_follows_one_message_to_delivered(demo: Server) -> None:
    result = _check(demo, "--to", "821012345678", "--text", DEMO_TEXT)
    assert result.exit_code == 0, result.output
    assert "accepted:" in result.stdout
    assert "final:     DELIVERED DELIVERED_TO_HANDSET" in result.stdout


def test_upstream_check_fails_on_an_undelivered_message(demo: Server) -> None:
    result = _check(demo, "--to", "821000000002", "--text", DEMO_TEXT)
    assert result.exit_code == 1, result.output
    assert "final:     UNDELIVERABLE UNDELIVERABLE_NOT_DELIVERED" in result.stdout
    assert "error:     EC_UNKNOWN_USER" in result.stdout


def test_upstream_check_says_why_the_gateway_refused_it(demo: Server) -> None:
    result = _check(demo, "--to", "821012345678", "--text", "not the template's text")
    assert "the gateway refused the message" in one_error(result, "--template")
