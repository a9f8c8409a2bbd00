"""The `smpp://` upstream URL: `smpp://SYSTEM_ID:PASSWORD@HOST:PORT?option=value&...`, checked into an SmppConfig.

Every option is documented in docs/sms-smpp.md. An unknown option or a bad value is an UpstreamError naming the
option, never a silent default: a typo in an operator's URL must not change how messages go out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..upstreams import UpstreamError, UpstreamUrl

DEFAULT_PORT = 2775
DataCoding = Literal["ucs2", "ksc5601"]
TitleMode = Literal["prepend", "drop"]
DATA_CODINGS: dict[str, int] = {"ucs2": 0x08, "ksc5601": 0x0E}

# SMPP 3.4 field sizes, without the C-Octet-String's NUL (section 4.1.1 and 5.2.11)
MAX_SYSTEM_ID = 15
MAX_PASSWORD = 8
MAX_SYSTEM_TYPE = 12
MAX_SERVICE_TYPE = 5


@dataclass(frozen=True, slots=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str = ""
    system_type: str = ""
    service_type: str = ""
    source_ton: int = 0
    source_npi: int = 0
    dest_ton: int = 1
    dest_npi: int = 1
    data_coding: DataCoding = "ucs2"
    lms_title: TitleMode = "prepend"
    window: int = 10
    max_rate: float = 0.0  # submit_sm per second; 0: no cap but the window
    bind_timeout: float = 10.0
    response_timeout: float = 30.0
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    throttle_pause: float = 1.0
    throttle_pause_max: float = 60.0
    receipt_hold: float = 60.0
    receipt_wait: float = 72 * 3600.0

    @property
    def data_coding_byte(self) -> int:
        return DATA_CODINGS[self.data_coding]


def _integer(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise UpstreamError(f"smpp option {name}={raw!r} must be a whole number from {low} to {high}")
        return int(raw)

    return parse


def _seconds(low: float, high: float) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # also false for nan
            raise UpstreamError(f"smpp option {name}={raw!r} must be a number from {low:g} to {high:g}")
        return value

    return parse


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if raw.lower() not in allowed:
            raise UpstreamError(f"smpp option {name}={raw!r} must be one of {', '.join(allowed)}")
        return raw.lower()

    return parse


def _text(max_len: int) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if len(raw.encode()) > max_len or not raw.isascii():
            raise UpstreamError(f"smpp option {name} must be ASCII of at most {max_len} characters")
        return raw

    return parse


_OPTIONS: dict[str, Callable[[str, str], object]] = {
    "system_type": _text(MAX_SYSTEM_TYPE),
    "service_type": _text(MAX_SERVICE_TYPE),
    "source_ton": _integer(0, 6),
    "source_npi": _integer(0, 18),
    "dest_ton": _integer(0, 6),
    "dest_npi": _integer(0, 18),
    "data_coding": _choice(*DATA_CODINGS),
    "lms_title": _choice("prepend", "drop"),
    "window": _integer(1, 1000),
    "max_rate": _seconds(0, 100_000),
    "bind_timeout": _seconds(0.1, 300),
    "response_timeout": _seconds(0.05, 600),
    "reconnect_min": _seconds(0.01, 3600),
    "reconnect_max": _seconds(0.01, 3600),
    "throttle_pause": _seconds(0.01, 3600),
    "throttle_pause_max": _seconds(0.01, 3600),
    "receipt_hold": _seconds(0, 86_400),
    "receipt_wait": _seconds(60, 30 * 86_400),
}


def parse_config(url: UpstreamUrl) -> SmppConfig:
    """The connector's settings from its URL, or an UpstreamError saying which part is wrong."""
    if url.scheme != "smpp":
        raise UpstreamError(f"not an smpp:// URL: {url.redacted}")
    _check_credentials(url)
    unknown = sorted(set(url.query) - set(_OPTIONS))
    if unknown:
        raise UpstreamError(f"unknown smpp option(s) {', '.join(unknown)}; known: {', '.join(_OPTIONS)}")
    options = {name: _OPTIONS[name](name, raw) for name, raw in url.query.items()}
    config = SmppConfig(url.host, url.port or DEFAULT_PORT, url.username, url.password, **options)  # type: ignore[arg-type]
    if config.reconnect_min > config.reconnect_max:
        raise UpstreamError("smpp option reconnect_min must not be above reconnect_max")
    if config.throttle_pause > config.throttle_pause_max:
        raise UpstreamError("smpp option throttle_pause must not be above throttle_pause_max")
    return config


def _check_credentials(url: UpstreamUrl) -> None:
    if not url.username:
        raise UpstreamError(f"{url.redacted} needs a system_id: smpp://SYSTEM_ID:PASSWORD@HOST:PORT")
    if len(url.username.encode()) > MAX_SYSTEM_ID or not url.username.isascii():
        raise UpstreamError(f"the system_id of {url.redacted} must be ASCII of at most {MAX_SYSTEM_ID} characters")
    if len(url.password.encode()) > MAX_PASSWORD or not url.password.isascii():
        raise UpstreamError(f"the password of {url.redacted} must be ASCII of at most {MAX_PASSWORD} characters")
