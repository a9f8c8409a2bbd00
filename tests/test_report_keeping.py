"""Reports whose pushes were exhausted stay pullable for 48 hours after the last push attempt (issue 8, section 5).

Pushes are retried until 48 h after the report was made; the last attempt falls at 41 h 29 min. The report is then
kept for pulling until 48 h after that attempt (89 h 29 min after it was made), and purged after.
"""

from __future__ import annotations

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock

from .conftest import START_MS, Receiver
from .helpers import alim_body, pull, register_basics, send, settle

HOUR_MS = 3600 * 1000
LAST_ATTEMPT_MS = START_MS + 2489 * 60 * 1000  # the 20th and last push attempt: 41 h 29 min after the report
HOOK = {"webhooks": {"delivery": {"url": "http://hooks.test/dlr"}}}


async def exhaust(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> str:
    await register_basics(client)
    receiver.status = 500
    answer = await send(client, alim_body("821000000001", message=HOOK))
    await settle(gateway)
    await gateway.advance_clock(START_MS + 42 * HOUR_MS)
    assert len(receiver.requests) == 20
    message_id: str = answer["messages"][0]["messageId"]
    return message_id


async def test_an_exhausted_report_is_pullable_48_hours_after_the_last_attempt(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    message_id = await exhaust(client, gateway, receiver)
    await gateway.advance_clock(LAST_ATTEMPT_MS + 48 * HOUR_MS - 60_000)  # 89 h after the report was made
    assert [r["messageId"] for r in await pull(client)] == [message_id]


async def test_an_exhausted_report_is_gone_48_hours_after_the_last_attempt(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await exhaust(client, gateway, receiver)
    await gateway.advance_clock(LAST_ATTEMPT_MS + 48 * HOUR_MS + 60_000)
    assert await pull(client) == []


async def test_the_purge_keeps_it_until_then(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    message_id = await exhaust(client, gateway, receiver)
    await gateway.advance_clock(START_MS + 60 * HOUR_MS)  # the purge runs on the way
    await gateway.advance_clock(LAST_ATTEMPT_MS + 48 * HOUR_MS - 60_000)
    assert [r["messageId"] for r in await pull(client)] == [message_id]
