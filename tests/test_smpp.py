"""The SMPP connector against a real SMPP server no one here wrote: smpp34's Server (see tests/smpp_server.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import smpp34

from kakao_gateway.clock import ManualClock
from kakao_gateway.connectors.base import LateResult, Submission, SubmitResult
from kakao_gateway.connectors.smpp.config import parse_config
from kakao_gateway.connectors.smpp.connector import CANNOT_ENCODE, NO_MESSAGE_ID, SmppConnector, connect
from kakao_gateway.connectors.smpp.message import decode_text
from kakao_gateway.connectors.smpp.receipts import Correlator, normalize_id, parse_receipt
from kakao_gateway.connectors.smpp.results import receipt_outcome, submit_result
from kakao_gateway.connectors.upstreams import UpstreamDeps, UpstreamError, parse_upstream
from kakao_gateway.domain.sms import SmsText, sms_text
from kakao_gateway.domain.status import ERRORS, STATUSES

from .smpp_server import TestSmsc, free_port, receipt_text

START_MS = 1_795_924_800_000
KOREAN = "[카카오] 안녕하세요, 홍길동님! 주문하신 상품이 발송되었습니다. ￦12,000 (결제 완료) ※ 韓國 ★"
# accepted, and the engine waits receipt_wait (72 h by default, within the hop's validity) for the receipt
ACCEPTED = SubmitResult("accepted", "PENDING_WAITING_DELIVERY", "NO_ERROR", wait_ms=72 * 3600 * 1000)
UNBOUND = SubmitResult("temporary", "PENDING_ENROUTE", "EC_PROVIDER_INTERNAL_ERROR")
THROTTLED = SubmitResult("temporary", "PENDING_ENROUTE", "EC_TOO_MANY_REQUESTS")
FAST = {"reconnect_min": "0.05", "reconnect_max": "0.2", "bind_timeout": "2"}

Connect = Callable[..., Awaitable[SmppConnector]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_MS)


@pytest.fixture
async def bind(smsc: TestSmsc, clock: ManualClock) -> AsyncIterator[Connect]:
    """Makes started connectors to the test SMSC (URL options as keywords), and closes them after the test."""
    made: list[SmppConnector] = []

    async def make(*, password: str = "secret", wait: bool = True, **options: str) -> SmppConnector:
        query = "&".join(f"{k}={v}" for k, v in {**FAST, **options}.items())
        url = parse_upstream(f"smpp://esme1:{password}@127.0.0.1:{smsc.port}?{query}")
        connector = connect(url, UpstreamDeps(clock, "SMS:smpp:test", "http://127.0.0.1"))
        made.append(connector)
        await connector.start()
        if wait:
            assert await connector.wait_bound(5), connector.health()
        return connector

    yield make
    for connector in made:
        await connector.close()


def sms(seq: int, text: str = "hello", title: str | None = None, destination: str = "821012345678") -> Submission:
    content = sms_text(text, title)
    assert isinstance(content, SmsText), content
    return Submission(
        seq=seq,
        account_id="acc",
        message_id=f"msg-{seq}",
        channel="SMS",
        route="SMS:smpp:test",
        sender="15881234",
        destination=destination,
        content=content.to_content(),
        attempt=1,
        first_attempt_at=START_MS,
        hop=1,
    )


async def until(condition: Callable[[], bool], timeout: float = 5) -> None:
    """For what only the connector's own task observes: checks every few milliseconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.002)


async def late(connector: SmppConnector, clock: ManualClock, count: int, timeout: float = 5) -> list[LateResult]:
    """Polls until `count` late results came (receipts are read by the connector's own task)."""
    results: list[LateResult] = []
    async with asyncio.timeout(timeout):
        while len(results) < count:
            results += await connector.poll_results(clock.now_ms())
            await asyncio.sleep(0.002)
    return results


