"""The providers, and what the rest of the gateway asks of them: the one place that knows which package serves
`smpp://`, `infobip-sms://`, `nhn://`, ... and what each can carry.

Built from the declarations of the packages under connectors/ (each exports `PROVIDERS`, see provider.py) and from
the entry points of group `kakao_gateway.providers` of installed pip packages (docs/providers.md), read once when
this module is imported. A scheme a built-in provider serves cannot be taken over by an installed one.

An upstream URL becomes a connector registered under its route (`upstreams.sms_route`, `upstreams.kakao_route`): the
server's, from `--sms-upstream` and `--kakao-upstream`, and each account's own, found when a row names a route this
process has not built yet. Accept asks `carry_problems` whether the account's route can carry each message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points
from typing import Any

from . import infobip, nhn, sandbox, smpp
from .base import Connector
from .provider import Provider, TemplateSource, Webhook
from .sandbox import SandboxSms
from .upstreams import (
    KAKAO_SANDBOX_ROUTE,
    SANDBOX,
    SMS_SANDBOX_ROUTE,
    ConnectorFactory,
    UpstreamDeps,
    UpstreamError,
    UpstreamUrl,
    parse_upstream,
    route_scheme,
)

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kakao_gateway.providers"
BUILT_IN: tuple[Provider, ...] = (*sandbox.PROVIDERS, *infobip.PROVIDERS, *nhn.PROVIDERS, *smpp.PROVIDERS)
CHANNEL_NAMES = {"ALIM": "Alim", "BRAND": "Brand", "SANGDAM": "Sangdam", "SMS": "SMS"}


def installed_providers() -> list[Provider]:
    """The providers installed pip packages declare: each entry point of the group names a `Provider`, a sequence
    of them, or a function returning either. One that cannot be loaded is logged and left out."""
    found: list[Provider] = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            value: Any = point.load()
            if callable(value) and not isinstance(value, Provider):
                value = value()
        except Exception:
            log.exception("provider entry point %s (%s) cannot be loaded; left out", point.name, point.value)
            continue
        declared = [value] if isinstance(value, Provider) else list(value) if isinstance(value, Iterable) else []
        providers = [p for p in declared if isinstance(p, Provider)]
        if not providers:
            log.error("provider entry point %s (%s) declares no Provider", point.name, point.value)
        found += providers
    return found


def _by_scheme(providers: Sequence[Provider]) -> dict[tuple[str, str], Provider]:
    table: dict[tuple[str, str], Provider] = {}
    for provider in providers:
        for scheme in provider.schemes:
            key = (provider.family, scheme.lower())
            if key in table:
                log.error("%s scheme %r is %s's already; %s does not get it", *key, table[key].name, provider.name)
                continue
            table[key] = provider
    return table


PROVIDERS: tuple[Provider, ...] = (*BUILT_IN, *installed_providers())
BY_SCHEME = _by_scheme(PROVIDERS)


def _factories(family: str) -> dict[str, ConnectorFactory]:
    return {s: p.connect for (f, s), p in BY_SCHEME.items() if f == family and s != SANDBOX and p.connect}


SMS_SCHEMES: dict[str, ConnectorFactory] = _factories("sms")
# Kakao upstreams (the sandbox Kakao connector is the gateway's own: it is built with the gateway, not here).
KAKAO_SCHEMES: dict[str, ConnectorFactory] = _factories("kakao")
SCHEMES = {"sms": SMS_SCHEMES, "kakao": KAKAO_SCHEMES}


def provider_of(route: str) -> Provider | None:
    """The provider serving a route (None: a route no provider declares, e.g. one a test registered by hand)."""
    found = route_scheme(route)
    return BY_SCHEME.get(found) if found is not None else None


def carries_channel(route: str, channel: str) -> bool:
    """Whether a route's provider carries a channel at all (ALIM, BRAND, SANGDAM): what failover between
    upstreams asks before moving a message to another one. A route no provider declares is not judged."""
    provider = provider_of(route)
    return provider is None or channel in provider.carries.channels


def check(kind: str, url: str) -> None:
    """UpstreamError when an upstream URL of this kind ("sms", "kakao") cannot be used; nothing is connected. How
    each scheme's URL is read (its options, its credentials) is its provider's `check`: a mistake is an answer when
    the URL is set, not messages failing later."""
    if url.strip() in ("", SANDBOX):
        return
    parsed = parse_upstream(url)
    if parsed.scheme not in SCHEMES[kind]:
        raise UpstreamError(f"unknown scheme {parsed.scheme!r}; use one of {', '.join(schemes(kind))}")
    provider = BY_SCHEME.get((kind, parsed.scheme))
    if provider is not None and provider.check is not None:  # one without a reader is checked when it is built
        provider.check(parsed)


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


def carry_problems(route: str, channel: str, contents: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """At accept: (property path, reason) for each message (`messages[i]`, its wire content) that the provider of
    `route` cannot carry: a channel it does not carry, a Brand type, a coupon, buttons, or what its own
    `content_problems` finds. A route no provider declares is not checked here (its connector answers at submit)."""
    provider = provider_of(route)
    if provider is None:
        return []
    if channel not in provider.carries.channels:
        why = f"Kakao {CHANNEL_NAMES.get(channel, channel)} cannot be sent through {provider.name}"
        return [(f"messages[{i}]", why) for i in range(len(contents))]
    return [(f"messages[{i}]", p) for i, content in enumerate(contents) for p in _content(provider, channel, content)]


def _content(provider: Provider, channel: str, content: dict[str, Any]) -> list[str]:
    carries, name = provider.carries, provider.name
    kind = content.get("type")
    if channel == "BRAND" and carries.brand_types is not None and kind not in carries.brand_types:
        return [f"content.type {kind} cannot be sent through {name} (supported: {', '.join(carries.brand_types)})"]
    problems = []
    if channel == "BRAND" and not carries.coupons and content.get("coupon") is not None:
        problems.append(f"content.coupon cannot be sent through {name}")
    if not carries.buttons:
        problems += [f"content.{f} cannot be sent through {name}" for f in ("buttons", "button") if content.get(f)]
    if carries.content_problems is not None:
        problems += carries.content_problems(channel, content)
    return list(dict.fromkeys(problems))  # a problem both find is said once


def approves_templates_at_once(route: str) -> bool:
    """Whether the provider of a Kakao route inspects templates on its side (our catalogue approves them at once)."""
    provider = provider_of(route)
    return provider is not None and provider.approves_templates_at_once


def webhooks(kind: str) -> list[Webhook]:
    """The webhooks of this kind ("reports", "inbound") the providers serve, one per path."""
    found: dict[str, Webhook] = {}
    for provider in PROVIDERS:
        for hook in provider.webhooks:
            if hook.kind == kind:
                found.setdefault(hook.path, hook)
    return list(found.values())


def serves(route: str, hook: Webhook) -> bool:
    """Whether the upstream of `route` pushes to this webhook (a secret of another provider's path is refused)."""
    provider = provider_of(route)
    return provider is not None and hook in provider.webhooks


def template_source(kind: str, url: str) -> tuple[UpstreamUrl, TemplateSource] | None:
    """How the templates of an upstream URL are listed (`templates sync`), or None when its provider has no list."""
    try:
        parsed = parse_upstream(url)
    except UpstreamError:
        return None
    provider = BY_SCHEME.get((kind, parsed.scheme))
    if provider is None or provider.templates is None:
        return None
    return parsed, provider.templates
