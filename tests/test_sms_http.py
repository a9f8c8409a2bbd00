"""The Infobip-compatible HTTP SMS connector against a fake Infobip SMS API on a real socket (tests/fake_infobip_sms.py,
which validates every send against spec/infobip-sms-openapi.json), and the webhook its delivery reports come to."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors import registry
from kakao_gateway.connectors.base import LateResult, Submission, SubmitResult
from kakao_gateway.connectors.infobip.sms import InfobipSmsConnector, connect, retry_after_ms
from kakao_gateway.connectors.infobip.sms_config import report_token
from kakao_gateway.connectors.upstreams import UpstreamDeps, UpstreamError, parse_upstream, sms_route
from kakao_gateway.domain.sms import SmsText, sms_text
from kakao_gateway.store.sql import Execute, Fetch, Op

from .conftest import API_KEY, START_MS, Receiver, api_client, started_gateway
from .fake_infobip_sms import FakeInfobipSms, serving, spec_problems
from .helpers import alim_body, pull, register_basics, send, settle
from .spec import SMS_SPEC_PATH, assert_api_error, assert_matches

KEY = "fake-infobip-key"
PUBLIC_URL = "http://gateway.test"
KOREAN = "[카카오] 주문하신 상품이 발송되었습니다. 감사합니다."
LONG_KOREAN = "안녕하세요. " * 20  # 140 bytes in EUC-KR: an LMS
ACCEPTED = SubmitResult("accepted", wait_ms=48 * 3_600_000)  # waits for its report, never resent meanwhile


def _sms_spec() -> dict[str, Any]:
    return json.loads(SMS_SPEC_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeInfobipSms]:
    async with serving(FakeInfobipSms(clock, api_key=KEY)) as server:
        yield server
    assert server.spec_errors == []


def upstream_url(fake: FakeInfobipSms, query: str = "") -> str:
    return f"infobip-sms+http://{KEY}@{fake.base_url}{query}"


@pytest.fixture
async def conn(fake: FakeInfobipSms, clock: ManualClock) -> AsyncIterator[InfobipSmsConnector]:
    async with connected(fake, clock) as c:
        yield c


@dataclasses.dataclass
class _Connected:
    connector: InfobipSmsConnector

    async def __aenter__(self) -> InfobipSmsConnector:
        await self.connector.start()
        return self.connector

    async def __aexit__(self, *exc: object) -> None:
        await self.connector.close()


def connected(fake: FakeInfobipSms, clock: ManualClock, query: str = "?timeout=0.5&poll_after=30") -> _Connected:
    url = upstream_url(fake, query)
    return _Connected(connect(parse_upstream(url), UpstreamDeps(clock, sms_route(url), PUBLIC_URL)))


def sms(seq: int, to: str = "821012345678", text: str = KOREAN, title: str | None = None, **more: Any) -> Submission:
    content = sms_text(text, title)
    assert isinstance(content, SmsText)
    fields: dict[str, Any] = {
        "seq": seq,
        "account_id": "account",
        "message_id": f"message-{seq}",
        "channel": "SMS",
        "route": "SMS:infobip-sms+http:127.0.0.1:x",
        "sender": "0212345678",
        "destination": to,
        "content": content.to_content(),
        "attempt": 1,
        "first_attempt_at": START_MS,
        "hop": 1,
    }
    fields.update(more)
    return Submission(**fields)


def sent_messages(fake: FakeInfobipSms) -> list[dict[str, Any]]:
    return [m for body in fake.sends for m in body["messages"]]


def sends(fake: FakeInfobipSms) -> int:
    return sum(1 for path, _ in fake.requests if path == "/sms/3/messages")


# --- URLs --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "infobip-sms://api.example.com",  # no key
        "infobip-sms://SECRETKEY@api.example.com?timeout=0",
        "infobip-sms://SECRET:KEY@api.example.com",
        "infobip-sms://SECRETKEY@api.example.com?timeout=inf",
        "infobip-sms://SECRETKEY@api.example.com?poll_after=soon",
        "infobip-sms://SECRETKEY@api.example.com?speed=3",
        "smpp://SECRETKEY@api.example.com",
    ],
)
def test_unusable_urls_are_refused_without_the_key(url: str, clock: ManualClock) -> None:
    with pytest.raises(UpstreamError) as raised:
        connect(parse_upstream(url), UpstreamDeps(clock, sms_route(url), PUBLIC_URL))
    assert "SECRET" not in str(raised.value)


def test_the_report_secret_is_stable_and_depends_on_key_and_route() -> None:
    assert report_token("key", "route") == report_token("key", "route")
    assert len({report_token("key", "route"), report_token("key2", "route"), report_token("key", "route2")}) == 3
    assert "key" not in report_token("key", "route")


async def test_https_upstream_sends_to_https_with_the_key(clock: ManualClock) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"messages": [{"messageId": "message-1"}]})

    url = "infobip-sms://SECRET@api.example.com"
    c = connect(parse_upstream(url), UpstreamDeps(clock, sms_route(url), PUBLIC_URL, httpx.MockTransport(answer)))
    try:
        assert await c.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    finally:
        await c.close()
    assert str(seen[0].url) == "https://api.example.com/sms/3/messages"
    assert seen[0].headers["authorization"] == "App SECRET"
    assert c.health()["upstream"] == "infobip-sms://api.example.com"


# --- sending -----------------------------------------------------------------------------------------------------


async def test_a_batch_is_one_spec_valid_request_with_korean_text_and_lms_title_intact(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    batch = [sms(1), sms(2, "821099998888", LONG_KOREAN), sms(3, text=KOREAN, title="배송 안내")]
    assert await conn.submit(batch, clock.now_ms()) == [ACCEPTED] * 3
    assert sends(fake) == 1
    first, long, titled = sent_messages(fake)
    token = report_token(KEY, conn.route)
    assert first == {
        "sender": "0212345678",
        "destinations": [{"to": "821012345678", "messageId": "message-1"}],
        "content": {"text": KOREAN},
        "webhooks": {
            "delivery": {"url": f"{PUBLIC_URL}/upstream/1/sms/reports/{token}"},
            "contentType": "application/json",
            "callbackData": '{"seq":1,"hop":1}',
        },
    }
    assert long["content"]["text"] == LONG_KOREAN and "options" not in long
    assert titled["content"]["text"] == KOREAN
    assert titled["options"] == {"regional": {"southKorea": {"title": "배송 안내"}}}
    assert conn.health() == {"ok": True, "upstream": f"infobip-sms+http://{fake.base_url}", "waiting": 3}


def test_the_fake_finds_what_the_spec_forbids() -> None:
    """The fake's strict validation catches a misplaced or misspelt property, not only a missing one."""
    good = {"messages": [{"destinations": [{"to": "8210"}], "content": {"text": "hi"}}]}
    assert spec_problems(good, "SmsRequestEnvelope", strict=True) == []
    bad = {"messages": [{"destinations": [{"to": "8210"}], "content": {"text": "hi"}, "title": "x"}]}
    assert [p for p, _ in spec_problems(bad, "SmsRequestEnvelope", strict=True)] == ["messages[0]"]
    misplaced = {"messages": [{"destinations": [{"to": "8210"}], "content": {"text": "hi", "title": "x"}}]}
    assert spec_problems(misplaced, "SmsRequestEnvelope", strict=True) != []


