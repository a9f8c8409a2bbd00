"""Real-browser fixtures: the gateway served by uvicorn on 127.0.0.1 (in this process, on a free port, with its
engine running; its clock stands still at the suite's START_MS, a Sunday 13:00 in Korea, so Brand's sending hours
and schedules do not depend on when the tests run) and Debian's Chromium driven by Playwright (no browser download).

Browser tests skip, saying why, only where the browser is absent: `apt-get install -y chromium fonts-noto-cjk`
(scripts/test.sh does it when run as root on Debian); in CI they fail instead (tests/tools.py)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings

from .conftest import ADMIN_KEY, API_KEY, START_MS
from .tools import missing

CHROMIUM = os.environ.get("KAKAO_GATEWAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where screenshots go: docs/console/ when refreshing the README's pictures, else the test's temporary folder.
SHOTS = os.environ.get("KAKAO_GATEWAY_CONSOLE_SCREENSHOTS")


@dataclass
class Served:
    url: str
    gateway: Gateway
    api: httpx.AsyncClient  # the API with the default account's key
    admin: httpx.AsyncClient  # the API with the operator key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[Served]:
    port = _free_port()
    settings = Settings(
        database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, host="127.0.0.1", port=port, engine=True
    )
    gateway = Gateway(settings, clock=ManualClock(START_MS))
    config = uvicorn.Config(
        create_app(gateway),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    async with (
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"App {API_KEY}"}) as api,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"App {ADMIN_KEY}"}) as admin,
    ):
        try:
            yield Served(url, gateway, api, admin)
        finally:
            server.should_exit = True
            await task


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(
            f"no Chromium at {CHROMIUM}: install Debian's `chromium` and `fonts-noto-cjk` (scripts/test.sh does so "
            "as root on Debian), or point KAKAO_GATEWAY_CHROMIUM at a Chromium"
        )
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder
