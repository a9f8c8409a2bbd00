"""Infobip as an upstream: Kakao (`infobip://`, Alim, Brand and Sangdam through Infobip's Kakao API) and SMS
(`infobip-sms://`, and any Infobip-compatible HTTP SMS provider). Both share one HTTP client (client.py)."""

from __future__ import annotations

from ..provider import KAKAO_CHANNELS, Carries, Provider, Setting, Webhook
from . import kakao, sms, sms_config
from .config import DEFAULT_POLL_AFTER_S, DEFAULT_TIMEOUT_S, config_of
from .kakao_wire import InboundMessages
from .pushed import read_inbound, read_reports
from .wire import DeliveryReports


def _report_secret(connector: object) -> str | None:
    token = getattr(connector, "report_token", None)
    return token if isinstance(token, str) else None


def _inbound_secret(connector: object) -> str | None:
    token = getattr(connector, "inbound_token", None)
    return token if isinstance(token, str) else None


SETTINGS = (
    Setting("timeout", f"{DEFAULT_TIMEOUT_S:g}", "seconds per HTTP request"),
    Setting("poll_after", f"{DEFAULT_POLL_AFTER_S:g}", "seconds a message waits for a pushed report before polling"),
)
HEALTH = "the last send's answer: a refused API key or repeated failures make it unhealthy until one succeeds"

KAKAO = Provider(
    name="Infobip",
    family="kakao",
    schemes=kakao.SCHEMES,
    carries=Carries(KAKAO_CHANNELS),
    connect=kakao.connect,
    check=lambda url: config_of(url, kakao.SCHEME),
    settings=SETTINGS,
    webhooks=(
        Webhook(kakao.REPORTS_PATH, "reports", DeliveryReports, _report_secret, reports=read_reports),
        Webhook(kakao.INBOUND_PATH, "inbound", InboundMessages, _inbound_secret, messages=read_inbound),
    ),
    health=HEALTH,
    approves_templates_at_once=True,
)
SMS = Provider(
    name="Infobip SMS",
    family="sms",
    schemes=(sms_config.SCHEME, f"{sms_config.SCHEME}+http"),
    carries=Carries(frozenset({"SMS"})),
    connect=sms.connect,
    check=sms_config.config_of,
    settings=SETTINGS,
    webhooks=(Webhook(sms_config.REPORTS_PATH, "reports", DeliveryReports, _report_secret, reports=read_reports),),
    health=HEALTH,
)
PROVIDERS = (KAKAO, SMS)
__all__ = ["KAKAO", "PROVIDERS", "SMS"]
