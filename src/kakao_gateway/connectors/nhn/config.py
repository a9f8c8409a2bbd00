"""What an `nhn://` URL configures: where NHN Cloud's KakaoTalk Bizmessage API is, and how long to wait.

`nhn://HOST[:PORT]` speaks HTTPS (NHN's host: kakaotalk-bizmessage.api.nhncloudservice.com); `nhn+http://HOST:PORT`
plain HTTP (a local test server). The URL holds no credentials: each sender has its own (app key, secret key, sender
key), stored encrypted (`PUT /kakao/1/senders/{sender}/upstream-credentials`). Query options, in seconds:
`timeout` (per request, default 10), `poll_after` (first result query after a send, default 5) and `result_wait`
(how long the engine waits for a result before it may send again, default 600: NHN finds a lost send again by our
messageId, so a resend is never a second message).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..upstreams import UpstreamError, UpstreamUrl, seconds_option

SCHEMES = {"nhn": "https", "nhn+http": "http"}
DEFAULT_HOST = "kakaotalk-bizmessage.api.nhncloudservice.com"
OPTIONS = {"timeout": 10.0, "poll_after": 5.0, "result_wait": 600.0}


@dataclass(frozen=True, slots=True)
class NhnConfig:
    base_url: str
    timeout_s: float
    poll_after_ms: int
    result_wait_ms: int
    trust_env: bool  # HTTPS upstreams honour HTTP(S)_PROXY; a local test server never goes through a proxy


def config_of(url: UpstreamUrl) -> NhnConfig:
    scheme = SCHEMES.get(url.scheme)
    if scheme is None:
        raise UpstreamError(f"{url.scheme}:// is not an NHN Cloud upstream (nhn:// or nhn+http://)")
    if url.username or url.password:
        raise UpstreamError(
            f"{url.redacted}: NHN credentials are per sender, not in the URL "
            "(PUT /kakao/1/senders/{sender}/upstream-credentials or `kakao-gateway senders credentials`)"
        )
    unknown = sorted(set(url.query) - set(OPTIONS))
    if unknown:
        raise UpstreamError(f"{url.redacted}: unknown options {', '.join(unknown)} (known: {', '.join(OPTIONS)})")
    port = f":{url.port}" if url.port is not None else ""
    return NhnConfig(
        base_url=f"{scheme}://{url.host}{port}",
        timeout_s=seconds_option(url, "timeout", OPTIONS["timeout"]),
        poll_after_ms=round(seconds_option(url, "poll_after", OPTIONS["poll_after"]) * 1000),
        result_wait_ms=round(seconds_option(url, "result_wait", OPTIONS["result_wait"]) * 1000),
        trust_env=scheme == "https",
    )
