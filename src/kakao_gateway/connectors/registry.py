"""Connectors by URL scheme: the one place that knows which module serves `smpp://`, `infobip-sms://`, ...

An upstream URL becomes a connector registered under its route (`upstreams.sms_route`, `upstreams.kakao_route`):
the server's, from `--sms-upstream` and `--kakao-upstream`, and each account's own, found when a row names a route
this process has not built yet.
"""

from __future__ import annotations

from collections.abc import Callable

from . import infobip_config, infobip_kakao, infobip_sms, infobip_sms_config, nhn, nhn_config, smpp, smpp_config
from .base import Connector
from .sandbox_sms import SandboxSms
from .upstreams import (
    KAKAO_SANDBOX_ROUTE,
    SANDBOX,
    SMS_SANDBOX_ROUTE,
    ConnectorFactory,
    UpstreamDeps,
    UpstreamError,
    UpstreamUrl,
    parse_upstream,
)

SMS_SCHEMES: dict[str, ConnectorFactory] = {
    "infobip-sms": infobip_sms.connect,
    "infobip-sms+http": infobip_sms.connect,
    "smpp": smpp.connect,
}


# Kakao upstreams (the sandbox Kakao connector is the gateway's own: it is built with the gateway, not here).
KAKAO_SCHEMES: dict[str, ConnectorFactory] = {
    "infobip": infobip_kakao.connect,
    "infobip+http": infobip_kakao.connect,
    "nhn": nhn.connect,
    "nhn+http": nhn.connect,
}

SCHEMES = {"sms": SMS_SCHEMES, "kakao": KAKAO_SCHEMES}

# How each scheme's URL is read (its options, its credentials), without connecting: an URL is checked when it is set,
# so a mistake is an answer then, not messages failing later.
CHECKS: dict[str, Callable[[UpstreamUrl], object]] = {
    "infobip-sms": infobip_sms_config.config_of,
    "infobip-sms+http": infobip_sms_config.config_of,
    "smpp": smpp_config.parse_config,
    "infobip": lambda url: infobip_config.config_of(url, infobip_kakao.SCHEME),
    "infobip+http": lambda url: infobip_config.config_of(url, infobip_kakao.SCHEME),
    "nhn": nhn_config.config_of,
    "nhn+http": nhn_config.config_of,
}


def check(kind: str, url: str) -> None:
    """UpstreamError when an upstream URL of this kind ("sms", "kakao") cannot be used; nothing is connected."""
    if url.strip() in ("", SANDBOX):
        return
    parsed = parse_upstream(url)
    if parsed.scheme not in SCHEMES[kind]:
        raise UpstreamError(f"unknown scheme {parsed.scheme!r}; use one of {', '.join(schemes(kind))}")
    read = CHECKS.get(parsed.scheme)  # a scheme registered without a reader is checked when it is built
    if read is not None:
        read(parsed)


def sms_schemes() -> list[str]:
    return schemes("sms")


def schemes(kind: str) -> list[str]:
    return [SANDBOX, *sorted(SCHEMES[kind])]


def build_kakao_connector(url: str, deps: UpstreamDeps) -> Connector:
    """The connector of a real Kakao upstream URL (UpstreamError when the URL cannot be used)."""
    if url.strip() in ("", SANDBOX) or deps.route == KAKAO_SANDBOX_ROUTE:
        raise UpstreamError("the sandbox Kakao upstream is built with the gateway")
    parsed = parse_upstream(url)
    factory = KAKAO_SCHEMES.get(parsed.scheme)
    if factory is None:
        raise UpstreamError(
            f"unknown Kakao upstream scheme {parsed.scheme!r}; use one of {', '.join(schemes('kakao'))}"
        )
    return factory(parsed, deps)


def build_sms_connector(url: str, deps: UpstreamDeps) -> Connector:
    """The connector of an SMS upstream URL (UpstreamError when the URL cannot be used)."""
    if url.strip() in ("", SANDBOX) or deps.route == SMS_SANDBOX_ROUTE:
        return SandboxSms()
    parsed = parse_upstream(url)
    factory = SMS_SCHEMES.get(parsed.scheme)
    if factory is None:
        raise UpstreamError(f"unknown SMS upstream scheme {parsed.scheme!r}; use one of {', '.join(sms_schemes())}")
    return factory(parsed, deps)
