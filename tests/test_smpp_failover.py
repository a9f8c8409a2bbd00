"""SMS failover end to end over SMPP: our API -> engine -> SMPP connector -> smpp34's SMSC -> receipt -> report.

The SMSC is smpp34's server (tests/smpp_server.py), on 127.0.0.1. Network I/O is real, so these tests wait for it
(bounded); time in the gateway is the fake clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.upstreams import sms_route

from .conftest import Receiver, api_client, started_gateway
from .helpers import alim_body, register_basics, send
from .smpp_server import TestSmsc, free_port
from .test_engine import pull_all, run_for
from .test_smpp import text_of
from .test_sms_failover import DELIVERED, LAPSED, NOT_A_USER, assert_failover
from .tools import missing

KOREAN = "[주문] 홍길동님, 주문하신 상품 1234가 발송되었습니다."


@pytest.fixture
async def smpp_gateway(
    settings: Settings, clock: ManualClock, receiver: Receiver, smsc: TestSmsc
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    url = f"smpp://esme1:secret@127.0.0.1:{smsc.port}?reconnect_min=0.05&reconnect_max=0.2&bind_timeout=2"
    async with started_gateway(dataclasses.replace(settings, sms_upstream=url), clock, receiver) as gw:
        await gw.start_connectors()
        connector = gw.connectors[sms_route(url)]
        assert await connector.wait_bound(5), connector.health()  # type: ignore[attr-defined]
        async with api_client(gw) as client:
            yield gw, client


async def until(gateway: Gateway, condition: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Run the engine until `condition` holds, letting real network I/O happen in between (bounded)."""
    async with asyncio.timeout(timeout):
        while True:
            await gateway.engine.run_until_idle()
            if await condition():
                return
            await asyncio.sleep(0.02)


async def test_a_failover_sms_goes_over_smpp_and_its_receipt_ends_the_message(
    smpp_gateway: tuple[Gateway, httpx.AsyncClient], smsc: TestSmsc
) -> None:
    gateway, client = smpp_gateway
    await register_basics(client)
    body = alim_body("821000000002", message={"options": {"smsFailover": {"text": KOREAN, "sender": "0215881234"}}})
    message_id = (await send(client, body))["messages"][0]["messageId"]
    await until(gateway, lambda: _true(len(smsc.accepted) == 1))
    (submit,) = smsc.submits
    assert (submit.source_addr, submit.destination_addr) == ("0215881234", "821000000002")
    assert text_of(submit) == KOREAN  # Korean intact, in UCS-2
    reports: dict[str, dict[str, object]] = {}

    async def reported() -> bool:
        reports.update(await pull_all(client))
        return message_id in reports

    assert not await reported()  # accepted by the SMSC: waiting for the receipt
    await smsc.send_receipt(smsc.accepted[0])
    await until(gateway, reported)
    assert_failover(reports[message_id], DELIVERED, NOT_A_USER)  # type: ignore[arg-type]


async def test_a_receipt_that_never_comes_expires_the_sms_hop_without_a_second_sms(
    smpp_gateway: tuple[Gateway, httpx.AsyncClient], smsc: TestSmsc, clock: ManualClock
) -> None:
    """The SMSC accepts and never sends a receipt: the engine waits for it (no resend, which would reach the
    handset twice) until the SMS hop's validity ends, then the message expires (4101)."""
    gateway, client = smpp_gateway
    await register_basics(client)
    failover = {"text": "Your order shipped", "sender": "0215881234", "validityPeriod": {"amount": 10}}
    body = alim_body("821000000002", message={"options": {"smsFailover": failover}})
    message_id = (await send(client, body))["messages"][0]["messageId"]
    await until(gateway, lambda: _true(len(smsc.accepted) == 1))
    await run_for(gateway, clock, 30 * 60, step=60)
    report = (await pull_all(client))[message_id]
    assert_failover(report, LAPSED, NOT_A_USER)
    assert len(smsc.submits) == 1


async def _true(value: bool) -> bool:
    return value


