"""NHN Cloud KakaoTalk Bizmessage as a Kakao upstream (`nhn://`): Alim and Brand messages, senders' credentials,
template sync. The mapping of our content and codes to NHN's is mapping.py."""

from __future__ import annotations

from ..provider import Carries, Limits, Provider, Setting
from .config import OPTIONS, SCHEMES, config_of
from .connector import MAX_RECIPIENTS, NhnConnector, attach_credentials, connect
from .mapping import BRAND_BUBBLES, NhnCredentials, content_problems
from .templates import fetch_templates

NHN = Provider(
    name="NHN Cloud",
    family="kakao",
    schemes=tuple(SCHEMES),
    carries=Carries(
        frozenset({"ALIM", "BRAND"}),
        brand_types=tuple(BRAND_BUBBLES),
        coupons=False,
        content_problems=content_problems,
    ),
    connect=connect,
    check=config_of,
    limits=Limits(batch_size=MAX_RECIPIENTS),
    settings=(
        Setting("timeout", f"{OPTIONS['timeout']:g}", "seconds per HTTP request"),
        Setting("poll_after", f"{OPTIONS['poll_after']:g}", "seconds after a send before its result is asked"),
        Setting("result_wait", f"{OPTIONS['result_wait']:g}", "seconds the engine waits for a result"),
    ),
    health="the last answer: refused credentials make it unhealthy until an answer succeeds; shows results awaited",
    templates=fetch_templates,
    credentials=True,
)
PROVIDERS = (NHN,)
__all__ = ["NHN", "PROVIDERS", "NhnConnector", "NhnCredentials", "attach_credentials"]
