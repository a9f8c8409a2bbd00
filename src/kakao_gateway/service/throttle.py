"""Throttling of failed sign-ins (API keys, operator keys, the console's sign-in form): after LIMIT failures within
WINDOW_MS from one client address, or with one key prefix, every attempt from that address or with that prefix is
refused (even with the right key) until the oldest of those failures leaves the window.

Counted in memory, per process: a deployment of several API processes lets each count on its own. The client address
is the connection's (ASGI `client`); behind a reverse proxy it is the proxy's, unless uvicorn is told to trust the
proxy's X-Forwarded-For (`FORWARDED_ALLOW_IPS`; by default only a proxy on loopback)."""

from __future__ import annotations

import logging
import math

from ..domain.throttle import FailureCounter

log = logging.getLogger(__name__)

LIMIT = 20
WINDOW_MS = 60_000
# Keys are 32 hex digits, '-', a UUID: the part before the '-' is half the secret, too much to log. The first 8
# characters tell a key apart without giving away anything worth guessing from.
PREFIX_CHARS = 8


NAME_CHARS = 64  # a username or client id is no secret: counted whole (bounded), so two names never share a count


def key_prefix(key: str) -> str:
    return key[:PREFIX_CHARS]


def counted(key: str, secret: bool) -> str:
    """What failures are counted under: a secret's prefix, or a name (a username, a client id) itself."""
    return key_prefix(key) if secret else f"name:{key[:NAME_CHARS]}"


class Throttled(Exception):
    """Too many failed sign-ins: try again in `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed sign-ins: retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class SignInThrottle:
    def __init__(self, limit: int = LIMIT, window_ms: int = WINDOW_MS) -> None:
        self._addresses = FailureCounter(limit, window_ms)
        self._prefixes = FailureCounter(limit, window_ms)

    def admit(self, client: str, key: str, now: int, secret: bool = True) -> None:
        """Raise Throttled if `client` or `key` (a secret's prefix, or a name) has failed too often lately."""
        wait = max(self._addresses.wait_ms(client, now), self._prefixes.wait_ms(counted(key, secret), now))
        if wait:
            raise Throttled(math.ceil(wait / 1000))

    def failed(self, client: str, key: str, now: int, secret: bool = True) -> None:
        """Count a failed sign-in; say so, in one line, when it makes the address or the prefix (or both) wait."""
        prefix = counted(key, secret)
        whose = []
        if self._addresses.fail(client, now):
            whose.append(f"from client {client}")
        if self._prefixes.fail(prefix, now):
            whose.append(f"with key prefix {prefix!r}")
        if whose:
            wait = max(self._addresses.wait_ms(client, now), self._prefixes.wait_ms(prefix, now))
            log.warning(
                "sign-ins throttled: %d failures within %d s %s; refused for %d s (last attempt: client %s, key "
                "prefix %r)",
                self._addresses.limit,
                self._addresses.window_ms // 1000,
                " and ".join(whose),
                math.ceil(wait / 1000),
                client,
                prefix,
            )
