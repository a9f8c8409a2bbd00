"""The HTTP transport of webhook pushes: it enforces where pushes may go on the address actually connected to.

`GuardedTransport` is an `httpx.AsyncHTTPTransport` whose connection pool connects through `GuardedBackend`: the
backend resolves the URL's host once, checks every address it resolves to against the policy
(`domain.webhook_targets`), and connects to the checked address itself, so a name that resolves to a public address
when checked and to a private one when connecting (DNS rebinding) cannot get around it. TLS still verifies the
certificate against the URL's name (httpcore passes it as the server name after the connect). The transport also
refuses URLs that are not http(s) or carry credentials, for rows stored before these rules existed.

Whether private addresses are allowed is decided per request, from the account whose rows are pushed (an account
whose Kakao or SMS route is real may not reach them, whatever the server's upstream): the pusher says so in the
request's `ALLOW_PRIVATE` extension (absent: not allowed), and the transport's own `allow_private` is the most it
ever allows (the operator's `--webhook-allow-private false`). The two policies have separate connection pools, so a
kept-alive connection opened for one account's allowed push is never reused for another's refused one.

A refusal is a `RefusedPush` (an `httpx.ConnectError`) whose message says only that the target was refused and why
in general terms: it is stored and shown to the tenant, who must not learn what an internal name resolves to (the
log has the details). The push fails like any connection failure (retried on the ladder, then kept for pulling).
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


ALLOW_PRIVATE = "kakao_gateway.allow_private"  # request extension: may this push reach private addresses (bool)
PRIVATE_REFUSED = (
    "refused: private address (this account's pushes may not go to loopback, private, link-local or metadata "
    "addresses: its upstream is real)"
)


class RefusedTarget(httpcore.ConnectError):
    """A push target the policy refuses (httpx raises it as `httpx.ConnectError`)."""


class RefusedPush(httpx.ConnectError):
    """A push the transport refused before connecting; the message is safe to show the account."""


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


class _GuardedPool(httpx.AsyncHTTPTransport):
    """httpx's transport with a connection pool that connects through `GuardedBackend`."""

    def __init__(self, allow_private: bool, resolve: Resolver) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private, resolve),
        )


class GuardedTransport(httpx.AsyncBaseTransport):
    """Pushes through a pool that refuses private addresses, or (when the request may and `allow_private` lets it)
    through one that allows them."""

    def __init__(self, allow_private: bool, resolve: Resolver = system_resolve) -> None:
        self.allow_private = allow_private
        self._refusing = _GuardedPool(False, resolve)
        self._allowing = _GuardedPool(True, resolve) if allow_private else self._refusing

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        problem = url_problem(str(request.url), allow_private=True)  # scheme and credentials; addresses at connect
        if problem is not None:
            message = f"refused webhook target {request.url.copy_with(username=None, password=None)}: URL {problem}"
            log.warning(message)
            raise RefusedPush(f"refused: the URL {problem}", request=request)
        allowed = request.extensions.get(ALLOW_PRIVATE) is True
        pool = self._allowing if allowed else self._refusing
        try:
            return await pool.handle_async_request(request)
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, RefusedTarget):
                raise RefusedPush(PRIVATE_REFUSED, request=request) from exc
            raise

    async def aclose(self) -> None:
        await self._refusing.aclose()
        if self._allowing is not self._refusing:
            await self._allowing.aclose()
