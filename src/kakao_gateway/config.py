"""Settings: command-line flags, then `KAKAO_GATEWAY_<NAME>` environment variables, then the TOML file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///./kakao-gateway.db"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = DEFAULT_DATABASE_URL
    api_key: str | None = None
    admin_key: str | None = None
    demo: bool = False
    engine: bool = True
    sandbox_latency_ms: int = 0
    template_approval_delay_s: float = 0.0
    public_url: str | None = None  # base of short links; default http://<host>:<port>
    virtual_clock: bool = False
    max_submit_rate: float = 0.0
    max_submit_rate_per_sender: float = 0.0
    # Bounds on HTTP clients (http_server.py): request line and headers, the time to send them, open connections.
    max_header_bytes: int = 65536
    header_timeout_s: float = 10.0
    max_connections: int = 1000
    logs_rate_limit: int = 120  # requests a minute per account on the logs operations (0: no limit)
    log_level: str = "info"
    log_format: str = "text"  # text | json (one JSON object per line)
    # Webhook targets on loopback, private, link-local and metadata addresses: None = allowed with the sandbox
    # upstream (developers test with local receivers), refused with a real one.
    webhook_allow_private: bool | None = None
    link_retention_days: int = 90  # short links (and their redirects) are kept this long after creation
    click_retention_days: int = 90  # recorded clicks are kept this long
    transcript_retention_days: int = 90  # closed Sangdam sessions (and their transcripts) are kept this long
    history_retention_days: int = 30  # finished messages stay searchable this long (GET /kakao/1/messages)
    stats_retention_days: int = 400  # per-minute/hour/day statistics rollups are kept this long (GET /kakao/1/stats)
    kakao_upstream: str = "sandbox"  # the Kakao hop's upstream: sandbox, or a real one (README, "Kakao upstreams")
    sms_upstream: str = "sandbox"  # the SMS failover hop's upstream: sandbox, smpp://..., infobip-sms://...
    # Further upstreams, in order, for when the one before is unhealthy (the flags given again; README, "Failover
    # between upstreams").
    kakao_fallbacks: tuple[str, ...] = ()
    sms_fallbacks: tuple[str, ...] = ()
    upstream_failures: int = 3  # consecutive failed batches that make an upstream unhealthy
    upstream_open_s: float = 30.0  # how long an unhealthy upstream gets no traffic before a probe
    sms_sender: str | None = None  # the default account's default SMS sender
    # Encrypts senders' upstream credentials at rest (docs/kakao-nhn.md). Environment or TOML only: no flag, so the
    # key never shows in a process list.
    secret_key: str | None = field(default=None, repr=False)
    # Declarative catalogue for the default account, from the TOML file.
    senders: list[dict[str, Any]] = field(default_factory=list)
    alim_templates: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)


_SCALARS = {f.name for f in fields(Settings)} - {"senders", "alim_templates", "subscriptions"}
_LISTS = {"kakao_upstream": "kakao_fallbacks", "sms_upstream": "sms_fallbacks"}  # a TOML list: first, then the rest


class ConfigError(ValueError):
    pass


def load_toml(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    table = data.get("gateway", {})
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in _SCALARS:
            raise ConfigError(f"unknown setting {key!r} in [gateway] of {path}")
        if name in _LISTS and isinstance(value, list):
            if not value or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{key!r} in [gateway] of {path} must be a URL or a non-empty list of URLs")
            values[name], values[_LISTS[name]] = value[0], tuple(value[1:])
            continue
        values[name] = value
    for name in ("senders", "alim_templates"):
        if name in data:
            if not isinstance(data[name], list):
                raise ConfigError(f"[[{name}]] must be an array of tables")
            values[name] = data[name]
    if "subscriptions" in data:
        values["subscriptions"] = data["subscriptions"]
    return values


def resolve(overrides: dict[str, Any], config_file: str | None) -> Settings:
    """Flags and environment (already merged by the CLI, None when unset) win over the file."""
    base = Settings()
    if config_file:
        base = replace(base, **load_toml(config_file))
    given = {k: v for k, v in overrides.items() if v is not None}
    if given.get("secret_key") is None and os.environ.get("KAKAO_GATEWAY_SECRET_KEY"):
        given["secret_key"] = os.environ["KAKAO_GATEWAY_SECRET_KEY"]
    return replace(base, **given)