# --- npm's smpp server: a second SMSC no one here wrote ------------------------------------------------------------

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture
async def npm_smsc() -> AsyncIterator[tuple[int, asyncio.subprocess.Process, list[dict[str, Any]]]]:
    """npm's `smpp` server (tests/node/smpp_server.js), installed by scripts/test.sh with `npm ci`."""
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "smpp").is_dir():
        missing("node, or npm's smpp package (npm ci --prefix tests/node), is not installed")
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        "node", str(NODE_DIR / "smpp_server.js"), str(port), "esme1", "secret", stdout=asyncio.subprocess.PIPE
    )
    events: list[dict[str, Any]] = []
    assert proc.stdout is not None
    async with asyncio.timeout(10):
        first = json.loads(await proc.stdout.readline())
    assert first["event"] == "listening", first

    async def read(stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            events.append(json.loads(line))

    reader = asyncio.create_task(read(proc.stdout))
    yield port, proc, events
    proc.terminate()
    await proc.wait()
    reader.cancel()


async def test_a_failover_sms_through_npms_smpp_server(
    settings: Settings,
    clock: ManualClock,
    receiver: Receiver,
    npm_smsc: tuple[int, asyncio.subprocess.Process, list[dict[str, Any]]],
) -> None:
    port, _, events = npm_smsc
    url = f"smpp://esme1:secret@127.0.0.1:{port}?reconnect_min=0.05&reconnect_max=0.2&bind_timeout=2"
    async with started_gateway(dataclasses.replace(settings, sms_upstream=url), clock, receiver) as gw:
        await gw.start_connectors()
        connector = gw.connectors[sms_route(url)]
        assert await connector.wait_bound(5), connector.health()  # type: ignore[attr-defined]
        async with api_client(gw) as client:
            await register_basics(client)
            failover = {"text": KOREAN, "sender": "0215881234"}
            body = alim_body("821000000002", message={"options": {"smsFailover": failover}})
            message_id = (await send(client, body))["messages"][0]["messageId"]
            reports: dict[str, dict[str, Any]] = {}

            async def reported() -> bool:
                reports.update(await pull_all(client))
                return message_id in reports

            await until(gw, reported)
    assert_failover(reports[message_id], DELIVERED, NOT_A_USER)
    (submit,) = [e for e in events if e["event"] == "submit_sm"]
    assert (submit["source"], submit["destination"], submit["data_coding"]) == ("0215881234", "821000000002", 8)
    assert submit["text"] == KOREAN


async def test_a_receipt_that_reaches_another_workers_bind_still_ends_its_message(
    settings: Settings, clock: ManualClock, receiver: Receiver, smsc: TestSmsc
) -> None:
    """Two workers bound to one SMSC: the SMSC delivers the receipt on the other worker's bind. That worker does not
    know the SMSC id, so it finds the message by the id stored on its row (also what happens after a restart)."""
    url = (
        f"smpp://esme1:secret@127.0.0.1:{smsc.port}?reconnect_min=0.05&reconnect_max=0.2&bind_timeout=2&receipt_hold=1"
    )
    with_smpp = dataclasses.replace(settings, sms_upstream=url)
    async with started_gateway(with_smpp, clock, receiver) as first, api_client(first) as client:
        await first.start_connectors()
        assert await first.connectors[sms_route(url)].wait_bound(5)  # type: ignore[attr-defined]
        await register_basics(client)
        failover = {"text": KOREAN, "sender": "0215881234"}
        body = alim_body("821000000002", message={"options": {"smsFailover": failover}})
        message_id = (await send(client, body))["messages"][0]["messageId"]
        await until(first, lambda: _true(len(smsc.accepted) == 1))
        async with started_gateway(with_smpp, clock, receiver) as second:
            await second.start_connectors()
            assert await second.connectors[sms_route(url)].wait_bound(5)  # type: ignore[attr-defined]
            # The second worker may see its bind_resp before the server has registered its bind: wait for the server,
            # or the receipt goes to the first worker's bind and only the first worker (not run again) could end it.
            await smsc.wait_for(lambda: len(smsc.esmes) == 2)
            await smsc.send_receipt(smsc.accepted[0])  # on the newest bind: the second worker's
            reports: dict[str, dict[str, Any]] = {}

            async def reported() -> bool:
                clock.advance(1)  # past the second worker's receipt_hold: it gives the receipt to the engine
                await second.engine.run_until_idle()
                reports.update(await pull_all(client))
                return message_id in reports

            await until(second, reported)
    assert_failover(reports[message_id], DELIVERED, NOT_A_USER)
    assert len(smsc.submits) == 1
