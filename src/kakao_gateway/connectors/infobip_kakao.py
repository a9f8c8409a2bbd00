"""Infobip as a Kakao upstream: `infobip://API_KEY@HOST` (HTTPS), `infobip+http://API_KEY@HOST:PORT` (a local test
server); options as for every Infobip upstream (infobip_config: `timeout`, `poll_after`).

Due Kakao hops go to Infobip's own Kakao API (infobip_kakao_wire), one request per product in a batch; the answer
mapping, throttling, duplicate protection and polling fallback are infobip_http's. Reports are pushed to
POST /upstream/1/kakao/reports/<secret> (api.upstream_reports); `GET /kakao-alim/1/reports` and
`GET /kakao-chingu/1/reports` are polled for those that do not come. Sangdam is not sent: this gateway has no
Sangdam API yet, so a Sangdam hop is refused as a final rejection.

Infobip has no Alim template endpoints (inspection happens on Infobip's side): an account whose Kakao route is an
Infobip upstream gets the templates it adds to our catalogue approved at once (`approves_templates_at_once`).
"""

from __future__ import annotations

from .base import Submission
from .infobip_config import config_of, report_token, report_url
from .infobip_http import Endpoint, InfobipConnector, Webhook
from .infobip_kakao_wire import ENDPOINTS, send_request
from .upstreams import UpstreamDeps, UpstreamUrl

SCHEME = "infobip"
SCHEMES = (SCHEME, f"{SCHEME}+http")
REPORTS_PATH = "/upstream/1/kakao/reports"  # ours: where Infobip pushes Kakao delivery reports, then /<secret>


class KakaoProduct:
    label = "Kakao"

    def endpoint(self, s: Submission) -> Endpoint | None:
        return ENDPOINTS.get(s.channel) if s.hop == 0 else None

    def request(self, batch: list[Submission], webhook_url: str) -> bytes:
        return send_request(batch, webhook_url)


def connect(url: UpstreamUrl, deps: UpstreamDeps) -> InfobipConnector:
    config = config_of(url, SCHEME)
    token = report_token(config.api_key, deps.route, "kakao")
    webhook = Webhook(report_url(deps.public_url, REPORTS_PATH, token), token)
    return InfobipConnector(config, deps, url.redacted, KakaoProduct(), webhook)


def approves_templates_at_once(route: str) -> bool:
    """Whether a Kakao route (KAKAO:<scheme>:<host>:<digest>, see upstreams.kakao_route) is an Infobip upstream,
    whose templates are inspected on Infobip's side rather than by an API of ours."""
    parts = route.split(":")
    return len(parts) == 4 and parts[0] == "KAKAO" and parts[1] in SCHEMES
