"""Infobip as a Kakao upstream: `infobip://API_KEY@HOST` (HTTPS), `infobip+http://API_KEY@HOST:PORT` (a local test
server); options as for every Infobip upstream (infobip_config: `timeout`, `poll_after`).

Due Kakao hops go to Infobip's own Kakao API (infobip_kakao_wire), one request per product in a batch; the answer
mapping, throttling, duplicate protection and polling fallback are infobip_http's. Reports are pushed to
POST /upstream/1/kakao/reports/<secret> (api.upstream_reports); `GET /kakao-alim/1/reports`,
`GET /kakao-chingu/1/reports` and `GET /kakao-sangdam/1/reports` are polled for those that do not come (and swept
while none is awaited, for reports of messages sent before a restart). Whether a
Sangdam session is open is Kakao's to decide: Infobip's answer or report says so.

Sangdam users' messages are pushed by Infobip to POST /upstream/1/kakao/inbound/<secret> (api.upstream_inbound),
under a secret of its own (`inbound_token`), which Infobip must be given by hand (docs/kakao-infobip.md).

Infobip has no Alim template endpoints (inspection happens on Infobip's side): an account whose Kakao route is an
Infobip upstream gets the templates it adds to our catalogue approved at once (`approves_templates_at_once`).
"""

from __future__ import annotations

from ..base import Submission
from ..upstreams import UpstreamDeps, UpstreamUrl
from .client import Endpoint, InfobipConnector, Webhook
from .config import InfobipConfig, config_of, report_token, report_url
from .kakao_wire import ENDPOINTS, send_request

SCHEME = "infobip"
SCHEMES = (SCHEME, f"{SCHEME}+http")
REPORTS_PATH = "/upstream/1/kakao/reports"  # ours: where Infobip pushes Kakao delivery reports, then /<secret>
INBOUND_PATH = "/upstream/1/kakao/inbound"  # ours: where Infobip pushes Sangdam users' messages, then /<secret>


class KakaoProduct:
    label = "Kakao"
    endpoints: tuple[Endpoint, ...] = tuple(ENDPOINTS.values())

    def endpoint(self, s: Submission) -> Endpoint | None:
        return ENDPOINTS.get(s.channel) if s.hop == 0 else None

    def request(self, batch: list[Submission], webhook_url: str) -> bytes:
        return send_request(batch, webhook_url)


class InfobipKakaoConnector(InfobipConnector):
    """An Infobip connector that also takes Sangdam inbound, under a secret of its own: the inbound URL is given to
    Infobip by hand, so that a leak of it cannot forge delivery reports (nor a leak of a report URL, inbound)."""

    def __init__(self, config: InfobipConfig, deps: UpstreamDeps, name: str, webhook: Webhook) -> None:
        super().__init__(config, deps, name, KakaoProduct(), webhook)
        self.inbound_token = report_token(config.api_key, deps.route, "kakao-inbound")
        self.inbound_url = report_url(deps.public_url, INBOUND_PATH, self.inbound_token)


def connect(url: UpstreamUrl, deps: UpstreamDeps) -> InfobipKakaoConnector:
    config = config_of(url, SCHEME)
    token = report_token(config.api_key, deps.route, "kakao")
    webhook = Webhook(report_url(deps.public_url, REPORTS_PATH, token), token)
    return InfobipKakaoConnector(config, deps, url.redacted, webhook)


def approves_templates_at_once(route: str) -> bool:
    """Whether a Kakao route (KAKAO:<scheme>:<host>:<digest>, see upstreams.kakao_route) is an Infobip upstream,
    whose templates are inspected on Infobip's side rather than by an API of ours."""
    parts = route.split(":")
    return len(parts) == 4 and parts[0] == "KAKAO" and parts[1] in SCHEMES
