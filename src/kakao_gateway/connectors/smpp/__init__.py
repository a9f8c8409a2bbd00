"""SMPP 3.4 as an SMS upstream (`smpp://SYSTEM_ID:PASSWORD@HOST:PORT?...`): one bound transceiver session, a
window of submits in flight, delivery receipts correlated to our messages (docs/sms-smpp.md)."""

from __future__ import annotations

from ..provider import Carries, Limits, Provider, Setting
from .config import SmppConfig, parse_config
from .connector import connect

_DEFAULTS = SmppConfig("", 0, "")
_MEANINGS = {
    "window": "submit_sm in flight at once",
    "max_rate": "submit_sm per second (0: no cap but the window)",
    "data_coding": "ucs2 or ksc5601",
    "lms_title": "prepend (an LMS's title goes before its text) or drop",
    "bind_timeout": "seconds to bind",
    "response_timeout": "seconds for a submit_sm_resp",
    "receipt_wait": "seconds to wait for a delivery receipt",
}

SMPP = Provider(
    name="SMPP",
    family="sms",
    schemes=("smpp",),
    carries=Carries(frozenset({"SMS"})),
    connect=connect,
    check=parse_config,
    limits=Limits(batch_size=None, requests_per_s=None),
    settings=tuple(Setting(name, str(getattr(_DEFAULTS, name)), meaning) for name, meaning in _MEANINGS.items()),
    health="the bind: healthy while bound; shows the last error and the window in use (options: docs/sms-smpp.md)",
)
PROVIDERS = (SMPP,)
__all__ = ["PROVIDERS", "SMPP"]
