"""What an Infobip upstream URL configures (SMS: `infobip-sms://`, Kakao: `infobip://`): where to send, with which
key, and the secret of our report webhook.

`SCHEME://API_KEY@HOST[:PORT]` speaks HTTPS; `SCHEME+http://API_KEY@HOST:PORT` plain HTTP (a local test server).
Query options: `timeout` (seconds per request, default 10) and `poll_after` (seconds a message waits for a pushed
report before the reports endpoint is polled, default 30).

The report secret is derived, not configured: an HMAC of the route with the API key. Every process of one gateway
configured with the same URL knows it, it changes when the key does, and it reveals nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from ..upstreams import UpstreamError, UpstreamUrl, seconds_option

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_POLL_AFTER_S = 30.0
OPTIONS = ("timeout", "poll_after")


@dataclass(frozen=True, slots=True)
class InfobipConfig:
    base_url: str
    api_key: str
    timeout_s: float
    poll_after_ms: int
    trust_env: bool  # HTTPS upstreams honour HTTP(S)_PROXY; a local test server never goes through a proxy


def config_of(url: UpstreamUrl, https_scheme: str) -> InfobipConfig:
    """The configuration of `https_scheme://` (HTTPS) or `https_scheme+http://` (plain HTTP) URLs."""
    schemes = {https_scheme: "https", f"{https_scheme}+http": "http"}
    scheme = schemes.get(url.scheme)
    if scheme is None:
        raise UpstreamError(f"{url.scheme}:// is not {' or '.join(f'{s}://' for s in schemes)}")
    if not url.username:
        raise UpstreamError(f"{url.redacted} needs its API key: {url.scheme}://API_KEY@{url.host}")
    if url.password:
        raise UpstreamError(f"{url.redacted}: the API key has a ':'; percent-encode it (%3A)")
    unknown = sorted(set(url.query) - set(OPTIONS))
    if unknown:
        raise UpstreamError(f"{url.redacted}: unknown options {', '.join(unknown)} (known: {', '.join(OPTIONS)})")
    port = f":{url.port}" if url.port is not None else ""
    return InfobipConfig(
        base_url=f"{scheme}://{url.host}{port}",
        api_key=url.username,
        timeout_s=seconds_option(url, "timeout", DEFAULT_TIMEOUT_S),
        poll_after_ms=round(seconds_option(url, "poll_after", DEFAULT_POLL_AFTER_S) * 1000),
        trust_env=scheme == "https",
    )


def report_token(api_key: str, route: str, kind: str) -> str:
    """The secret in our report webhook's path for this upstream (`kind`: "sms" or "kakao")."""
    message = f"kakao-gateway {kind} reports {route}".encode()
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()[:40]


def report_url(public_url: str, path: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{path}/{token}"
