"""The settings options of `serve` and `worker`, each declared once.

An option sets the `Settings` field of its name (config.py): its type is that field's (or None: not given, so the
environment and then the --config file decide), its environment variable KAKAO_GATEWAY_<NAME>. What a field needs
beyond that (its help, its help panel, its flag names) is the one entry of `OPTIONS`. A command lists the options it
takes with `@takes_settings(...)`, in the order its --help shows them, and receives the values given as one dict.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Annotated, Any

import typer

from ..config import Settings

SERVER, ENGINE, UPSTREAMS, WEBHOOKS, RETENTION, LOGGING, SANDBOX = (
    "Server",
    "Engine",
    "Upstreams",
    "Webhooks",
    "Retention",
    "Logging",
    "Sandbox",
)
SETTINGS_NOTE = (
    "\n\nEvery option is also read from the environment (KAKAO_GATEWAY_ and its name in capitals, e.g. "
    "KAKAO_GATEWAY_MAX_SUBMIT_RATE) and from the \\[gateway] table of the --config file; flags win, then the "
    "environment, then the file."
)


class LogFormat(StrEnum):
    text = "text"
    json = "json"


@dataclass(frozen=True)
class SettingOption:
    """How a setting shows on the command line (its environment variable goes unnamed in each option's help: the
    names would not fit at 80 columns; the commands' help says how they are made)."""

    help: str
    panel: str
    decls: tuple[str, ...] = ()  # flag names, when not only --<name> (a --x/--no-x pair, a switch)
    switch: bool = False  # given or not (not given: None), never --no-<name>
    choices: type[Enum] | None = None  # its values, when the field is a string of a few
    # Given several times: the first sets the field, the rest the Settings field named here, in order (a list).
    more_into: str | None = None
    more: dict[str, Any] = field(default_factory=dict)  # the rest of typer.Option's arguments (min, metavar, ...)


def _days(help_text: str, least: int = 1) -> SettingOption:
    return SettingOption(help_text, RETENTION, more={"min": least, "metavar": "DAYS"})


OPTIONS: dict[str, SettingOption] = {
    "host": SettingOption("Address to listen on \\[default: 127.0.0.1]", SERVER),
    "port": SettingOption("Port to listen on \\[default: 8000]", SERVER),
    "public_url": SettingOption("Base URL of short links \\[default: http://<host>:<port>]", SERVER),
    "max_header_bytes": SettingOption(
        f"Most bytes of a request's line and headers; more is answered 431 \\[default: {Settings.max_header_bytes}]",
        SERVER,
        more={"min": 1024, "metavar": "BYTES"},
    ),
    "header_timeout_s": SettingOption(
        "Seconds a client has to send a request's line and headers, then the connection is closed "
        f"\\[default: {Settings.header_timeout_s:g}]",
        SERVER,
        more={"min": 0.1, "metavar": "SECONDS"},
    ),
    "max_connections": SettingOption(
        f"Most open HTTP connections; more are answered 503 \\[default: {Settings.max_connections}]",
        SERVER,
        more={"min": 1, "metavar": "N"},
    ),
    "logs_rate_limit": SettingOption(
        "Requests a minute per account on the three logs operations, as Infobip limits them; more are answered "
        f"429 with Retry-After; 0 turns the limit off \\[default: {Settings.logs_rate_limit}]",
        SERVER,
        more={"min": 0, "metavar": "N"},
    ),
    "engine": SettingOption(
        "Run the delivery engine in this process \\[default: on]; PostgreSQL only can turn it off.",
        ENGINE,
        ("--engine/--no-engine",),
        more={"show_default": False},
    ),
    "max_submit_rate": SettingOption("Upstream submits per second, all senders \\[default: no limit]", UPSTREAMS),
    "max_submit_rate_per_sender": SettingOption(
        "Upstream submits per second per sender \\[default: no limit]", UPSTREAMS
    ),
    "kakao_upstream": SettingOption(
        'Upstream of Kakao hops: sandbox, or a real one (README, "Kakao upstreams"); an account may have its '
        "own: `accounts kakao`. Give it again for the next upstream to fail over to, in order "
        '(README, "Failover between upstreams") \\[default: sandbox]',
        UPSTREAMS,
        more_into="kakao_fallbacks",
        more={"metavar": "URL"},
    ),
    "sms_upstream": SettingOption(
        "Upstream of SMS failover hops: sandbox, smpp://ID:PASSWORD@HOST:PORT, "
        "infobip-sms://API_KEY@HOST (an account may have its own: `accounts sms`); again for the next one, in "
        "order \\[default: sandbox]",
        UPSTREAMS,
        more_into="sms_fallbacks",
        more={"metavar": "URL"},
    ),
    "upstream_failures": SettingOption(
        "Consecutive failed batches (transport error, 5xx, timeout) that make an upstream unhealthy "
        f"\\[default: {Settings.upstream_failures}]",
        UPSTREAMS,
        more={"min": 1, "metavar": "N"},
    ),
    "upstream_open_s": SettingOption(
        "Seconds an unhealthy upstream gets no traffic before one batch probes it "
        f"\\[default: {Settings.upstream_open_s:g}]",
        UPSTREAMS,
        more={"min": 1.0, "metavar": "SECONDS"},
    ),
    "sms_sender": SettingOption(
        "Default sender of the default account's SMS hops, when smsFailover names none \\[default: none]", UPSTREAMS
    ),
    "webhook_allow_private": SettingOption(
        "Allow webhook targets on loopback, private, link-local and metadata addresses "
        "\\[default: per account: allowed while its Kakao and SMS routes are the sandbox, refused once one is real]",
        WEBHOOKS,
        ("--webhook-allow-private/--no-webhook-allow-private",),
        more={"show_default": False},
    ),
    "link_retention_days": _days("Days a short link (and its redirect) is kept after its creation \\[default: 90]"),
    "click_retention_days": _days("Days a recorded click is kept \\[default: 90]"),
    "transcript_retention_days": _days(
        "Days a closed Sangdam session and its transcript are kept after closing \\[default: 90]"
    ),
    "history_retention_days": _days(
        "Days a finished message and its events stay searchable (GET /kakao/1/messages) \\[default: 30]", least=2
    ),
    "stats_retention_days": _days("Days the statistics rollups (GET /kakao/1/stats) are kept \\[default: 400]"),
    "log_level": SettingOption("debug, info, warning or error \\[default: info]", LOGGING),
    "log_format": SettingOption(
        "text, or json: one JSON object per line, with messageId, bulkId and accountId where they apply "
        "\\[default: text]",
        LOGGING,
        choices=LogFormat,
        more={"case_sensitive": False},
    ),
    "demo": SettingOption(
        "Register a demo sender and template; print a demo API key (kept beside the database and reused at "
        "every start) and a curl command.",
        SANDBOX,
        ("--demo",),
        switch=True,
    ),
    "sandbox_latency_ms": SettingOption("Sandbox result latency in ms \\[default: 0]", SANDBOX),
    "template_approval_delay_s": SettingOption("Sandbox template inspection time in s \\[default: 0]", SANDBOX),
    "virtual_clock": SettingOption(
        "Sandbox: time moves only via POST /sandbox/1/clock/advance.", SANDBOX, ("--virtual-clock",), switch=True
    ),
}
_FIELD_TYPES = typing.get_type_hints(Settings)


def _annotation(name: str) -> Any:
    """The option's parameter type: the Settings field's, or None when not given."""
    option = OPTIONS[name]
    kind: Any = bool if option.switch else option.choices or _FIELD_TYPES[name]
    if option.more_into is not None:
        kind = list[kind]
    declared = typer.Option(
        *option.decls,
        envvar=f"KAKAO_GATEWAY_{name.upper()}",
        help=option.help,
        rich_help_panel=option.panel,
        show_envvar=False,
        **option.more,
    )
    return Annotated[kind if option.switch else kind | None, declared]


def _value(name: str, given: Any) -> Any:
    if isinstance(given, Enum):
        return given.value
    return given or None if OPTIONS[name].switch else given


def takes_settings(*order: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options of the settings named in `order`, placed among its own parameters (the other
    names of `order`) as listed. The command's first parameter receives those settings' values, by field name
    (None: not given)."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = dict(inspect.signature(command, eval_str=True).parameters)
        settings_parameter = next(iter(own))
        del own[settings_parameter]
        unknown = set(order) - set(own) - set(OPTIONS)
        left_out = set(own) - set(order)
        if unknown or left_out:
            raise TypeError(f"{command.__name__}: unknown options {unknown or ''}, parameters not placed {left_out}")
        parameters = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(name),
                default=False if OPTIONS[name].switch else None,
            )
            if name not in own
            else own[name].replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for name in order
        ]

        @functools.wraps(command)
        def run(**values: Any) -> None:
            given = {name: _value(name, values.pop(name)) for name in order if name not in own}
            for name, value in list(given.items()):
                into = OPTIONS[name].more_into
                if into is not None and isinstance(value, list):  # first, then the rest in order
                    given[name], given[into] = (value[0], tuple(value[1:])) if value else (None, None)
            command(given, **values)

        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}  # what Typer reads the types from
        return run

    return decorate
