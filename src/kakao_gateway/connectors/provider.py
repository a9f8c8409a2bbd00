"""What a provider declares: one typed object per upstream kind, read by the registry (connectors/registry.py).

A provider is a package under connectors/ (or a pip package, through the entry point group
`kakao_gateway.providers`: docs/providers.md) that exports `PROVIDERS`, a tuple of `Provider`. Everything the rest
of the gateway needs to know of an upstream kind is here: the URL schemes it serves, what it carries (checked at
accept, so a message the account's upstream cannot carry is a 400 naming the field and the reason), its batch size
and rate, the webhooks it serves, its URL options, how its health is told, and the factory of its connector.
Nothing outside connectors/ parses a route string or imports a provider's module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from .base import LateResult
from .credentials import SenderCredentials
from .upstreams import ConnectorFactory, UpstreamUrl

Family = Literal["kakao", "sms"]
KAKAO_CHANNELS = frozenset({"ALIM", "BRAND", "SANGDAM"})


@dataclass(frozen=True, slots=True)
class Carries:
    """What a provider carries. `channels`: ALIM, BRAND, SANGDAM (a Kakao upstream) or SMS (an SMS upstream);
    `brand_types`: the Brand content types it takes (None: every one we take); `coupons` and `buttons`: whether a
    Brand message may have a coupon, and a message buttons; `content_problems(channel, content)`: what else of a
    message's wire content it cannot carry, each problem a sentence naming its `content.` path."""

    channels: frozenset[str]
    brand_types: tuple[str, ...] | None = None
    coupons: bool = True
    buttons: bool = True
    content_problems: Callable[[str, dict[str, Any]], list[str]] | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a provider takes: `batch_size` messages per submit request (None: one request per message or no
    request limit), `requests_per_s` its documented request rate (None: none known; a 429 is obeyed either way)."""

    batch_size: int | None = None
    requests_per_s: float | None = None


@dataclass(frozen=True, slots=True)
class Setting:
    """A URL option (`?name=value`) of a provider's upstream URL, for docs and `upstream check`."""

    name: str
    default: str
    meaning: str


@dataclass(frozen=True, slots=True)
class PushedMessage:
    """A Sangdam user's message an upstream pushed to us, in no provider's shape: `channel` is the sender (the
    Kakao channel written to), `user` the user key, `upstream_id` the provider's id of it (a message pushed again
    is stored once); `type`, `text`, `url` what the user wrote (TEXT, or a media type with its URL) and `given` the
    rest of our inbound `message` object the provider gave (sentAt, urlsDetails, ...). `callback_data` is what the
    provider echoes of the message the user answers; `echoes_ours` says it is ours (then the client's own is looked
    up by `paired_id`)."""

    channel: str
    user: str
    upstream_id: str
    type: str
    text: str | None = None
    url: str | None = None
    given: dict[str, Any] = field(default_factory=dict)
    paired_id: str | None = None
    callback_data: str | None = None
    echoes_ours: bool = False


@dataclass(frozen=True, slots=True)
class Webhook:
    """An endpoint of ours the provider's upstream pushes to: `POST {path}/{secret}`. `secret(connector)` is a
    connector's secret for it (None: that connector takes none), compared in constant time; a wrong one is a 401.
    The body is validated with `body` (a 400 in ApiError shape naming the field), then read with `reports` (kind
    "reports": delivery reports as late results) or `messages` (kind "inbound": Sangdam users' messages)."""

    path: str
    kind: Literal["reports", "inbound"]
    body: type[BaseModel]
    secret: Callable[[object], str | None]
    reports: Callable[[Any], list[LateResult]] | None = None
    messages: Callable[[Any], list[PushedMessage]] | None = None


@dataclass(frozen=True, slots=True)
class SyncedTemplate:
    """An Alim template as a provider's template list gives it, in our catalogue's terms (or `skipped` with why)."""

    code: str
    name: str = ""
    text: str = ""
    title: str | None = None
    buttons: list[dict[str, Any]] = field(default_factory=list)
    status: str = "REQUESTED"
    comments: tuple[dict[str, Any], ...] = ()
    status_note: str | None = None  # the provider's word on a rejection, when it gives no comments
    emphasis: str = "NONE"
    details: dict[str, Any] = field(default_factory=dict)
    category_code: str = "999999"
    security_flag: bool = False
    message_type: str = "BA"
    skipped: str | None = None


# (upstream URL, a sender's credentials, an HTTP transport for tests) -> every template of that sender; raises
# TemplateSyncError with a sentence when the provider refuses or does not answer.
TemplateSource = Callable[[UpstreamUrl, SenderCredentials, Any, int], Awaitable[Sequence[SyncedTemplate]]]


class TemplateSyncError(Exception):
    """The provider's template list could not be read; the message says why (never with credentials)."""


@dataclass(frozen=True, slots=True)
class Provider:
    """One upstream kind. `name` is how answers and docs name it ("NHN Cloud"); `family` the hop it serves (a Kakao
    upstream or an SMS one); `schemes` its URL schemes (the sandbox's: "sandbox"); `connect` builds its connector
    from a URL (None: the gateway builds it itself, the sandbox); `check` reads a URL without connecting
    (UpstreamError: a mistake is an answer when the URL is set); `health` says what its connector's `health()`
    tells /ready and `upstream check`. `approves_templates_at_once`: templates are inspected on the provider's side
    (ours approves them at once); `templates`: how its Alim templates are imported (`templates sync`);
    `credentials`: its connector needs senders' credentials (`PUT .../upstream-credentials`)."""

    name: str
    family: Family
    schemes: tuple[str, ...]
    carries: Carries
    connect: ConnectorFactory | None = None
    check: Callable[[UpstreamUrl], object] | None = None
    limits: Limits = Limits()
    settings: tuple[Setting, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    health: str = "always healthy: it holds no connection"
    approves_templates_at_once: bool = False
    templates: TemplateSource | None = None
    credentials: bool = False
