"""The HTTP server of `serve`: uvicorn with httptools, with bounds on what a client may hold.

uvicorn's httptools protocol has no limit on the size of a request's line and headers and no deadline for them, so
one client can hold the process's memory (a 60 MB header line is buffered whole) or its connections (requests that
never finish their headers stay open). `LimitedHttpToolsProtocol` adds three bounds, at the cost of a few
comparisons per chunk read (no timer at all for a request that arrives in one read):

- the request line and headers of each request: at most `max_header_bytes`, else `431 Request Header Fields Too
  Large` and the connection is closed;
- the time to receive them, from a connection's opening or a request's first byte: `header_timeout_s`, else the
  connection is closed (an idle keep-alive connection is closed by uvicorn's own `timeout_keep_alive`);
- open connections: beyond `max_connections`, a new one is answered `503 Service Unavailable` and closed.

A refusal is a lingering close: the answer, then the end of our side, then for at most `LINGER_S` what the client
still sends is read and dropped (not parsed, not kept), so that the client reads the answer instead of a reset.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .config import Settings
from .logs import redact_access_log


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 65536
    header_timeout_s: float = 10.0
    max_connections: int = 1000


def _answer(status: str, text: str) -> bytes:
    body = text.encode()
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


TOO_LARGE = _answer("431 Request Header Fields Too Large", "Request Header Fields Too Large")
TOO_MANY = _answer("503 Service Unavailable", "Too many connections")
LINGER_S = 1.0


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the bounds of `limits` (see the module's docstring)."""

    limits: ClassVar[Limits] = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes: int | None = 0  # bytes of the current request's line and headers; None once complete
        self._header_started = 0.0
        self._header_timer: asyncio.TimerHandle | None = None
        self._headers_completed = 0  # requests on this connection whose headers were received
        self._refused = False  # answered and lingering: what comes in is dropped
        self._linger: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            self.transport = transport
            self._refuse(TOO_MANY)
            return
        super().connection_made(transport)
        self._header_started = self.loop.time()
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        if self._linger is not None:
            self._linger.cancel()
        if self.flow is None:  # refused at once: uvicorn's side never started
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._header_bytes is None:  # the body of a request whose headers are in
            super().data_received(data)
            return
        room = self.limits.max_header_bytes - self._header_bytes
        if len(data) <= room:
            self._header_bytes += len(data)
            super().data_received(data)
        else:  # feed what fits: the headers may end inside it, and what follows is the body
            completed = self._headers_completed
            self._header_bytes += room
            super().data_received(data[:room])
            if self.transport.is_closing():
                return
            if self._headers_completed == completed:
                self._too_large()
                return
            super().data_received(data[room:])
        if self._header_bytes is not None and self._header_timer is None and not self.transport.is_closing():
            self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_bytes is None:  # a request after a finished one on this connection
            self._header_bytes = 0
            self._header_started = self.loop.time()

    def on_headers_complete(self) -> None:
        self._header_bytes = None
        self._headers_completed += 1
        self._cancel_header_timer()
        super().on_headers_complete()

    def _too_large(self) -> None:
        self.logger.warning("Request line and headers over %d bytes: answered 431.", self.limits.max_header_bytes)
        self._cancel_header_timer()
        self._refuse(TOO_LARGE)

    def _refuse(self, answer: bytes) -> None:
        self._refused = True
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._linger = self.loop.call_later(LINGER_S, self.transport.close)
        else:  # TLS: no half-close
            self.transport.close()

    def _arm_header_timer(self) -> None:
        left = self._header_started + self.limits.header_timeout_s - self.loop.time()
        self._header_timer = self.loop.call_later(max(left, 0.0), self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self._header_bytes is not None and not self.transport.is_closing():
            self.logger.debug("Request headers not in within %g s: connection closed.", self.limits.header_timeout_s)
            self.transport.close()


def protocol_class(limits: Limits) -> type[LimitedHttpToolsProtocol]:
    """A protocol class with these limits (uvicorn makes its protocols from a class, without arguments of ours)."""
    return type("GatewayHttpProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})


def limits_of(settings: Settings) -> Limits:
    return Limits(settings.max_header_bytes, settings.header_timeout_s, settings.max_connections)


def server_config(asgi: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration of the gateway's HTTP server: httptools with the limits of `settings`, our logging
    (run `configure_logging` first), access lines only at debug level and without upstream webhook secrets."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "http": protocol_class(limits_of(settings)),
        "log_level": settings.log_level,
        "log_config": None,  # our logging configuration (text or JSON) holds for uvicorn's loggers too
        "lifespan": "on",
        "access_log": settings.log_level == "debug",  # one log line per request costs 8-20 % of throughput
    }
    options.update(overrides)
    redact_access_log()
    return uvicorn.Config(asgi, **options)


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, for `uvicorn.Server.run(sockets=...)`: binding first lets the caller say
    that the port is taken before it does anything else (OSError, errno EADDRINUSE)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family, backlog=2048)
