"""A message's send policy: its wire options converted once, at accept, into one typed value.

The policy travels with the row in one codec (`encode` / `decode`, JSON text in the `options` column, and the
validity in `validity_ms`), and the engine gets it decoded: its sending window, advertising hold and validity
(`timing`), who may receive it (`audience`) and its SMS failover (`failover`). Pacing lives on the bulk, and URL
tracking is applied at accept (short links in the content), so neither needs to travel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .planning import MAX_VALIDITY_MS, validity_ms
from .row_plan import Timing
from .schedule import Window
from .sms import SmsText, sms_text


@dataclass(frozen=True, slots=True)
class SmsFailover:
    """`smsFailover` as accepted (its sender resolved to the account's default when it had none); `wire` keeps
    every field, as stored."""

    text: str
    sender: str | None = None
    wire: tuple[tuple[str, Any], ...] = ()

    @property
    def sms(self) -> SmsText:
        """The SMS or LMS the hop sends (checked at accept, so it is one)."""
        title = (self.wire_dict.get("regional") or {}).get("southKorea", {}).get("title") or None
        result = sms_text(self.text, title)
        return result if isinstance(result, SmsText) else SmsText(self.text, "LMS", title)

    @property
    def validity_ms(self) -> int:
        """The SMS hop's validity (48 h when not given, and at most that), counted from when the hop starts."""
        period = self.wire_dict.get("validityPeriod") or {}
        return validity_ms(period.get("amount"), period.get("timeUnit"))

    @property
    def wire_dict(self) -> dict[str, Any]:
        return dict(self.wire)

    def destination_for(self, to: str, user_key: bool = False) -> str | None:
        """The phone number the SMS hop goes to: `to` itself, or for a user key (Sangdam) its match in
        `destinationMatching` (None: no match, or no matching at all, and so no failover)."""
        matching = self.wire_dict.get("destinationMatching")
        if matching is None:
            return None if user_key else to
        for pair in matching:
            if pair.get("initial") == to:
                return str(pair.get("failover"))
        return None


@dataclass(frozen=True, slots=True)
class SendPolicy:
    timing: Timing = field(default_factory=Timing)
    audience: str | None = None  # Brand targeting: TARGETED_FRIENDS, ALL_CONSENT or NON_FRIENDS
    failover: SmsFailover | None = None
    failover_reports: bool = False  # also report the end of the Kakao hop when the SMS hop starts (Brand)

    def encode(self) -> str | None:
        """The `options` column: None when there is nothing to keep."""
        wire: dict[str, Any] = {}
        if self.timing.window is not None:
            assert isinstance(self.timing.window, Window)
            wire["deliveryTimeWindow"] = self.timing.window.to_wire()
        if self.timing.hold is not None:
            wire["adHours"] = self.timing.hold.to_wire()
        if self.audience is not None:
            wire["targeting"] = self.audience
        if self.failover is not None:
            wire["smsFailover"] = dict(self.failover.wire)
        if self.failover_reports:
            wire["failoverReports"] = True
        return json.dumps(wire, separators=(",", ":")) if wire else None


def failover_of(wire: dict[str, Any] | None) -> SmsFailover | None:
    if not wire:
        return None
    return SmsFailover(str(wire.get("text", "")), wire.get("sender"), tuple(sorted(wire.items())))


def with_default_sender(wire: dict[str, Any], sender: str | None) -> dict[str, Any]:
    """`smsFailover` as stored: its sender, else the account's default SMS sender (if any)."""
    if wire.get("sender") or sender is None:
        return wire
    return {**wire, "sender": sender}


def policy_of(
    options: dict[str, Any], validity_ms: int, hold: Window | None = None, audience: str | None = None
) -> SendPolicy:
    """The policy of a message from its wire options (as dumped by alias, without nulls) and the account's hold."""
    window = options.get("deliveryTimeWindow")
    timing = Timing(Window.from_wire(window) if window else None, hold, validity_ms)
    return SendPolicy(
        timing,
        audience or options.get("targeting"),
        failover_of(options.get("smsFailover")),
        bool(options.get("failoverReports")),
    )


@lru_cache(maxsize=8192)
def decode(options: str | None, validity_ms: int | None) -> SendPolicy:
    """A stored row's policy (cached: a bulk's rows share their options text)."""
    parsed: dict[str, Any] = json.loads(options) if options else {}
    hold = parsed.get("adHours")
    validity = MAX_VALIDITY_MS if validity_ms is None else validity_ms
    return policy_of(parsed, validity, Window.from_wire(hold) if hold else None)
