"""The sandbox: the gateway's own simulated upstreams. Its Kakao upstream (`KAKAO_SANDBOX`: Alim, Brand, Sangdam,
with friends, sessions and the sandbox's rules and faults) is built with the gateway, which hands it callbacks into
the database; its SMSC (`SMS_SANDBOX`) answers SMS hops by the sandbox's rules. Both are the URL `sandbox`."""

from __future__ import annotations

from ..provider import KAKAO_CHANNELS, Carries, Provider
from ..upstreams import SANDBOX
from .kakao import ROUTE, SandboxKakao
from .sms import SandboxSms

HEALTH = "always healthy: it runs in the gateway's process"

KAKAO = Provider(
    name="the sandbox",
    family="kakao",
    schemes=(SANDBOX,),
    carries=Carries(KAKAO_CHANNELS),
    health=HEALTH,
)
SMS = Provider(
    name="the sandbox SMSC",
    family="sms",
    schemes=(SANDBOX,),
    carries=Carries(frozenset({"SMS"})),
    connect=lambda url, deps: SandboxSms(),
    health=HEALTH,
)
PROVIDERS = (KAKAO, SMS)
__all__ = ["KAKAO", "PROVIDERS", "ROUTE", "SMS", "SandboxKakao", "SandboxSms"]