def test_the_fake_takes_every_example_of_the_spec() -> None:
    """Its strictness is the spec's: Infobip's own request examples all pass."""
    examples = _sms_spec()["paths"]["/sms/3/messages"]["post"]["requestBody"]["content"]["application/json"]
    for name, example in examples["examples"].items():
        assert spec_problems(example["value"], "SmsRequestEnvelope", strict=True) == [], name


async def test_a_message_rejected_in_the_answer_is_final_the_others_accepted(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    fake.rejected_to = {"821000000666"}
    results = await conn.submit([sms(1), sms(2, "821000000666")], clock.now_ms())
    assert results == [ACCEPTED, SubmitResult("final", "REJECTED_DESTINATION_BLOCKLISTED", "EC_PROVIDER_DR_ERROR")]


async def test_400_fails_the_messages_it_names_and_sends_the_others_again(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.invalid_to = {"821000000666"}
    results = await conn.submit([sms(1), sms(2, "821000000666"), sms(3)], clock.now_ms())
    rejected = SubmitResult("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
    assert results == [ACCEPTED, rejected, ACCEPTED]
    assert sends(fake) == 2
    assert [m["destinations"][0]["messageId"] for m in fake.sends[-1]["messages"]] == ["message-1", "message-3"]
    assert "messages[1].destinations[0].to: invalid destination" in caplog.text


async def test_400_naming_no_message_fails_the_whole_batch(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    fake.script["/sms/3/messages"] = [(400, {})]
    rejected = SubmitResult("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
    assert await conn.submit([sms(1), sms(2)], clock.now_ms()) == [rejected, rejected]
    assert sends(fake) == 1


async def test_401_is_temporary_and_unhealthy_until_the_upstream_takes_the_key(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    fake.api_key = "another key"
    assert await conn.submit([sms(1)], clock.now_ms()) == [
        SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")
    ]
    health = conn.health()
    assert health["ok"] is False
    assert "refused the API key (HTTP 401)" in health["error"]
    assert KEY not in str(health)
    fake.api_key = KEY
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    assert conn.health()["ok"] is True


async def test_429_waits_for_retry_after_before_any_request(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    fake.script["/sms/3/messages"] = [(429, {"Retry-After": "30"})]
    throttled = [SubmitResult("temporary", error="EC_TOO_MANY_REQUESTS")]
    assert await conn.submit([sms(1)], clock.now_ms()) == throttled
    clock.advance(29.999)
    assert await conn.submit([sms(1)], clock.now_ms()) == throttled
    assert sends(fake) == 1
    clock.advance(0.001)
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    assert [t - START_MS for path, t in fake.requests] == [0, 30_000]


@pytest.mark.parametrize(
    ("header", "wait_ms"),
    [(None, 1000), ("0", 0), ("7", 7000), ("Sun, 29 Nov 2026 04:00:05 GMT", 5000), ("soon", 1000), ("99999", 600_000)],
)
def test_retry_after_forms(header: str | None, wait_ms: int) -> None:
    assert retry_after_ms(header, START_MS) == wait_ms


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_temporary(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock, status: int
) -> None:
    fake.script["/sms/3/messages"] = [(status, {})]
    assert (
        await conn.submit([sms(1), sms(2)], clock.now_ms())
        == [SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")] * 2
    )
    assert conn.health()["ok"] is True
    assert await conn.submit([sms(1), sms(2)], clock.now_ms()) == [ACCEPTED] * 2


async def test_no_answer_in_time_is_temporary(fake: FakeInfobipSms, clock: ManualClock) -> None:
    fake.hang = True
    async with connected(fake, clock, "?timeout=0.2") as c:
        assert await c.submit([sms(1)], clock.now_ms()) == [SubmitResult("temporary", error="EC_PROVIDER_TIMEOUT")]
        assert c.health()["lastError"] == "no answer within 0.2 s"


async def test_no_server_is_temporary(clock: ManualClock) -> None:
    url = "infobip-sms+http://KEY@127.0.0.1:9"  # discard: nothing listens
    c = connect(parse_upstream(url), UpstreamDeps(clock, sms_route(url), PUBLIC_URL))
    try:
        assert await c.submit([sms(1)], clock.now_ms()) == [
            SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")
        ]
    finally:
        await c.close()


async def test_a_resend_of_a_waiting_message_is_not_sent_twice(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    clock.advance(60)  # the engine's result timeout sends it again
    assert await conn.submit([sms(1, attempt=2)], clock.now_ms()) == [ACCEPTED]
    assert sends(fake) == 1


async def test_a_resend_after_a_restart_refused_as_duplicate_awaits_the_first(
    fake: FakeInfobipSms, clock: ManualClock
) -> None:
    async with connected(fake, clock) as first:
        assert await first.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    async with connected(fake, clock) as second:
        assert await second.submit([sms(1, attempt=2)], clock.now_ms()) == [ACCEPTED]
        duplicate = SubmitResult("final", "REJECTED_DUPLICATE_MESSAGE_ID", "EC_PROVIDER_DR_ERROR")
        assert await second.submit([sms(2), sms(3, message_id="message-2")], clock.now_ms()) == [
            ACCEPTED,
            duplicate,  # a first attempt refused as duplicate is someone else's id: final
        ]


# --- polling fallback --------------------------------------------------------------------------------------------


async def test_polling_finds_reports_never_pushed_once_each_with_backoff(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sms(1), sms(2)], clock.now_ms()) == [ACCEPTED] * 2
    fake.complete("message-1", "DELIVERED_TO_HANDSET")
    clock.advance(29.999)
    assert await conn.poll_results(clock.now_ms()) == []
    assert sends(fake) == len(fake.requests)  # no poll before poll_after
    clock.advance(0.001)
    assert await conn.poll_results(clock.now_ms()) == [LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]
    assert await conn.poll_results(clock.now_ms()) == []  # the next poll waits
    fake.complete("message-2", "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER")
    fake.complete("message-1", "DELIVERED_TO_HANDSET")  # the upstream repeats itself: handed out once only
    clock.advance(30)
    results = await conn.poll_results(clock.now_ms())
    assert results == [LateResult(2, "final", "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER", 1)]
    assert conn.health()["waiting"] == 0
    assert [t - START_MS for path, t in fake.requests if path == "/sms/3/reports"] == [30_000, 60_000]


async def test_an_empty_poll_backs_off_and_pending_reports_are_ignored(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    polls: list[int] = []
    fake.complete("message-1", "PENDING_ENROUTE")
    for _ in range(12):
        clock.advance(30)
        assert await conn.poll_results(clock.now_ms()) == []
    polls = [(t - START_MS) // 1000 for path, t in fake.requests if path == "/sms/3/reports"]
    assert polls == [30, 90, 210]  # then 240 s more: past the 6 minutes played here
    fake.complete("message-1", "EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED")
    clock.advance(240)
    assert await conn.poll_results(clock.now_ms()) == [
        LateResult(1, "final", "EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED", 1)
    ]


async def test_a_failed_poll_is_tried_again_later(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    fake.script["/sms/3/reports"] = [(503, {})]
    fake.complete("message-1")
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == []
    clock.advance(60)
    assert await conn.poll_results(clock.now_ms()) == [LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]


async def test_a_throttled_poll_waits_for_retry_after(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    fake.script["/sms/3/reports"] = [(429, {"Retry-After": "300"})]
    fake.complete("message-1")
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == []
    clock.advance(299)
    assert await conn.poll_results(clock.now_ms()) == []
    assert await conn.submit([sms(2)], clock.now_ms()) == [SubmitResult("temporary", error="EC_TOO_MANY_REQUESTS")]
    clock.advance(1)
    assert await conn.poll_results(clock.now_ms()) == [LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]
    assert [(t - START_MS) // 1000 for _, t in fake.requests] == [0, 30, 330]


async def test_a_polled_report_without_callback_data_is_matched_by_message_id(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sms(7)], clock.now_ms()) == [ACCEPTED]
    fake.complete("message-7", "REJECTED_DND")
    del fake.pollable["message-7"]["callbackData"]
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == [LateResult(7, "final", "REJECTED_DND", "NO_ERROR", 1)]


async def test_a_report_of_a_message_sent_before_a_restart_is_found_by_polling(
    fake: FakeInfobipSms, clock: ManualClock
) -> None:
    """The process that sent it is gone, and the upstream never pushed its report: the new process sweeps the reports
    endpoint after `poll_after`, then every 10 minutes while it waits for nothing, and the report names its row."""
    async with connected(fake, clock) as before:
        assert await before.submit([sms(1), sms(2)], clock.now_ms()) == [ACCEPTED] * 2
    clock.advance(5)
    async with connected(fake, clock) as after:
        fake.complete("message-1", "DELIVERED_TO_HANDSET")
        clock.advance(29.999)
        assert await after.poll_results(clock.now_ms()) == []
        clock.advance(0.001)
        assert await after.poll_results(clock.now_ms()) == [
            LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)
        ]
        clock.advance(30)
        assert await after.poll_results(clock.now_ms()) == []  # nothing more: idle, the next sweep in 10 minutes
        fake.complete("message-2", "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER")
        for _ in range(19):
            clock.advance(30)
            assert await after.poll_results(clock.now_ms()) == []
        clock.advance(30)
        assert await after.poll_results(clock.now_ms()) == [
            LateResult(2, "final", "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER", 1)
        ]
    polls = [(t - START_MS) // 1000 for path, t in fake.requests if path == "/sms/3/reports"]
    assert polls == [35, 65, 665]  # after poll_after; again after poll_after as it found one; then idle: 10 minutes


async def test_a_message_sent_while_idle_is_polled_after_poll_after_not_the_idle_interval(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == []  # the sweep after start: nothing; the next in 10 minutes
    clock.advance(60)
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    fake.complete("message-1")
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == [LateResult(1, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]
    assert [(t - START_MS) // 1000 for path, t in fake.requests if path == "/sms/3/reports"] == [30, 120]


async def test_a_report_pushed_while_idle_costs_no_poll(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock
) -> None:
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == []  # the sweep after start
    clock.advance(10)
    assert await conn.submit([sms(1)], clock.now_ms()) == [ACCEPTED]
    conn.reported([1])  # its report was pushed to our webhook
    for _ in range(10):
        clock.advance(30)
        assert await conn.poll_results(clock.now_ms()) == []
    assert [(t - START_MS) // 1000 for path, t in fake.requests if path == "/sms/3/reports"] == [30]


async def test_a_refused_sweep_is_logged_and_leaves_the_upstream_healthy(
    fake: FakeInfobipSms, conn: InfobipSmsConnector, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A provider without the reports endpoint, or a key without that product: sends are not affected."""
    fake.script["/sms/3/reports"] = [(404, {}), (403, {})]
    clock.advance(30)
    with caplog.at_level(logging.WARNING):
        assert await conn.poll_results(clock.now_ms()) == []
    assert "sweeping /sms/3/reports answered HTTP 404" in caplog.text
    assert conn.health()["ok"] is True
    clock.advance(599)
    assert await conn.poll_results(clock.now_ms()) == []  # the next sweep in 10 minutes
    clock.advance(1)
    assert await conn.poll_results(clock.now_ms()) == []
    assert conn.health()["ok"] is True
    assert [(t - START_MS) // 1000 for path, t in fake.requests if path == "/sms/3/reports"] == [30, 630]


# --- pushed reports, through the gateway's HTTP app ------------------------------------------------------------


def _seq_of(account_id: str, message_id: str) -> Op[int]:
    rows = yield Fetch("SELECT seq FROM messages WHERE account_id = ? AND message_id = ?", (account_id, message_id))
    return int(rows[0]["seq"])


def _on_route(seq: int, route: str) -> Op[None]:
    yield Execute("UPDATE message_queue SET route = ? WHERE seq = ?", (route, seq))


@dataclasses.dataclass
class Waiting:
    """A message of the gateway whose row awaits a late result, sent through the connector under its own id."""

    message_id: str
    seq: int


@pytest.fixture
async def waiting_gateway(
    settings: Settings, clock: ManualClock, receiver: Receiver, fake: FakeInfobipSms
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector]]:
    """A gateway whose sandbox answers late (rows wait in state `sent`), with the connector among its connectors and
    the fake pushing reports through the gateway's app."""
    slow = dataclasses.replace(settings, sandbox_latency_ms=3_600_000)
    async with started_gateway(slow, clock, receiver) as gw, connected(fake, clock) as c:
        gw.connectors[c.route] = c
        app = create_app(gw)
        fake.push_transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=PUBLIC_URL,
            headers={"Authorization": f"App {slow.api_key}"},
        ) as client:
            yield gw, client, c


async def waiting_messages(
    gw: Gateway, client: httpx.AsyncClient, conn: InfobipSmsConnector, *tos: str
) -> list[Waiting]:
    await register_basics(client)
    answer = await send(client, alim_body(*tos))
    await settle(gw)
    found = []
    for m in answer["messages"]:
        seq = await gw.db.read(_seq_of(gw.default_account_id, m["messageId"]))
        found.append(Waiting(m["messageId"], seq))
        await gw.db.write(_on_route(seq, conn.route))  # as if this upstream had taken the hop: its reports count
    batch = [sms(w.seq, to, message_id=w.message_id, hop=0) for w, to in zip(found, tos, strict=True)]
    assert await conn.submit(batch, gw.clock.now_ms()) == [ACCEPTED] * len(found)
    return found


async def reports(client: httpx.AsyncClient) -> dict[str, tuple[str, str]]:
    return {r["messageId"]: (r["status"]["name"], r["error"]["name"]) for r in await pull(client, limit=1000)}


async def test_a_pushed_report_settles_the_row(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], fake: FakeInfobipSms
) -> None:
    gw, client, conn = waiting_gateway
    delivered, absent = await waiting_messages(gw, client, conn, "821012345678", "821099998888")
    response = await fake.push(
        fake.report(delivered.message_id),
        fake.report(absent.message_id, "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER"),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"received": 2, "settled": 2}
    assert await reports(client) == {
        delivered.message_id: ("DELIVERED_TO_HANDSET", "NO_ERROR"),
        absent.message_id: ("UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER"),
    }
    assert conn.health()["waiting"] == 0  # pushed: nothing left to poll for


async def test_a_report_never_pushed_is_polled_by_the_engine_and_settles_the_row(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], fake: FakeInfobipSms, clock: ManualClock
) -> None:
    gw, client, conn = waiting_gateway
    (w,) = await waiting_messages(gw, client, conn, "821012345678")
    fake.complete(w.message_id, "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER")
    clock.advance(29)
    await settle(gw)
    assert await reports(client) == {}
    clock.advance(1)
    await settle(gw)
    assert await reports(client) == {w.message_id: ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER")}
    assert [path for path, _ in fake.requests] == ["/sms/3/messages", "/sms/3/reports"]


async def test_a_repeated_report_is_recorded_once(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], fake: FakeInfobipSms
) -> None:
    gw, client, conn = waiting_gateway
    (w,) = await waiting_messages(gw, client, conn, "821012345678")
    report = fake.report(w.message_id, "REJECTED_NOT_ENOUGH_CREDITS", "NO_ERROR")
    first = await fake.push(report)
    again = await fake.push(report, fake.report(w.message_id, "DELIVERED_TO_HANDSET"))
    assert (first.json(), again.json()) == ({"received": 1, "settled": 1}, {"received": 2, "settled": 0})
    assert await reports(client) == {w.message_id: ("REJECTED_NOT_ENOUGH_CREDITS", "NO_ERROR")}
    assert await reports(client) == {}


async def test_pending_and_foreign_reports_change_nothing(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], fake: FakeInfobipSms
) -> None:
    gw, client, conn = waiting_gateway
    (w,) = await waiting_messages(gw, client, conn, "821012345678")
    pending = fake.report(w.message_id, "PENDING_ENROUTE")
    foreign = {**fake.report(w.message_id), "callbackData": "not ours"}
    response = await fake.push(pending, foreign)
    assert response.json() == {"received": 2, "settled": 0}
    unknown_group = {**fake.report(w.message_id), "status": {"groupName": "SOMETHING_NEW", "name": "X"}}
    response = await client.post(f"/upstream/1/sms/reports/{conn.report_token}", json={"results": [unknown_group]})
    assert response.json() == {"received": 1, "settled": 0}  # not in the spec's enum: tolerated, ignored
    assert await reports(client) == {}
    assert conn.health()["waiting"] == 1


@pytest.mark.parametrize("token", ["", "x", "wrong-secret-of-the-right-length-0000000", "é"])
async def test_a_report_with_a_wrong_secret_is_401_and_nothing_is_recorded(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], fake: FakeInfobipSms, token: str
) -> None:
    gw, client, conn = waiting_gateway
    (w,) = await waiting_messages(gw, client, conn, "821012345678")
    response = await fake.push(fake.report(w.message_id), url=f"{PUBLIC_URL}/upstream/1/sms/reports/{token}")
    expected = 404 if token == "" else 401
    assert response.status_code == expected
    assert_api_error(response.json())
    assert await reports(client) == {}


async def test_a_report_for_a_secret_of_another_gateways_key_is_401(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], fake: FakeInfobipSms
) -> None:
    gw, client, conn = waiting_gateway
    (w,) = await waiting_messages(gw, client, conn, "821012345678")
    other = report_token("another key", conn.route)
    response = await fake.push(fake.report(w.message_id), url=f"{PUBLIC_URL}/upstream/1/sms/reports/{other}")
    assert response.status_code == 401
    assert await reports(client) == {}


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not json", "application/json", 400),
        (b"[]", "application/json", 400),
        (b'{"results": "x"}', "application/json", 400),
        (b'{"results": [{"messageId": "m"}]}', "application/json", 400),  # no status
        (b'{"results": [{"status": {"groupName": 3}}]}', "application/json", 400),
        (b"", "application/json", 400),
        (b'{"results": []}', "text/plain", 415),
    ],
)
async def test_bad_report_bodies_are_400_never_500(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector],
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    _, client, conn = waiting_gateway
    response = await client.post(
        f"/upstream/1/sms/reports/{conn.report_token}", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status, response.text
    assert_api_error(response.json())


async def test_an_empty_report_body_is_fine(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector],
) -> None:
    _, client, conn = waiting_gateway
    response = await client.post(f"/upstream/1/sms/reports/{conn.report_token}", json={})
    assert (response.status_code, response.json()) == (200, {"received": 0, "settled": 0})


# --- end to end: Alim with smsFailover, through the gateway, this connector and back ---------------------------------

SMS_SENDER = "0215881234"


@pytest.fixture
async def failover_gateway(
    settings: Settings, clock: ManualClock, receiver: Receiver, fake: FakeInfobipSms, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    """A gateway whose SMS upstream (`sms_upstream`) is the fake, reports pushed through the gateway's own app."""
    monkeypatch.setitem(registry.SMS_SCHEMES, "infobip-sms+http", connect)
    configured = dataclasses.replace(
        settings, sms_upstream=upstream_url(fake, "?timeout=2&poll_after=30"), public_url=PUBLIC_URL
    )
    async with started_gateway(configured, clock, receiver) as gw:
        app = create_app(gw)
        fake.push_transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL, headers={"Authorization": f"App {API_KEY}"}
        ) as client:
            yield gw, client
        await gw.connectors[gw.sms_route].close()


async def failover_alim(client: httpx.AsyncClient, to: str, failover: dict[str, Any]) -> str:
    await register_basics(client)
    answer = await send(client, alim_body(to, message={"options": {"smsFailover": {"sender": SMS_SENDER, **failover}}}))
    return str(answer["messages"][0]["messageId"])


async def final_report(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    results = await pull(client, limit=1000)
    assert_matches({"results": results}, "/kakao-alim/1/reports", "get", 200)
    return results


async def test_e2e_not_a_kakao_user_gets_a_korean_lms_through_infobip_and_its_pushed_report_ends_it(
    failover_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipSms
) -> None:
    gw, client = failover_gateway
    title = "배송 안내"
    message_id = await failover_alim(
        client, "821000000002", {"text": LONG_KOREAN, "regional": {"southKorea": {"title": title}}}
    )
    await settle(gw)
    (sent,) = sent_messages(fake)
    assert sent["destinations"] == [{"to": "821000000002", "messageId": message_id}]
    assert (sent["sender"], sent["content"], sent["options"]) == (
        SMS_SENDER,
        {"text": LONG_KOREAN},
        {"regional": {"southKorea": {"title": title}}},
    )
    assert await final_report(client) == []  # waiting for the SMS's report

    response = await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))
    assert response.json() == {"received": 1, "settled": 1}
    await settle(gw)
    (report,) = await final_report(client)
    assert (report["messageId"], report["status"]["name"], report["error"]["name"]) == (
        message_id,
        "DELIVERED_TO_HANDSET",
        "NO_ERROR",
    )
    assert report["channel"] == "SMS"
    assert (report["failover"]["status"]["name"], report["failover"]["error"]["name"]) == (
        "UNDELIVERABLE_NOT_DELIVERED",
        "EC_UNKNOWN_USER",
    )
    await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))  # repeated: nothing more
    await settle(gw)
    assert await final_report(client) == []


async def test_e2e_a_report_never_pushed_is_found_by_polling(
    failover_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipSms, clock: ManualClock
) -> None:
    gw, client = failover_gateway
    message_id = await failover_alim(client, "821000000002", {"text": KOREAN})
    await settle(gw)
    fake.complete(message_id, "UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER")
    clock.advance(30)
    await settle(gw)
    (report,) = await final_report(client)
    assert (report["status"]["name"], report["error"]["name"], report["channel"]) == (
        "UNDELIVERABLE_NOT_DELIVERED",
        "EC_ABSENT_SUBSCRIBER",
        "SMS",
    )
    assert sent_messages(fake)[0]["content"] == {"text": KOREAN}


async def test_e2e_a_report_never_pushed_for_an_sms_sent_before_a_restart_is_found_by_polling(
    settings: Settings, clock: ManualClock, receiver: Receiver, fake: FakeInfobipSms, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker that sent the SMS stops before its report; the upstream never pushes it. The next worker, which
    never sent anything, still finds it by polling and ends the message."""
    monkeypatch.setitem(registry.SMS_SCHEMES, "infobip-sms+http", connect)
    configured = dataclasses.replace(
        settings, sms_upstream=upstream_url(fake, "?timeout=2&poll_after=30"), public_url=PUBLIC_URL
    )
    async with started_gateway(configured, clock, receiver) as before, api_client(before) as client:
        message_id = await failover_alim(client, "821000000002", {"text": KOREAN})
        await settle(before)
        assert len(sent_messages(fake)) == 1
        await before.connectors[before.sms_route].close()
    clock.advance(60)
    async with started_gateway(configured, clock, receiver) as after, api_client(after) as client:
        fake.complete(message_id, "DELIVERED_TO_HANDSET")
        await settle(after)
        assert await final_report(client) == []  # the sweep comes poll_after after the start
        clock.advance(30)
        await settle(after)
        (report,) = await final_report(client)
        await after.connectors[after.sms_route].close()
    assert (report["messageId"], report["status"]["name"], report["channel"]) == (
        message_id,
        "DELIVERED_TO_HANDSET",
        "SMS",
    )
    assert len(sent_messages(fake)) == 1  # never sent again


async def test_reports_of_an_accounts_own_upstream_reach_a_process_that_had_not_built_it(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    """An operator gives an account its own Infobip SMS upstream; an API process that never sent through it still
    takes its pushed reports (it builds the account's upstreams when a report names one it does not know)."""
    url = "infobip-sms+http://ACCOUNT-KEY@127.0.0.1:9"
    response = await admin.put(f"/admin/1/accounts/{gateway.default_account_id}/sms", json={"upstream": url})
    assert response.status_code == 200, response.text
    route = sms_route(url)
    assert route not in gateway.connectors
    token = report_token("ACCOUNT-KEY", route)
    response = await client.post(f"/upstream/1/sms/reports/{token}", json={"results": []})
    assert response.status_code == 200, response.text
    assert route in gateway.connectors


async def test_a_worker_builds_the_accounts_own_upstreams_when_it_starts(
    settings: Settings, clock: ManualClock, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    """So that it sweeps them for reports of messages sent before it started, before any new message needs them."""
    url = "infobip-sms+http://ACCOUNT-KEY@127.0.0.1:9"
    response = await admin.put(f"/admin/1/accounts/{gateway.default_account_id}/sms", json={"upstream": url})
    assert response.status_code == 200, response.text
    worker = Gateway(dataclasses.replace(settings, engine=True), clock=clock)
    await worker.start()
    try:
        assert sms_route(url) in worker.connectors
    finally:
        await worker.stop()


async def test_a_report_can_settle_only_rows_of_its_own_route(
    waiting_gateway: tuple[Gateway, httpx.AsyncClient, InfobipSmsConnector], admin: httpx.AsyncClient
) -> None:
    """The report token proves which upstream speaks, not which rows are its: a report naming a row on another route
    (here a Kakao message of the default account, through another account's own upstream) changes nothing."""
    gw, client, _ = waiting_gateway
    await register_basics(client)
    answer = await send(client, alim_body("821012345678", message={"options": {}}))
    message_id = answer["messages"][0]["messageId"]
    gw.sandbox.latency_ms = 60_000  # the Kakao hop waits for its result: a row a forged report could settle
    await gw.engine.run_until_idle()
    seq = await gw.db.read(_seq_of(gw.default_account_id, message_id))
    other = (await admin.post("/admin/1/accounts", json={"name": "tenant-b"})).json()["id"]
    url = "infobip-sms+http://TENANT-B-KEY@127.0.0.1:9"
    assert (await admin.put(f"/admin/1/accounts/{other}/sms", json={"upstream": url})).status_code == 200
    forged = {
        "messageId": message_id,
        "callbackData": json.dumps({"seq": seq, "hop": 0}),
        "status": {"groupName": "DELIVERED", "name": "DELIVERED_TO_HANDSET"},
    }
    token = report_token("TENANT-B-KEY", sms_route(url))
    response = await client.post(f"/upstream/1/sms/reports/{token}", json={"results": [forged]}, headers={})
    assert response.status_code == 200, response.text
    assert response.json()["settled"] == 0
    assert await reports(client) == {}


async def test_an_accepted_sms_waits_for_its_report_and_is_never_sent_twice(
    failover_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipSms, clock: ManualClock
) -> None:
    """Reports may take minutes: the row waits for its report (pushed or polled) instead of being resent after the
    engine's 60 s result timeout, so a report pushed later still settles it and the handset gets one SMS."""
    gw, client = failover_gateway
    message_id = await failover_alim(client, "821000000002", {"text": KOREAN})
    await settle(gw)
    assert sends(fake) == 1
    clock.advance(61)
    await settle(gw)
    response = await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))
    assert response.json()["settled"] == 1
    clock.advance(30 * 60)
    await settle(gw)
    assert sends(fake) == 1
    (report,) = await final_report(client)
    assert (report["status"]["name"], report["channel"]) == ("DELIVERED_TO_HANDSET", "SMS")
