"""What an `infobip-sms://` URL configures (infobip_config): `infobip-sms://API_KEY@HOST[:PORT]` speaks HTTPS,
`infobip-sms+http://API_KEY@HOST:PORT` plain HTTP (a local test server)."""

from __future__ import annotations

from ..upstreams import UpstreamUrl
from . import config as infobip_config
from .config import InfobipConfig

SCHEME = "infobip-sms"
REPORTS_PATH = "/upstream/1/sms/reports"  # ours: where an upstream pushes delivery reports, then /<secret>


def config_of(url: UpstreamUrl) -> InfobipConfig:
    return infobip_config.config_of(url, SCHEME)


def report_token(api_key: str, route: str) -> str:
    """The secret in our SMS report webhook's path for this upstream."""
    return infobip_config.report_token(api_key, route, "sms")