def text_of(event: smpp34.SubmitSmEvent) -> str:
    payload = [tlv.value for tlv in event.tlvs if tlv.tag == smpp34.TLV_MESSAGE_PAYLOAD]
    return decode_text(payload[0] if payload else event.short_message, event.data_coding)


# ── the URL ─────────────────────────────────────────────────────────────────


def test_url_defaults_and_options() -> None:
    config = parse_config(parse_upstream("smpp://esme1:pw@smsc.example"))
    assert (config.port, config.window, config.data_coding, config.data_coding_byte) == (2775, 10, "ucs2", 0x08)
    assert (config.source_ton, config.source_npi, config.dest_ton, config.dest_npi) == (0, 0, 1, 1)
    config = parse_config(parse_upstream("smpp://esme1:pw@h:1?data_coding=KSC5601&window=3&max_rate=250&dest_ton=2"))
    assert (config.data_coding_byte, config.window, config.max_rate, config.dest_ton) == (0x0E, 3, 250.0, 2)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smpp://esme1:pw@h?windw=3", "unknown smpp option(s) windw"),
        ("smpp://esme1:pw@h?data_coding=latin1", "data_coding='latin1' must be one of ucs2, ksc5601"),
        ("smpp://esme1:pw@h?window=0", "window='0' must be a whole number from 1 to 1000"),
        ("smpp://esme1:pw@h?max_rate=fast", "max_rate='fast' must be a number"),
        ("smpp://esme1:pw@h?response_timeout=nan", "response_timeout='nan' must be a number"),
        ("smpp://esme1:pw@h?reconnect_min=10&reconnect_max=5", "reconnect_min must not be above reconnect_max"),
        ("smpp://esme1:toolongpassword@h", "password of smpp://h must be ASCII of at most 8"),
        ("smpp://:pw@h", "needs a system_id"),
        ("smpp://esme1:pw@h?system_type=waytoolongtype", "system_type must be ASCII of at most 12"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(UpstreamError) as raised:
        connect(parse_upstream(url), UpstreamDeps(ManualClock(START_MS), "r", ""))
    assert message in str(raised.value)
    assert "toolongpassword" not in str(raised.value)


# ── the mapping, without a server ───────────────────────────────────────────


def test_every_result_names_the_catalogue() -> None:
    results = [submit_result(status) for status in (0, 1, 8, 0x0A, 0x0B, 0x14, 0x45, 0x50, 0x58, 0x64, 0xFF)]
    results += [CANNOT_ENCODE, NO_MESSAGE_ID]
    for stat in ("DELIVRD", "EXPIRED", "UNDELIV", "REJECTD", "DELETED", "UNKNOWN"):
        for err in ("000", "001", "027", "034", "x"):
            outcome = receipt_outcome(stat, err)
            assert outcome is not None
            results.append(SubmitResult("final", *outcome))
    for result in results:
        assert result.status in STATUSES and result.error in ERRORS, result


@pytest.mark.parametrize(
    ("stat", "err", "outcome"),
    [
        ("DELIVRD", "000", ("DELIVERED_TO_HANDSET", "NO_ERROR")),
        ("delivered", "000", ("DELIVERED_TO_HANDSET", "NO_ERROR")),
        ("EXPIRED", "000", ("EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED")),
        ("UNDELIV", "001", ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER")),
        ("UNDELIV", "027", ("UNDELIVERABLE_NOT_DELIVERED", "EC_ABSENT_SUBSCRIBER")),
        ("UNDELIV", "0x5F", ("UNDELIVERABLE_NOT_DELIVERED", "EC_PROVIDER_DR_ERROR")),
        ("REJECTD", "000", ("UNDELIVERABLE_REJECTED_OPERATOR", "EC_PROVIDER_DR_ERROR")),
        ("DELETED", "000", ("UNDELIVERABLE_NOT_DELIVERED", "EC_MESSAGE_CANCELED")),
        ("ENROUTE", "000", None),
        ("ACCEPTD", "000", None),
    ],
)
def test_receipt_states(stat: str, err: str, outcome: tuple[str, str] | None) -> None:
    assert receipt_outcome(stat, err) == outcome


def test_receipt_parsing() -> None:
    text = receipt_text("0000012345", "UNDELIV", "001")
    assert parse_receipt(0x04, text, {}) == parse_receipt(0x04, text, {0x001E: b"12345\0"})
    receipt = parse_receipt(0x04, text, {})
    assert receipt is not None and (receipt.smsc_id, receipt.stat, receipt.err) == ("12345", "UNDELIV", "001")
    assert normalize_id("Ab0C") == normalize_id("aB0c\0") == "ab0c"
    state_wins = parse_receipt(0x04, receipt_text("7", "ENROUTE"), {0x0427: bytes([2])})
    assert state_wins is not None and state_wins.stat == "DELIVRD"
    assert parse_receipt(0x00, b"an MO message, id:9 stat:DELIVRD", {}) is None
    assert parse_receipt(0x04, b"garbage", {}) is None


def plain(results: list[SubmitResult]) -> list[SubmitResult]:
    """Results without the SMSC's id (a fresh one per message, kept on the row: `ref`)."""
    return [dataclasses.replace(r, ref=None) for r in results]


def test_correlator_holds_an_early_receipt_then_hands_it_on_by_its_id() -> None:
    receipts = Correlator(hold_ms=60_000, wait_ms=3_600_000)
    early = parse_receipt(0x04, receipt_text("x1", "DELIVRD"), {})
    assert early is not None
    receipts.receipt(early, START_MS)
    receipts.accepted("X1", seq=5, hop=1, now=START_MS + 59_000)
    assert receipts.take(START_MS + 59_000) == [LateResult(5, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]
    receipts.receipt(early, START_MS)
    # Not submitted here (another worker's bind, or before a restart): the engine finds its row by the SMSC id.
    by_id = LateResult(0, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", ref="x1")
    assert receipts.take(START_MS + 60_000) == [by_id] and receipts.counts()["held_receipts"] == 0
    receipts.accepted("x1", seq=6, hop=1, now=START_MS + 60_000)
    assert receipts.take(START_MS + 60_000) == []  # handed on once: the later response claims nothing


# ── against the server ──────────────────────────────────────────────────────


async def test_success_with_receipt_becomes_a_late_result(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    assert plain(await connector.submit([sms(11)], clock.now_ms())) == [ACCEPTED]
    event = smsc.submits[0]
    assert (event.destination_addr, event.source_addr, event.registered_delivery) == ("821012345678", "15881234", 1)
    assert (event.source_addr_ton, event.source_addr_npi, event.dest_addr_ton, event.dest_addr_npi) == (0, 0, 1, 1)
    assert connector.health()["awaiting_receipts"] == 1
    await smsc.send_receipt("smsc-1", "DELIVRD")
    assert await late(connector, clock, 1) == [LateResult(11, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]
    assert connector.health()["awaiting_receipts"] == 0


async def test_receipt_states_from_text_alone(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    assert (
        plain(await connector.submit([sms(seq, f"text {seq}") for seq in (1, 2, 3)], clock.now_ms())) == [ACCEPTED] * 3
    )
    smsc_id = {text_of(event): given for event, given in zip(smsc.submits, smsc.accepted, strict=True)}
    await smsc.send_receipt(smsc_id["text 1"], "ENROUTE", tlvs=False)  # not final: ignored
    await smsc.send_receipt("smsc-9", "DELIVRD", tlvs=False, esm_class=0)  # an MO, not a receipt: ignored
    await smsc.send_receipt(smsc_id["text 1"], "UNDELIV", "001", tlvs=False)
    await smsc.send_receipt(smsc_id["text 2"], "EXPIRED", tlvs=False)
    await smsc.send_receipt(smsc_id["text 3"], "REJECTD", tlvs=False)
    assert sorted(await late(connector, clock, 3), key=lambda r: r.seq) == [
        LateResult(1, "final", "UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER", 1),
        LateResult(2, "final", "EXPIRED_EXPIRED", "EC_VALIDITY_EXPIRED", 1),
        LateResult(3, "final", "UNDELIVERABLE_REJECTED_OPERATOR", "EC_PROVIDER_DR_ERROR", 1),
    ]
    assert connector.health()["held_receipts"] == 0


@pytest.mark.parametrize(("coding", "byte"), [("ucs2", 0x08), ("ksc5601", 0x0E)])
async def test_korean_text_arrives_intact(
    smsc: TestSmsc, bind: Connect, clock: ManualClock, coding: str, byte: int
) -> None:
    connector = await bind(data_coding=coding)
    short = "안녕하세요 홍길동님"
    assert plain(await connector.submit([sms(1, short)], clock.now_ms())) == [ACCEPTED]
    assert plain(await connector.submit([sms(2, KOREAN)], clock.now_ms())) == [ACCEPTED]
    first, second = smsc.submits
    assert (first.data_coding, second.data_coding) == (byte, byte)
    assert first.short_message == short.encode("utf-16-be" if coding == "ucs2" else "euc_kr")
    assert not first.tlvs
    assert (text_of(first), text_of(second)) == (short, KOREAN)


@pytest.mark.parametrize(("lms_title", "expected"), [("prepend", "공지사항\n"), ("drop", "")])
async def test_long_text_goes_whole_in_message_payload(
    smsc: TestSmsc, bind: Connect, clock: ManualClock, lms_title: str, expected: str
) -> None:
    connector = await bind(lms_title=lms_title)
    text = "가나다라마바사 " * 133 + "끝가!"  # 2,000 bytes in EUC-KR: the longest LMS
    assert len(text.encode("euc_kr")) == 2000
    assert plain(await connector.submit([sms(1, text, title="공지사항")], clock.now_ms())) == [ACCEPTED]
    event = smsc.submits[0]
    assert event.short_message == b"" and event.data_coding == 0x08
    assert [tlv.tag for tlv in event.tlvs] == [smpp34.TLV_MESSAGE_PAYLOAD]
    assert text_of(event) == expected + text


async def test_receipt_before_its_response(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    smsc.policy = lambda event: None  # the test answers
    submitted = asyncio.create_task(connector.submit([sms(7)], clock.now_ms()))
    await smsc.wait_for(lambda: len(smsc.held) == 1)
    await smsc.send_receipt("E-77", "DELIVRD")
    await until(lambda: connector.health()["held_receipts"] == 1)  # read before any response exists
    assert await connector.poll_results(clock.now_ms()) == []
    clock.advance(30)  # within receipt_hold (60 s)
    smsc.answer(smsc.held[0], "E-77")
    assert plain(await submitted) == [ACCEPTED]
    assert await late(connector, clock, 1) == [LateResult(7, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", 1)]
    assert connector.health()["held_receipts"] == 0


async def test_an_unmatched_receipt_is_handed_on_by_its_id_after_its_hold(
    smsc: TestSmsc, bind: Connect, clock: ManualClock
) -> None:
    connector = await bind(receipt_hold="10")
    await smsc.send_receipt("nobody", "DELIVRD")
    await smsc.wait_for(lambda: connector.health()["held_receipts"] == 1)
    clock.advance(10)
    by_id = LateResult(0, "final", "DELIVERED_TO_HANDSET", "NO_ERROR", ref="nobody")
    assert await connector.poll_results(clock.now_ms()) == [by_id]
    assert connector.health()["held_receipts"] == 0


@pytest.mark.parametrize("status", [smpp34.ESME_RTHROTTLED, smpp34.ESME_RMSGQFUL])
async def test_throttling_is_temporary_and_pauses_submits(
    smsc: TestSmsc, bind: Connect, clock: ManualClock, status: int
) -> None:
    connector = await bind(throttle_pause="2")
    smsc.policy = lambda event: status
    assert await connector.submit([sms(1), sms(2)], clock.now_ms()) == [THROTTLED] * 2
    assert connector.health()["throttled_until"] == clock.now_ms() + 2000
    smsc.policy = smsc.accept_all
    assert await connector.submit([sms(3)], clock.now_ms()) == [THROTTLED]
    assert len(smsc.submits) == 2  # paused: the SMSC did not see the third
    clock.advance(2)
    assert plain(await connector.submit([sms(3)], clock.now_ms())) == [ACCEPTED]
    assert connector.health()["throttled_until"] is None


async def test_throttling_again_doubles_the_pause(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind(throttle_pause="1", throttle_pause_max="3")
    smsc.policy = lambda event: smpp34.ESME_RTHROTTLED
    for pause in (1, 2, 3, 3):
        assert await connector.submit([sms(1)], clock.now_ms()) == [THROTTLED]
        assert connector.health()["throttled_until"] == clock.now_ms() + pause * 1000
        clock.advance(pause)
    smsc.policy = smsc.accept_all
    assert plain(await connector.submit([sms(1)], clock.now_ms())) == [ACCEPTED]
    smsc.policy = lambda event: smpp34.ESME_RTHROTTLED
    await connector.submit([sms(1)], clock.now_ms())
    assert connector.health()["throttled_until"] == clock.now_ms() + 1000


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (smpp34.ESME_RINVDSTADR, SubmitResult("final", "REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS")),
        (smpp34.ESME_RINVSRCADR, SubmitResult("final", "REJECTED_SOURCE", "EC_INVALID_SOURCE_ADDRESS")),
        (0x45, SubmitResult("final", "UNDELIVERABLE_REJECTED_OPERATOR", "EC_BAD_REQUEST")),  # ESME_RSUBMITFAIL
        (smpp34.ESME_RSYSERR, UNBOUND),
    ],
)
async def test_other_submit_errors(
    smsc: TestSmsc, bind: Connect, clock: ManualClock, status: int, result: SubmitResult, caplog: Any
) -> None:
    connector = await bind()
    smsc.policy = lambda event: status
    with caplog.at_level(logging.WARNING):
        assert await connector.submit([sms(1)], clock.now_ms()) == [result]
    assert f"command_status 0x{status:08X}" in caplog.text
    assert connector.health()["throttled_until"] is None


async def test_connection_dropped_mid_flight(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    smsc.policy = lambda event: None  # held: in flight when the connection drops
    batch = [sms(seq, f"메시지 {seq}") for seq in (1, 2, 3)]
    submitted = asyncio.create_task(connector.submit(batch, clock.now_ms()))
    await smsc.wait_for(lambda: len(smsc.held) == 3)
    smsc.gate.drop()
    assert await submitted == [UNBOUND] * 3  # nothing lost: the engine sends them again, same messageId
    assert connector.health()["awaiting_receipts"] == 0
    smsc.policy = smsc.accept_all
    await until(lambda: connector.health()["sessions_lost"] == 1)  # the connector saw the session end
    assert await connector.wait_bound(5)  # and bound again
    assert plain(await connector.submit(batch, clock.now_ms())) == [ACCEPTED] * 3
    texts = [text_of(event) for event in smsc.submits]
    assert sorted(texts) == sorted(2 * [f"메시지 {seq}" for seq in (1, 2, 3)])  # each resent once, unaltered
    await smsc.send_receipt(smsc.accepted[-1], "DELIVRD")
    assert (await late(connector, clock, 1))[0].status == "DELIVERED_TO_HANDSET"


async def test_wrong_password(smsc: TestSmsc, bind: Connect, clock: ManualClock, caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        connector = await bind(password="wrong", wait=False, bind_timeout="0.3")
        health = connector.health()
        assert health["ok"] is False and health["bound"] is False
        assert "bind timed out" in health["last_bind_error"] and "password" in health["last_bind_error"]
        assert health["last_bind_error_at"] == clock.now_ms()
        assert "wrong" not in repr(health)
        assert await connector.submit([sms(1), sms(2)], clock.now_ms()) == [UNBOUND] * 2
        await smsc.wait_for(lambda: smsc.gate.refused >= 2)  # it keeps trying, with backoff
    assert "SMPP bind to smpp://127.0.0.1" in caplog.text and "failed" in caplog.text
    assert "wrong" not in caplog.text
    assert smsc.submits == []
    smsc.gate.password = "wrong"  # the SMSC's operator fixes the account: the next attempt binds
    assert await connector.wait_bound(5)
    assert connector.health()["ok"] is True
    assert plain(await connector.submit([sms(1)], clock.now_ms())) == [ACCEPTED]


async def test_nothing_listening(clock: ManualClock) -> None:
    url = parse_upstream(f"smpp://esme1:pw@127.0.0.1:{free_port()}?reconnect_min=5")
    connector = connect(url, UpstreamDeps(clock, "SMS:smpp:test", ""))
    await connector.start()
    try:
        assert "Connection refused" in connector.health()["last_bind_error"]
        assert await connector.submit([sms(1)], clock.now_ms()) == [UNBOUND]
    finally:
        await connector.close()


async def test_the_smsc_unbinds(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    await smsc.wait_for(lambda: len(smsc.esmes) == 1)
    await next(iter(smsc.esmes.values())).unbind()
    await until(lambda: connector.health()["sessions_lost"] == 1)
    assert await connector.wait_bound(5)
    assert plain(await connector.submit([sms(1)], clock.now_ms())) == [ACCEPTED]


async def test_no_receipts_stay_accepted(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    assert plain(await connector.submit([sms(1), sms(2)], clock.now_ms())) == [ACCEPTED] * 2
    for hours in (1, 24, 46):
        clock.advance(hours * 3600)
        assert await connector.poll_results(clock.now_ms()) == []  # the engine's result timeout takes over
    assert connector.health()["awaiting_receipts"] == 2
    clock.advance(3600)  # receipt_wait (72 h) is over: forgotten, and a receipt now would claim nothing
    assert await connector.poll_results(clock.now_ms()) == []
    assert connector.health()["awaiting_receipts"] == 0


async def test_window_bounds_what_is_outstanding(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind(window="3")
    smsc.policy = lambda event: None
    submitted = asyncio.create_task(connector.submit([sms(seq) for seq in range(20)], clock.now_ms()))
    for answered in range(20):
        await smsc.wait_for(lambda n=answered: len(smsc.held) == min(3, 20 - n))
        await asyncio.sleep(0.005)  # room for a fourth PDU to arrive, if the connector sent one
        smsc.answer(smsc.held[0], f"w-{answered}")
    assert plain(await submitted) == [ACCEPTED] * 20
    assert smsc.max_outstanding == 3  # concurrent up to the window, never beyond


async def test_no_response_in_time_is_temporary(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind(response_timeout="0.2")
    smsc.policy = lambda event: None
    assert await connector.submit([sms(1)], clock.now_ms()) == [
        SubmitResult("temporary", "PENDING_ENROUTE", "EC_PROVIDER_TIMEOUT")
    ]
    assert connector.health()["in_flight"] == 0


async def test_max_rate_caps_throughput(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind(max_rate="100")
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert plain(await connector.submit([sms(seq) for seq in range(21)], clock.now_ms())) == [ACCEPTED] * 21
    assert loop.time() - started >= 0.19  # 21 submits at 100/s: 20 gaps of 10 ms


async def test_closed_connector_answers_temporary(smsc: TestSmsc, bind: Connect, clock: ManualClock) -> None:
    connector = await bind()
    await connector.close()
    assert connector.health()["ok"] is False
    assert await connector.submit([sms(1)], clock.now_ms()) == [UNBOUND]
