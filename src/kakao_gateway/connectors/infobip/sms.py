"""An Infobip-compatible HTTP SMS upstream for the SMS failover hop: `infobip-sms://API_KEY@HOST`.

A batch is one `POST /sms/3/messages` (infobip_http has the answer mapping); reports are pushed to
api.upstream_reports, and `GET /sms/3/reports` is polled for those that do not come (and swept while none is
awaited, for reports of SMS sent before a restart).
"""

from __future__ import annotations

from ..base import Submission
from ..http_answers import retry_after_ms
from ..upstreams import UpstreamDeps, UpstreamUrl
from .client import Endpoint, InfobipConnector, Webhook
from .config import report_url
from .sms_config import REPORTS_PATH, config_of, report_token
from .sms_wire import REPORTS_PATH as POLL_PATH
from .sms_wire import SEND_PATH, send_request

__all__ = ["InfobipSmsConnector", "connect", "retry_after_ms"]

ENDPOINT = Endpoint(SEND_PATH, POLL_PATH)
InfobipSmsConnector = InfobipConnector  # the connector of an infobip-sms:// upstream


class SmsProduct:
    label = "SMS"
    endpoints: tuple[Endpoint, ...] = (ENDPOINT,)

    def endpoint(self, s: Submission) -> Endpoint | None:
        return ENDPOINT if s.channel == "SMS" and isinstance(s.content.get("text"), str) else None

    def request(self, batch: list[Submission], webhook_url: str) -> bytes:
        return send_request(batch, webhook_url)


def connect(url: UpstreamUrl, deps: UpstreamDeps) -> InfobipConnector:
    config = config_of(url)
    token = report_token(config.api_key, deps.route)
    webhook = Webhook(report_url(deps.public_url, REPORTS_PATH, token), token)
    return InfobipConnector(config, deps, url.redacted, SmsProduct(), webhook)
