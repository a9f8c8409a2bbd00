"""SMS failover end to end, through the HTTP API, the engine and the sandbox SMSC, with the fake clock.

When the Kakao hop ends undelivered for a reason that concerns the recipient or Kakao (7002, 7003, 4101, 7005,
7008, 7009) and the message has `smsFailover`, it goes on as an SMS under the same messageId, and the one final
report says which channel ended it and how the Kakao hop ended.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.connectors.base import LateResult, Submission, SubmitResult
from kakao_gateway.connectors.registry import SMS_SCHEMES
from kakao_gateway.connectors.sandbox.sms import SandboxSms
from kakao_gateway.connectors.upstreams import SMS_SANDBOX_ROUTE
from kakao_gateway.domain import status as st
from kakao_gateway.domain.times import format_ms, parse_instant

from .conftest import START_MS, Receiver
from .helpers import SENDER, alim_body, register_basics, send, settle
from .sangdam_helpers import delivery_reports, sangdam_body, setup_sender
from .sangdam_helpers import send as sangdam_send
from .spec import assert_matches
from .test_engine import HOOK_URL, pull_all, run_for, state_of

SMS_SENDER = "0215881234"
FAILOVER = {"text": "Your order 1234 has shipped.", "sender": SMS_SENDER}
# A Brand message's SMS is advertising: it carries its labels (tests/test_ad_rules.py)
BRAND_FAILOVER = {"text": "(광고)Test shop Winter sale\n무료수신거부 080-123-4567", "sender": SMS_SENDER}
DELIVERED = ("DELIVERED_TO_HANDSET", "NO_ERROR")
NOT_A_USER = ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
BLOCKED = ("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")
LAPSED = ("EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED")
SMS_FAILED = ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER")
CANCELED = ("UNDELIVERABLE_NOT_SENT", "EC_MESSAGE_CANCELED")


class RecordingSms(SandboxSms):
    """The sandbox SMSC, keeping what the engine handed it (to check sender, text, format and destination)."""

    def __init__(self) -> None:
        self.seen: list[Submission] = []

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        self.seen.extend(batch)
        return await super().submit(batch, now)


@pytest.fixture
def sms(gateway: Gateway) -> RecordingSms:
    recording = RecordingSms()
    gateway.connectors[SMS_SANDBOX_ROUTE] = recording
    return recording


def outcome(report: dict[str, Any]) -> tuple[str, str]:
    return report["status"]["name"], report["error"]["name"]


def at(seconds: float) -> str:
    return format_ms(START_MS + round(seconds * 1000))


async def failover_message(
    client: httpx.AsyncClient, to: str, failover: dict[str, Any] | None = None, **options: Any
) -> str:
    opts = {"smsFailover": FAILOVER if failover is None else failover, **options}
    answer = await send(client, alim_body(to, message={"options": opts}))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    return str(answer["messages"][0]["messageId"])


def assert_failover(report: dict[str, Any], final: tuple[str, str], kakao: tuple[str, str]) -> None:
    assert outcome(report) == final, report
    assert report["channel"] == "SMS"
    assert (report["failover"]["status"]["name"], report["failover"]["error"]["name"]) == kakao
    assert report["failover"]["status"] == st.status(kakao[0]).wire()
    assert report["failover"]["error"] == st.error(kakao[1]).wire()


# --- triggers ------------------------------------------------------------------------------------------------------


async def test_not_a_kakao_user_gets_the_sms_under_the_same_message_id(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    await register_basics(client)
    message_id = await failover_message(client, "821000000002")
    await settle(gateway)
    reports = await pull_all(client)
    assert list(reports) == [message_id]  # one final report per message
    report = reports[message_id]
    assert_failover(report, DELIVERED, NOT_A_USER)
    assert report["failover"]["doneAt"] == at(0)
    assert report["to"] == "821000000002"
    assert report["sender"] == SENDER  # the message's Kakao sender, as sent
    (submission,) = sms.seen
    assert submission.message_id == message_id
    assert (submission.channel, submission.sender, submission.destination) == ("SMS", SMS_SENDER, "821000000002")
    assert submission.content == {"text": FAILOVER["text"], "format": "SMS"}
    assert submission.hop == 1
    assert await pull_all(client) == {}


async def test_blocked_the_channel_fails_over(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    message_id = await failover_message(client, "821000000003")
    await settle(gateway)
    assert_failover((await pull_all(client))[message_id], DELIVERED, BLOCKED)


async def test_an_sms_that_fails_reports_the_sms_failure_and_the_kakao_one(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await register_basics(client)
    message_id = await failover_message(client, "821000000009")
    await settle(gateway)
    assert_failover((await pull_all(client))[message_id], SMS_FAILED, NOT_A_USER)


async def test_a_kakao_hop_that_lapses_fails_over_with_its_own_validity_counted_from_then(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sms: RecordingSms
) -> None:
    """821000000005 is never reachable on Kakao: it retries until its 5 minutes lapse (4101), then the SMS hop
    starts with the SMS validity counted from that moment."""
    await register_basics(client)
    message_id = await failover_message(
        client,
        "821000000005",
        {**FAILOVER, "validityPeriod": {"amount": 30, "timeUnit": "MINUTES"}},
        validityPeriod={"amount": 5, "timeUnit": "MINUTES"},
    )
    await settle(gateway)
    await run_for(gateway, clock, 10 * 60)
    report = (await pull_all(client))[message_id]
    assert_failover(report, DELIVERED, LAPSED)
    assert report["sentAt"] == at(0)  # the message's, not its SMS hop's
    kakao_done = parse_instant(report["failover"]["doneAt"])
    assert kakao_done <= START_MS + 5 * 60_000
    assert parse_instant(report["doneAt"]) >= kakao_done
    (submission,) = sms.seen
    assert submission.first_attempt_at >= kakao_done
    row = await state_of(gateway, message_id)
    assert row["hop"] == 1


async def test_a_silent_kakao_upstream_lapses_into_the_sms_hop(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """821000000007's Kakao result never comes: the result timeout retries it until validity ends (4101)."""
    await register_basics(client)
    message_id = await failover_message(client, "821000000007", validityPeriod={"amount": 5, "timeUnit": "MINUTES"})
    await settle(gateway)
    await run_for(gateway, clock, 15 * 60)
    assert_failover((await pull_all(client))[message_id], DELIVERED, LAPSED)


