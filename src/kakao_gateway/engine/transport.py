"""The HTTP transport of webhook pushes: it enforces where pushes may go on the address actually connected to.

`GuardedTransport` is an `httpx.AsyncHTTPTransport` whose connection pool connects through `GuardedBackend`: the
backend resolves the URL's host once, checks every address it resolves to against the policy
(`domain.webhook_targets`), and connects to the checked address itself, so a name that resolves to a public address
when checked and to a private one when connecting (DNS rebinding) cannot get around it. TLS still verifies the
certificate against the URL's name (httpcore passes it as the server name after the connect). The transport also
refuses URLs that are not http(s) or carry credentials, for rows stored before these rules existed.

A refusal is an `httpcore.ConnectError`, which httpx raises as `httpx.ConnectError`: the push fails like any
connection failure (logged, retried on the ladder, then kept for pulling).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from ..domain.webhook_targets import IPAddress, address_problem, url_problem

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]


class RefusedTarget(httpcore.ConnectError):
    """A push target the policy refuses (httpx raises it as `httpx.ConnectError`)."""


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (literals in any notation it accepts, too)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _parse(address: str) -> IPAddress:
    return ipaddress.ip_address(address)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to a checked address (never the name again)."""

    def __init__(self, allow_private: bool, resolve: Resolver = system_resolve) -> None:
        self.allow_private = allow_private
        self.resolve = resolve
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            problem = address_problem(_parse(address), self.allow_private)
            if problem is not None:
                message = f"refused webhook target {host} (resolves to {', '.join(addresses)}): {problem}"
                log.warning("%s; the push fails and its reports stay pullable once its retries are exhausted", message)
                raise RefusedTarget(message)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedTarget("webhook pushes do not go to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with a connection pool that connects through `GuardedBackend`."""

    def __init__(self, allow_private: bool, resolve: Resolver = system_resolve) -> None:
        super().__init__(trust_env=False)
        self.allow_private = allow_private
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private, resolve),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        problem = url_problem(str(request.url), allow_private=True)  # scheme and credentials; addresses at connect
        if problem is not None:
            message = f"refused webhook target {request.url.copy_with(username=None, password=None)}: URL {problem}"
            log.warning(message)
            raise httpx.ConnectError(message, request=request)
        return await super().handle_async_request(request)
