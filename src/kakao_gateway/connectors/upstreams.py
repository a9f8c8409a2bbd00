"""Upstream URLs: which connector serves a route, built from a URL an operator configures.

`sandbox` is the built-in simulation. Real SMS upstreams are URLs, e.g. `smpp://SYSTEM_ID:PASSWORD@HOST:PORT` or
`infobip-sms://API_KEY@HOST`. Each distinct URL is its own route, named from its scheme, host and a digest of the
whole URL: stable across processes and restarts (rows store their route), and never showing the credentials.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from ..clock import Clock
from .base import Connector

SANDBOX = "sandbox"
SMS_SANDBOX_ROUTE = "SMS_SANDBOX"
KAKAO_SANDBOX_ROUTE = "KAKAO_SANDBOX"


class UpstreamError(ValueError):
    """An upstream URL that cannot be used; the message says why (never with the credentials)."""


@dataclass(frozen=True, slots=True)
class UpstreamUrl:
    scheme: str
    username: str
    password: str
    host: str
    port: int | None
    query: dict[str, str]
    raw: str = field(repr=False)

    @property
    def redacted(self) -> str:
        """For logs and status pages: the URL without its credentials."""
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{self.host}{port}"


def parse_upstream(url: str) -> UpstreamUrl:
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket; the message could quote the URL, credentials included
        raise UpstreamError("the upstream URL cannot be parsed (check brackets and percent-encoding)") from None
    if not parts.scheme or not parts.hostname:
        raise UpstreamError("an upstream URL needs a scheme and a host, e.g. smpp://USER:PASSWORD@HOST:2775")
    try:
        port = parts.port
    except ValueError:
        raise UpstreamError(f"the port of {parts.scheme}://{parts.hostname} is not a number") from None
    return UpstreamUrl(
        parts.scheme.lower(),
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        parts.hostname,
        port,
        dict(parse_qsl(parts.query)),
        url.strip(),
    )


def sms_route(url: str) -> str:
    """The route an SMS upstream URL serves: SMS_SANDBOX, or SMS:<scheme>:<host>:<digest of the URL>."""
    return _route("SMS", SMS_SANDBOX_ROUTE, url)


def kakao_route(url: str) -> str:
    """The route a Kakao upstream URL serves: KAKAO_SANDBOX, or KAKAO:<scheme>:<host>:<digest of the URL>."""
    return _route("KAKAO", KAKAO_SANDBOX_ROUTE, url)


def _route(kind: str, sandbox: str, url: str) -> str:
    if url.strip() in ("", SANDBOX):
        return sandbox
    parsed = parse_upstream(url)
    digest = hashlib.sha256(parsed.raw.encode()).hexdigest()[:10]
    return f"{kind}:{parsed.scheme}:{parsed.host}:{digest}"


@dataclass(frozen=True, slots=True)
class UpstreamDeps:
    """What a connector may use besides its URL."""

    clock: Clock
    route: str
    public_url: str  # where this gateway is reachable (delivery-report webhooks of an upstream point here)
    transport: httpx.AsyncBaseTransport | None = None  # tests: a transport instead of the network


ConnectorFactory = Callable[[UpstreamUrl, UpstreamDeps], Connector]


def seconds_option(url: UpstreamUrl, name: str, default: float) -> float:
    """A query option of `url` in seconds (a positive number), or `default` when it is not given."""
    raw = url.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UpstreamError(f"{url.redacted}: {name} must be a positive number of seconds, not {raw!r}")
    return value


def route_scheme(route: str) -> tuple[str, str] | None:
    """(family, scheme) of a route: ("kakao", "sandbox") for KAKAO_SANDBOX, ("sms", "smpp") for SMS:smpp:...; None
    for a string no URL names. The one place that reads a route string (connectors.registry asks it)."""
    if route == KAKAO_SANDBOX_ROUTE:
        return "kakao", SANDBOX
    if route == SMS_SANDBOX_ROUTE:
        return "sms", SANDBOX
    parts = route.split(":")
    families = {"KAKAO": "kakao", "SMS": "sms"}
    if len(parts) != 4 or parts[0] not in families:
        return None
    return families[parts[0]], parts[1]
