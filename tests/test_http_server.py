"""The HTTP server's bounds on clients (http_server.py), over raw sockets against a real uvicorn on 127.0.0.1: the
size of a request's line and headers, the time to send them, and the number of open connections."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import httpx
import pytest
import uvicorn

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.http_server import server_config

from .conftest import ADMIN_KEY, API_KEY, START_MS

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Serve = Callable[..., Awaitable[int]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def serve(database_url: str) -> AsyncIterator[Serve]:
    """`await serve(**settings)` starts the gateway on a free port with those settings and returns the port."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(**overrides: object) -> int:
        port = _free_port()
        settings = Settings(
            database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, port=port, log_level="warning"
        )
        settings = replace(settings, **overrides)
        gateway = Gateway(settings, clock=ManualClock(START_MS))
        server = uvicorn.Server(server_config(create_app(gateway), settings, timeout_graceful_shutdown=2))
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        for _ in range(200):
            if server.started:
                return port
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        raise AssertionError("the server did not start")

    try:
        yield start
    finally:
        for server, task in servers:
            server.should_exit = True
            await task


async def _connect(port: int) -> Connection:
    return await asyncio.open_connection("127.0.0.1", port)


async def _answer(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := await asyncio.wait_for(reader.read(65536), timeout):
            received += chunk
    return received


async def _send(writer: asyncio.StreamWriter, data: bytes) -> bool:
    """Whether the server took it all (False: it closed the connection meanwhile)."""
    try:
        writer.write(data)
        await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        return False
    return True


async def _health(port: int) -> int:
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(f"http://127.0.0.1:{port}/health")).status_code


async def test_headers_over_the_limit_are_answered_431_and_the_connection_closed(serve: Serve) -> None:
    port = await serve()
    reader, writer = await _connect(port)
    await _send(writer, b"GET /health HTTP/1.1\r\nHost: gateway\r\nX-Big: ")
    for _ in range(64):  # up to 4 MiB: the server stops reading after 64 KiB
        if not await _send(writer, b"a" * 65536):
            break
    answer = await _answer(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"connection: close" in answer
    assert await _health(port) == 200


async def test_a_long_request_line_is_answered_431(serve: Serve) -> None:
    port = await serve(max_header_bytes=1024)
    reader, writer = await _connect(port)
    await _send(writer, b"GET /health?q=" + b"x" * 2000 + b" HTTP/1.1\r\nHost: gateway\r\n\r\n")
    assert (await _answer(reader)).startswith(b"HTTP/1.1 431 ")
    writer.close()


async def test_headers_just_under_the_limit_and_a_big_body_are_served(serve: Serve) -> None:
    port = await serve(max_header_bytes=2048)
    reader, writer = await _connect(port)
    head = b"GET /health HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\nX-Pad: "
    await _send(writer, head + b"p" * (2048 - len(head) - 4) + b"\r\n\r\n")
    assert (await _answer(reader)).startswith(b"HTTP/1.1 200 ")
    writer.close()
    body = b"[" + b" " * 100_000 + b"]"  # the body follows the headers in one write: it is not counted
    reader, writer = await _connect(port)
    await _send(
        writer,
        b"POST /kakao-alim/1/messages HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\nAuthorization: App "
        + API_KEY.encode()
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body,
    )
    assert (await _answer(reader)).startswith(b"HTTP/1.1 400 ")
    writer.close()


async def test_headers_trickled_past_the_deadline_are_cut_off(serve: Serve) -> None:
    port = await serve(header_timeout_s=0.3)
    reader, writer = await _connect(port)
    await _send(writer, b"GET /health HTTP/1.1\r\nHost: gateway\r\n")
    started = asyncio.get_running_loop().time()
    closed = False
    for _ in range(40):  # one header line every 50 ms: each read is small, the whole never ends
        if not await _send(writer, b"X-Slow: 1\r\n"):
            closed = True
            break
        with contextlib.suppress(TimeoutError):
            if await asyncio.wait_for(reader.read(1), 0.05) == b"":
                closed = True
                break
    elapsed = asyncio.get_running_loop().time() - started
    writer.close()
    assert closed
    assert 0.2 < elapsed < 1.5


async def test_a_connection_that_sends_nothing_is_closed_at_the_deadline(serve: Serve) -> None:
    port = await serve(header_timeout_s=0.3)
    reader, writer = await _connect(port)
    assert await _answer(reader, timeout=2) == b""
    writer.close()


async def test_keep_alive_requests_are_served_and_each_has_its_own_deadline(serve: Serve) -> None:
    port = await serve(header_timeout_s=0.3, max_header_bytes=1024)
    reader, writer = await _connect(port)
    request = b"GET /health HTTP/1.1\r\nHost: gateway\r\nX-Pad: " + b"p" * 900 + b"\r\n\r\n"
    for _ in range(3):  # three requests on one connection, together far over 1 KiB, longer than the deadline
        await _send(writer, request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200 ")
        length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1])
        await reader.readexactly(length)
        await asyncio.sleep(0.2)
    writer.close()


async def test_connections_over_the_cap_are_refused_with_503(serve: Serve) -> None:
    port = await serve(max_connections=3)
    held = [await _connect(port) for _ in range(3)]
    for _, writer in held:
        await _send(writer, b"GET /health HTTP/1.1\r\n")
    reader, writer = await _connect(port)
    assert (await _answer(reader)).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    writer.close()
    held[0][1].close()
    for _ in range(100):  # the server notices the closed connection soon
        reader, writer = await _connect(port)
        await _send(writer, b"GET /health HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        answer = await _answer(reader)
        writer.close()
        if answer.startswith(b"HTTP/1.1 200 "):
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("a connection was refused after one of the held ones closed")
    for _, held_writer in held[1:]:
        held_writer.close()


async def test_health_answers_while_clients_hold_unfinished_big_headers(serve: Serve) -> None:
    port = await serve()
    held = [await _connect(port) for _ in range(8)]
    for _, writer in held:
        await _send(writer, b"GET /health HTTP/1.1\r\nHost: gateway\r\nX-Big: " + b"a" * 60_000)
    assert await _health(port) == 200
    for _, writer in held:
        writer.close()


async def test_the_access_log_hides_upstream_webhook_secrets(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    port = await serve(log_level="debug")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        for path in ("/upstream/1/kakao/reports/", "/upstream/1/sms/reports/", "/upstream/1/kakao/inbound/"):
            assert (await client.post(path + "s3cr3t-token-1", json={"results": []})).status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(lines) == 3, lines
    assert all("/***" in line for line in lines), lines
    assert "s3cr3t" not in caplog.text
