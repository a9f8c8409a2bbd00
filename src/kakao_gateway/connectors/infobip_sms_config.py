"""What an `infobip-sms://` URL configures: where to send, with which key, and the secret of our report webhook.

`infobip-sms://API_KEY@HOST[:PORT]` speaks HTTPS; `infobip-sms+http://API_KEY@HOST:PORT` plain HTTP (a local test
server). Query options: `timeout` (seconds per request, default 10) and `poll_after` (seconds a message waits for a
pushed report before the reports endpoint is polled, default 30).

The report secret is derived, not configured: an HMAC of the route with the API key. Every process of one gateway
configured with the same URL knows it, it changes when the key does, and it reveals nothing about the key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from .upstreams import UpstreamError, UpstreamUrl

SCHEMES = {"infobip-sms": "https", "infobip-sms+http": "http"}
REPORTS_PATH = "/upstream/1/sms/reports"  # ours: where an upstream pushes delivery reports, then /<secret>
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_POLL_AFTER_S = 30.0


@dataclass(frozen=True, slots=True)
class InfobipSmsConfig:
    base_url: str
    api_key: str
    timeout_s: float
    poll_after_ms: int
    trust_env: bool  # HTTPS upstreams honour HTTP(S)_PROXY; a local test server never goes through a proxy


def config_of(url: UpstreamUrl) -> InfobipSmsConfig:
    scheme = SCHEMES.get(url.scheme)
    if scheme is None:
        raise UpstreamError(f"{url.scheme}:// is not an Infobip SMS upstream (infobip-sms:// or infobip-sms+http://)")
    if not url.username:
        raise UpstreamError(f"{url.redacted} needs its API key: {url.scheme}://API_KEY@{url.host}")
    if url.password:
        raise UpstreamError(f"{url.redacted}: the API key has a ':'; percent-encode it (%3A)")
    unknown = sorted(set(url.query) - {"timeout", "poll_after"})
    if unknown:
        raise UpstreamError(f"{url.redacted}: unknown options {', '.join(unknown)} (known: timeout, poll_after)")
    port = f":{url.port}" if url.port is not None else ""
    return InfobipSmsConfig(
        base_url=f"{scheme}://{url.host}{port}",
        api_key=url.username,
        timeout_s=_seconds(url, "timeout", DEFAULT_TIMEOUT_S),
        poll_after_ms=round(_seconds(url, "poll_after", DEFAULT_POLL_AFTER_S) * 1000),
        trust_env=scheme == "https",
    )


def _seconds(url: UpstreamUrl, name: str, default: float) -> float:
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


def report_token(api_key: str, route: str) -> str:
    """The secret in our report webhook's path for this upstream."""
    return hmac.new(api_key.encode(), f"kakao-gateway sms reports {route}".encode(), hashlib.sha256).hexdigest()[:40]


def report_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{REPORTS_PATH}/{token}"