async def test_sms_validity_expires_a_phone_that_stays_off(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """821000000010's phone is off for 10 minutes: an SMS valid for 5 expires (4101 on the SMS hop)."""
    await register_basics(client)
    short = await failover_message(
        client, "821000000010", {**FAILOVER, "validityPeriod": {"amount": 5, "timeUnit": "MINUTES"}}
    )
    await settle(gateway)
    await run_for(gateway, clock, 30 * 60)
    report = (await pull_all(client))[short]
    assert_failover(report, LAPSED, NOT_A_USER)
    assert parse_instant(report["doneAt"]) <= START_MS + 5 * 60_000 + 1_000


async def test_a_phone_off_for_a_while_gets_its_sms_when_it_is_back(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    message_id = await failover_message(client, "821000000010")
    await settle(gateway)
    await run_for(gateway, clock, 30 * 60)
    report = (await pull_all(client))[message_id]
    assert_failover(report, DELIVERED, NOT_A_USER)
    assert parse_instant(report["doneAt"]) >= START_MS + 10 * 60_000


async def test_an_smsc_that_throttles_is_retried(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sms: RecordingSms
) -> None:
    await register_basics(client)
    message_id = await failover_message(client, "821000000011")
    await settle(gateway)
    await run_for(gateway, clock, 5 * 60)
    assert_failover((await pull_all(client))[message_id], DELIVERED, NOT_A_USER)
    assert [s.attempt for s in sms.seen] == [1, 2]


async def test_late_kakao_results_fail_over_too(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """With sandbox latency, Kakao's answer comes after the submit (collected later): the same decision applies."""
    gateway.sandbox.latency_ms = 2_000
    await register_basics(client)
    message_id = await failover_message(client, "821000000002")
    await settle(gateway)
    assert (await state_of(gateway, message_id))["state"] == "sent"
    await run_for(gateway, clock, 10, step=1)
    assert_failover((await pull_all(client))[message_id], DELIVERED, NOT_A_USER)


async def test_a_late_result_for_an_ended_hop_is_ignored(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """A Kakao result arriving after the message moved on to SMS must not settle the SMS hop."""
    from kakao_gateway.store.outcomes import late_outcome, record

    await register_basics(client)
    message_id = await failover_message(client, "821000000010")  # the SMS hop waits for the phone
    await settle(gateway)
    row = await state_of(gateway, message_id)
    assert (row["hop"], row["state"]) == (1, "queued")
    stale = LateResult(row["seq"], "final", *DELIVERED, hop=0)
    route = row["route"]
    outcome_ = late_outcome(route, stale.seq, stale.hop, stale.kind, stale.status, stale.error, clock.now_ms())
    assert (await gateway.db.write(record([outcome_], clock.now_ms()))).changed == 0
    assert (await state_of(gateway, message_id))["state"] == "queued"


# --- non-triggers --------------------------------------------------------------------------------------------------


async def test_delivered_on_kakao_sends_no_sms(client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms) -> None:
    await register_basics(client)
    message_id = await failover_message(client, "821000000001")
    await settle(gateway)
    report = (await pull_all(client))[message_id]
    assert outcome(report) == DELIVERED
    assert report["channel"] == "KAKAO_ALIM"
    assert "failover" not in report
    assert sms.seen == []


async def test_without_sms_failover_nothing_changes(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821000000002"))
    message_id = answer["messages"][0]["messageId"]
    await settle(gateway)
    report = (await pull_all(client))[message_id]
    assert outcome(report) == NOT_A_USER
    assert report["channel"] == "KAKAO_ALIM"
    assert "failover" not in report
    assert sms.seen == []


async def test_what_would_stop_an_sms_too_does_not_fail_over(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    """A bad number, an unknown sender and a duplicate messageId are refused at accept, SMS or not."""
    await register_basics(client)
    opts = {"options": {"smsFailover": FAILOVER}}
    bad_number = await send(client, alim_body("12", message=opts))
    unknown_sender = await send(client, alim_body("821000000002", message={**opts, "sender": "NOBODY"}))
    first = await send(client, alim_body({"to": "821000000002", "messageId": "dup-1"}, message=opts))
    duplicate = await send(client, alim_body({"to": "821000000002", "messageId": "dup-1"}, message=opts))
    assert bad_number["messages"][0]["status"]["name"] == "REJECTED_DESTINATION"
    assert unknown_sender["messages"][0]["status"]["name"] == "REJECTED_SOURCE"
    assert duplicate["messages"][0]["status"]["name"] == "REJECTED_DUPLICATE_MESSAGE_ID"
    await settle(gateway)
    assert [s.message_id for s in sms.seen] == [first["messages"][0]["messageId"]]


# --- policy: windows, pause, cancel ----------------------------------------------------------------------------------


async def test_the_sms_hop_follows_the_delivery_window(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """The window is open 04:00-05:00 UTC on Sundays and Mondays; the Kakao hop lapses at 05:15 (window closed), so
    the SMS waits for Monday 04:00."""
    await register_basics(client)
    window = {"days": ["SUNDAY", "MONDAY"], "from": {"hour": 4, "minute": 0}, "to": {"hour": 5, "minute": 0}}
    message_id = await failover_message(
        client,
        "821000000005",
        validityPeriod={"amount": 75, "timeUnit": "MINUTES"},
        deliveryTimeWindow=window,
    )
    await settle(gateway)
    await run_for(gateway, clock, 23 * 3600, step=600)
    assert await pull_all(client) == {}
    row = await state_of(gateway, message_id)
    assert (row["hop"], row["state"]) == (1, "queued")
    await run_for(gateway, clock, 2 * 3600, step=600)
    report = (await pull_all(client))[message_id]
    assert_failover(report, DELIVERED, LAPSED)
    assert report["doneAt"] == at(24 * 3600)


async def bulk_status(client: httpx.AsyncClient, bulk_id: str) -> dict[str, Any]:
    response = await client.get("/kakao/1/bulks/status", params={"bulkId": bulk_id})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def put_bulk_status(client: httpx.AsyncClient, bulk_id: str, status: str) -> None:
    response = await client.put("/kakao/1/bulks/status", params={"bulkId": bulk_id}, json={"status": status})
    assert response.status_code == 200, response.text


async def test_pause_and_resume_during_the_sms_hop(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821000000010", message={"options": {"smsFailover": FAILOVER}}))
    bulk_id, message_id = answer["bulkId"], answer["messages"][0]["messageId"]
    await settle(gateway)
    await put_bulk_status(client, bulk_id, "PAUSED")
    await run_for(gateway, clock, 60 * 60, step=60)
    assert await pull_all(client) == {}
    assert (await state_of(gateway, message_id))["state"] == "paused"
    await put_bulk_status(client, bulk_id, "PROCESSING")
    await run_for(gateway, clock, 5 * 60)
    assert_failover((await pull_all(client))[message_id], DELIVERED, NOT_A_USER)
    status = await bulk_status(client, bulk_id)
    assert status["failovers"]["total"] == 1
    assert status["failovers"]["deliveredBySms"] == 1
    (reason,) = status["failovers"]["byReason"]
    assert (reason["from"], reason["to"], reason["error"]["name"], reason["count"]) == (
        "KAKAO_ALIM",
        "SMS",
        "EC_UNKNOWN_USER",
        1,
    )


async def test_cancel_during_the_sms_hop(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821000000010", message={"options": {"smsFailover": FAILOVER}}))
    bulk_id, message_id = answer["bulkId"], answer["messages"][0]["messageId"]
    await settle(gateway)
    await put_bulk_status(client, bulk_id, "CANCELED")
    await run_for(gateway, clock, 30 * 60)
    report = (await pull_all(client))[message_id]
    assert_failover(report, CANCELED, NOT_A_USER)


async def test_a_canceled_bulk_does_not_fail_over(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sms: RecordingSms
) -> None:
    """Canceled while its Kakao hop waits for a retry: it ends canceled, no SMS."""
    await register_basics(client)
    answer = await send(client, alim_body("821000000005", message={"options": {"smsFailover": FAILOVER}}))
    await settle(gateway)
    await put_bulk_status(client, answer["bulkId"], "CANCELED")
    await run_for(gateway, clock, 30 * 60)
    report = (await pull_all(client))[answer["messages"][0]["messageId"]]
    assert outcome(report) == CANCELED
    assert report["channel"] == "KAKAO_ALIM"
    assert sms.seen == []


# --- Korean SMS rules at accept --------------------------------------------------------------------------------------


async def test_korean_text_up_to_90_bytes_goes_as_sms_and_longer_as_lms(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    await register_basics(client)
    await failover_message(client, "821000000002", {**FAILOVER, "text": "가" * 45})  # 90 bytes in EUC-KR
    await failover_message(client, "821000000002", {**FAILOVER, "text": "가" * 46})
    titled = {**FAILOVER, "text": "짧은 글", "regional": {"southKorea": {"title": "배송 안내"}}}
    await failover_message(client, "821000000002", titled)
    await settle(gateway)
    assert [s.content for s in sms.seen] == [
        {"text": "가" * 45, "format": "SMS"},
        {"text": "가" * 46, "format": "LMS"},
        {"text": "짧은 글", "format": "LMS", "title": "배송 안내"},
    ]


@pytest.mark.parametrize(
    ("failover", "path"),
    [
        ({"text": "emoji 😀 cannot go"}, "messages[0].options.smsFailover.text"),
        ({"text": "가" * 1001}, "messages[0].options.smsFailover.text"),
        ({"text": ""}, "messages[0].options.smsFailover.text"),
        (
            {"text": "hi", "regional": {"southKorea": {"title": "가" * 21}}},
            "messages[0].options.smsFailover.regional.southKorea.title",
        ),
    ],
)
async def test_what_cannot_go_by_sms_is_a_400_with_its_path(
    client: httpx.AsyncClient, gateway: Gateway, failover: dict[str, Any], path: str
) -> None:
    await register_basics(client)
    body = alim_body("821000000002", message={"options": {"smsFailover": {**failover, "sender": SMS_SENDER}}})
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 400, response.text
    violations = [v["property"] for v in response.json()["violations"]]
    assert path in violations, response.text


async def test_the_account_default_sms_sender(client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms) -> None:
    await register_basics(client)
    no_sender = alim_body("821000000002", message={"options": {"smsFailover": {"text": "hi"}}})
    response = await client.post("/kakao-alim/1/messages", json=no_sender)
    assert response.status_code == 400, response.text
    assert [v["property"] for v in response.json()["violations"]] == ["messages[0].options.smsFailover.sender"]
    response = await client.put("/kakao/1/sms/settings", json={"defaultSender": "15880000"})
    assert response.status_code == 200, response.text
    assert response.json() == {"defaultSender": "15880000", "route": SMS_SANDBOX_ROUTE, "ownUpstream": False}
    await send(client, no_sender)
    await settle(gateway)
    assert [s.sender for s in sms.seen] == ["15880000"]


# --- Brand, reports and logs ---------------------------------------------------------------------------------------


async def test_brand_triggered_failover_reports_add_the_kakao_hop_report(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    response = await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Test channel"})
    assert response.status_code == 200, response.text
    body = {
        "messages": [
            {
                "sender": SENDER,
                "destinations": [{"to": "821000000002"}],
                "content": {"type": "TEXT_FREE_FORM", "text": "Winter sale"},
                "options": {"smsFailover": BRAND_FAILOVER},
                "webhooks": {"delivery": {"url": HOOK_URL, "receiveTriggeredFailoverReports": True}},
            }
        ]
    }
    response = await client.post("/kakao-chingu/1/messages", json=body)
    assert response.status_code == 200, response.text
    message_id = response.json()["messages"][0]["messageId"]
    await settle(gateway)
    results = receiver.json_results()
    assert_matches({"results": results}, "/kakao-chingu/1/reports", "get", 200)
    assert [r["messageId"] for r in results] == [message_id, message_id]
    kakao_end, final = results
    assert (outcome(kakao_end), kakao_end["channel"]) == (NOT_A_USER, "KAKAO_BRAND")
    assert "failover" not in kakao_end
    assert_failover(final, DELIVERED, NOT_A_USER)


async def test_refusals_kakao_would_give_after_the_200_go_straight_to_sms(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    """On Infobip, Kakao rejects a wrong template text (7008) or a targeting the channel may not use (7005) after the
    message was accepted, and the SMS failover runs. Here the same checks run at accept: the message is accepted
    (PENDING) and starts on its SMS hop."""
    await register_basics(client)
    wrong_text = alim_body("821000000001", text="not the template", message={"options": {"smsFailover": FAILOVER}})
    answer = await send(client, wrong_text)
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    template_id = answer["messages"][0]["messageId"]
    brand = {
        "messages": [
            {
                "sender": SENDER,
                "destinations": [{"to": "821000000001"}],
                "content": {"type": "TEXT_FREE_FORM", "text": "Winter sale"},
                "options": {"smsFailover": BRAND_FAILOVER, "targeting": "ALL_CONSENT"},
            }
        ]
    }
    response = await client.post("/kakao-chingu/1/messages", json=brand)
    assert response.status_code == 200, response.text
    assert response.json()["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    targeting_id = response.json()["messages"][0]["messageId"]
    await settle(gateway)
    alim_report = (await pull_all(client))[template_id]
    assert_failover(alim_report, DELIVERED, ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS"))
    response = await client.get("/kakao-chingu/1/reports")
    (brand_report,) = response.json()["results"]
    assert brand_report["messageId"] == targeting_id
    assert_failover(brand_report, DELIVERED, ("UNDELIVERABLE_REJECTED_PLATFORM", "EC_FORBIDDEN_ACCESS"))
    assert sorted(s.message_id for s in sms.seen) == sorted([template_id, targeting_id])


async def test_without_triggered_reports_one_push_per_message(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await register_basics(client)
    body = alim_body(
        "821000000002", message={"options": {"smsFailover": FAILOVER}, "webhooks": {"delivery": {"url": HOOK_URL}}}
    )
    await send(client, body)
    await settle(gateway)
    (report,) = receiver.json_results()
    assert_matches({"results": [report]}, "/kakao-alim/1/reports", "get", 200)
    assert_failover(report, DELIVERED, NOT_A_USER)


async def test_logs_show_both_hops(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    await register_basics(client)
    waiting = await failover_message(client, "821000000010")
    done = await failover_message(client, "821000000002")
    await settle(gateway)
    response = await client.get("/kakao-alim/1/logs")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_matches(body, "/kakao-alim/1/logs", "get", 200)
    by_id = {e["messageId"]: e for e in body["results"]}
    assert by_id[done]["channel"] == "SMS"
    assert by_id[done]["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert by_id[done]["failover"]["error"]["name"] == "EC_UNKNOWN_USER"
    assert by_id[waiting]["channel"] == "SMS"  # on its SMS hop, waiting for the phone
    assert by_id[waiting]["status"]["groupName"] == "PENDING"
    assert by_id[waiting]["failover"]["status"]["name"] == "UNDELIVERABLE_NOT_DELIVERED"


async def test_every_report_names_its_channel(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821000000001"))
    await settle(gateway)
    report = (await pull_all(client))[answer["messages"][0]["messageId"]]
    assert report["channel"] == "KAKAO_ALIM"


# --- upstream per account ------------------------------------------------------------------------------------------


async def test_an_account_with_its_own_sms_upstream(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms, monkeypatch: Any
) -> None:
    """An operator points one account at its own SMS upstream; its SMS hops take that route (built on first use by
    the engine), other accounts keep the server's. The URL holds credentials: no answer shows it."""
    own = RecordingSms()
    built: list[str] = []

    def factory(url: Any, deps: Any) -> RecordingSms:
        built.append(deps.route)
        return own

    monkeypatch.setitem(SMS_SCHEMES, "test-sms", factory)
    account = gateway.default_account_id
    response = await client.put(f"/admin/1/accounts/{account}/sms", json={"upstream": "test-sms://SECRET@sms.test"})
    assert response.status_code in (401, 403), response.text  # an account key cannot
    response = await admin.put(f"/admin/1/accounts/{account}/sms", json={"upstream": "test-sms://SECRET@sms.test"})
    assert response.status_code == 200, response.text
    assert "SECRET" not in response.text
    route = response.json()["route"]
    assert route.startswith("SMS:test-sms:sms.test:") and response.json()["ownUpstream"] is True
    await register_basics(client)
    message_id = await failover_message(client, "821000000002")
    await settle(gateway)
    assert built == [route]
    assert [s.message_id for s in own.seen] == [message_id]
    assert [s.route for s in own.seen] == [route]
    assert sms.seen == []
    assert_failover((await pull_all(client))[message_id], DELIVERED, NOT_A_USER)
    settings = await client.get("/kakao/1/sms/settings")
    assert "SECRET" not in settings.text and settings.json()["route"] == route


@pytest.mark.parametrize(
    "url",
    [
        "carrier-pigeon://x@y",  # no such scheme
        "smpp://smsc.test:2775",  # no system_id
        "smpp://esme:pw@smsc.test:2775?window=0",  # a bad option
        "smpp://esme:pw@[::1",  # cannot be parsed
        "infobip-sms://:@api.test",  # no API key
    ],
)
async def test_an_upstream_that_cannot_be_used_is_refused_when_set(
    admin: httpx.AsyncClient, gateway: Gateway, url: str
) -> None:
    """Checked with the connector's own reading of the URL, so a mistake is a 400 now, not failed messages later."""
    account = gateway.default_account_id
    response = await admin.put(f"/admin/1/accounts/{account}/sms", json={"upstream": url})
    assert response.status_code == 400, response.text
    assert response.json()["violations"][0]["property"] == "upstream"
    assert "pw" not in response.text
    response = await admin.put(f"/admin/1/accounts/{account}/sms", json={"upstream": None})
    assert response.status_code == 200 and response.json()["route"] == SMS_SANDBOX_ROUTE


async def test_a_brand_message_to_someone_who_is_not_a_friend_fails_over(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """A Brand message targeted at friends does not reach 821000000008 (a friend of no channel): SMS instead."""
    response = await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Test channel"})
    assert response.status_code == 200, response.text
    body = {
        "messages": [
            {
                "sender": SENDER,
                "destinations": [{"to": "821000000008"}, {"to": "821000000001"}],
                "content": {"type": "TEXT_FREE_FORM", "text": "Winter sale"},
                "options": {"smsFailover": BRAND_FAILOVER},
            }
        ]
    }
    response = await client.post("/kakao-chingu/1/messages", json=body)
    assert response.status_code == 200, response.text
    stranger, friend = (m["messageId"] for m in response.json()["messages"])
    await settle(gateway)
    response = await client.get("/kakao-chingu/1/reports")
    assert_matches(response.json(), "/kakao-chingu/1/reports", "get", 200)
    reports = {r["messageId"]: r for r in response.json()["results"]}
    assert_failover(reports[stranger], DELIVERED, NOT_A_USER)
    assert (outcome(reports[friend]), reports[friend]["channel"]) == (DELIVERED, "KAKAO_BRAND")
    response = await client.get("/kakao-chingu/1/logs")
    assert_matches(response.json(), "/kakao-chingu/1/logs", "get", 200)


# --- Sangdam: user keys find their phone number through destinationMatching -----------------------------------------


async def test_sangdam_fails_over_to_the_matched_phone_number(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sms: RecordingSms, receiver: Receiver
) -> None:
    """sandbox-blocked blocked the channel (7003): its SMS goes to the number destinationMatching gives it.
    sandbox-unreachable lapses (4101) and fails over too. A key with no match gets no SMS."""
    await setup_sender(client, inbound=False)
    matching = [
        {"initial": "sandbox-blocked", "failover": "821012345678"},
        {"initial": "sandbox-unreachable", "failover": "821087654321"},
    ]
    body = sangdam_body(
        "sandbox-blocked",
        "sandbox-unreachable",
        "unmatched-user",
        options={
            "smsFailover": {**FAILOVER, "destinationMatching": matching},
            "validityPeriod": {"amount": 5, "timeUnit": "MINUTES"},
        },
    )
    answer = await sangdam_send(client, body)
    blocked, unreachable, unmatched = (m["messageId"] for m in answer["messages"])
    await settle(gateway)
    await run_for(gateway, clock, 10 * 60)
    reports = {r["messageId"]: r for r in delivery_reports(receiver)}  # pushed to the account's report URL
    assert_failover(reports[blocked], DELIVERED, BLOCKED)
    assert_failover(reports[unreachable], DELIVERED, LAPSED)
    assert reports[blocked]["to"] == "sandbox-blocked"  # the message's destination, as sent
    assert outcome(reports[unmatched]) == ("UNDELIVERABLE_NOT_DELIVERED", "EC_NO_SESSION")
    assert reports[unmatched]["channel"] == "KAKAO_SANGDAM" and "failover" not in reports[unmatched]
    assert sorted((s.message_id, s.destination) for s in sms.seen) == sorted(
        [(blocked, "821012345678"), (unreachable, "821087654321")]
    )


async def test_sangdam_failover_needs_a_phone_number_in_destination_matching(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await setup_sender(client, inbound=False)
    matching = [{"initial": "sandbox-blocked", "failover": "not-a-number"}]
    body = sangdam_body("sandbox-blocked", options={"smsFailover": {**FAILOVER, "destinationMatching": matching}})
    response = await client.post("/kakao-sangdam/1/messages", json=body)
    assert response.status_code == 400, response.text
    assert [v["property"] for v in response.json()["violations"]] == [
        "messages[0].options.smsFailover.destinationMatching[0].failover"
    ]


async def test_sangdam_failover_without_destination_matching_sends_no_sms(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, sms: RecordingSms, receiver: Receiver
) -> None:
    """A user key is no phone number: without destinationMatching there is nowhere to send the SMS."""
    await setup_sender(client, inbound=False)
    answer = await sangdam_send(client, sangdam_body("sandbox-blocked", options={"smsFailover": FAILOVER}))
    await settle(gateway)
    await run_for(gateway, clock, 60)
    (report,) = delivery_reports(receiver)
    assert report["messageId"] == answer["messages"][0]["messageId"]
    assert (outcome(report), report["channel"]) == (BLOCKED, "KAKAO_SANGDAM")
    assert sms.seen == []
