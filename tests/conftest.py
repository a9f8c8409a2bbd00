"""Fixtures: a gateway on a real database (SQLite, or PostgreSQL when KAKAO_GATEWAY_TEST_DATABASE_URL says so),
driven by a fake clock, with an HTTP client for its API and a webhook receiver for its pushes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.store.migrate import upgrade

from .smpp_server import TestSmsc

API_KEY = "0123456789abcdef0123456789abcdef-00000000-0000-4000-8000-000000000001"
ADMIN_KEY = "fedcba9876543210fedcba9876543210-00000000-0000-4000-8000-000000000002"
START_MS = 1_795_924_800_000  # 2026-11-29T04:00:00Z, a Sunday (13:00 in Korea)
PG_URL = os.environ.get("KAKAO_GATEWAY_TEST_DATABASE_URL")


@dataclass
class Receiver:
    """A webhook endpoint: records every request; answers with `status` (change it to fail and recover)."""

    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.requests.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
            return Response(status_code=self.status)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])

    def json_results(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in self.requests:
            if r["headers"].get("content-type", "").startswith("application/json"):
                out.extend(json.loads(r["body"])["results"])
        return out


_pg_migrated = False


@pytest.fixture
async def database_url(tmp_path: Path) -> str:
    if PG_URL:
        await _reset_postgres(PG_URL)
        return PG_URL
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    return url


async def _reset_postgres(url: str) -> None:
    global _pg_migrated
    if not _pg_migrated:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
        await asyncio.to_thread(upgrade, url)
        _pg_migrated = True
    conn = await asyncpg.connect(url)
    try:
        # Every table the migrations made, read from the catalogue, so a new table cannot leak state between tests.
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        tables = ", ".join(f'"{r["tablename"]}"' for r in rows)
        if tables:
            await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_MS)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, engine=False)


@contextlib.asynccontextmanager
async def started_gateway(settings: Settings, clock: ManualClock, receiver: Receiver) -> AsyncIterator[Gateway]:
    """A started gateway on the fake clock whose webhooks go to `receiver`; stopped on exit."""
    gw = Gateway(settings, clock=clock, webhook_transport=httpx.ASGITransport(app=receiver.app()))
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


@pytest.fixture
async def gateway(settings: Settings, clock: ManualClock, receiver: Receiver) -> AsyncIterator[Gateway]:
    async with started_gateway(settings, clock, receiver) as gw:
        yield gw


def api_client(gateway: Gateway, key: str = API_KEY) -> httpx.AsyncClient:
    """An HTTP client of the gateway's API (in process), holding `key`."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)),
        base_url="http://gateway.test",
        headers={"Authorization": f"App {key}"},
    )


@pytest.fixture
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(gateway) as c:
        yield c


@pytest.fixture
async def admin(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same gateway holding the operator key."""
    async with api_client(gateway, ADMIN_KEY) as c:
        yield c


@pytest.fixture
async def smsc() -> AsyncIterator[TestSmsc]:
    """smpp34's SMSC on 127.0.0.1 (tests/smpp_server.py), binding esme1 / secret."""
    server = TestSmsc(password="secret")
    await server.start()
    yield server
    await server.stop()
