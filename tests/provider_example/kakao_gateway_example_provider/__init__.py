"""An echo Kakao upstream, `example://NAME[?greeting=TEXT]`: every Alim and Brand message it is handed is delivered
at once. It carries no Sangdam and no Brand coupon, so the gateway refuses those at accept (a 400 naming the
message and the reason) for an account whose Kakao upstream it is.

This is the worked example of docs/providers.md: a provider is a `Provider` declaration and a connector.
"""

from __future__ import annotations

from typing import Any

from kakao_gateway.connectors.base import LateResult, NoConnection, Submission, SubmitResult
from kakao_gateway.connectors.provider import Carries, Limits, Provider, Setting
from kakao_gateway.connectors.upstreams import UpstreamDeps, UpstreamError, UpstreamUrl

SCHEME = "example"
OPTIONS = ("greeting",)


class EchoConnector(NoConnection):
    """Delivers everything at once; keeps what it was handed (the tests look at it)."""

    def __init__(self, name: str, greeting: str) -> None:
        self.name = name
        self.greeting = greeting
        self.seen: list[Submission] = []

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        self.seen.extend(batch)
        return [SubmitResult("final", "DELIVERED_TO_HANDSET") for _ in batch]

    async def poll_results(self, now: int) -> list[LateResult]:
        return []  # every answer is final at the submit: nothing comes later

    def health(self) -> dict[str, Any]:
        return {"ok": True, "upstream": self.name, "delivered": len(self.seen)}


def check(url: UpstreamUrl) -> str:
    """Read the URL without connecting: an unknown option is a mistake the operator hears of when setting it."""
    unknown = sorted(set(url.query) - set(OPTIONS))
    if unknown:
        raise UpstreamError(f"unknown example option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    return url.query.get("greeting", "hello")


def connect(url: UpstreamUrl, deps: UpstreamDeps) -> EchoConnector:
    return EchoConnector(url.redacted, check(url))


PROVIDERS = (
    Provider(
        name="the example echo provider",
        family="kakao",
        schemes=(SCHEME,),
        carries=Carries(frozenset({"ALIM", "BRAND"}), coupons=False),
        connect=connect,
        check=check,
        limits=Limits(batch_size=100),
        settings=(Setting("greeting", "hello", "a word the connector keeps (an example of a URL option)"),),
        health="always healthy; says how many messages it delivered",
    ),
)
