"""PostgreSQL: a worker process wakes on LISTEN/NOTIFY when another process accepts work, not at its next poll."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.engine.settings import EngineSettings

from .conftest import API_KEY, PG_URL, Receiver
from .helpers import alim_body, register_basics, send

pytestmark = pytest.mark.skipif(not PG_URL, reason="LISTEN/NOTIFY is PostgreSQL's")


async def test_a_worker_is_woken_by_a_send_accepted_elsewhere(
    settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    """The worker polls only every 60 s; a message accepted by an API-only process is delivered within seconds."""
    worker = Gateway(dataclasses.replace(settings, engine=True), clock=clock)
    worker.engine.settings = EngineSettings(poll_interval_s=60, maintenance_interval_s=60)
    api = Gateway(settings, clock=clock)  # engine off: an API-only process
    await api.start()
    await worker.start()
    try:
        await asyncio.sleep(0.5)  # the worker's duties ran once and now sleep for their poll interval
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(api)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {API_KEY}"},
        ) as client:
            await register_basics(client)
            answer = await send(client, alim_body("821000000001"))
            message_id = answer["messages"][0]["messageId"]
            for _ in range(100):
                logs = (await client.get("/kakao-alim/1/logs", params={"messageId": message_id})).json()["results"]
                if logs and logs[0]["status"]["groupName"] == "DELIVERED":
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the worker was not woken: the message waits for its 60 s poll")
    finally:
        await worker.stop()
        await api.stop()
