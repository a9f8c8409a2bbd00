"""The SMPP 3.4 SMS connector (`smpp://`): an ESME bound as transceiver, for the SMS failover hop.

A submission is `accepted` once the SMSC's submit_sm_resp gives it a message id; its delivery receipt later becomes
a LateResult. Nothing is lost: whatever did not get a submit_sm_resp (not bound, connection lost, no answer in
time, throttled) is `temporary`, and the engine sends it again under the same messageId. Options and choices
(data_coding, long text, LMS titles, backoff) are in docs/sms-smpp.md.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

import smpp34

from ...clock import Clock
from ..base import LateResult, Submission, SubmitResult
from ..upstreams import ConnectorFactory, UpstreamDeps, UpstreamUrl
from .config import SmppConfig, parse_config
from .message import WireText, encode_text
from .pacing import Pacer, ThrottlePause
from .receipts import Correlator, normalize_id, parse_receipt
from .results import PROVIDER_ERROR, PROVIDER_TIMEOUT, THROTTLING, TOO_MANY_REQUESTS, submit_result
from .session import Session

log = logging.getLogger(__name__)

TLV_MESSAGE_PAYLOAD = 0x0424
REGISTERED_DELIVERY_FINAL = 0x01  # a receipt on final success or failure
CANNOT_ENCODE = SubmitResult("final", "UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
NO_MESSAGE_ID = SubmitResult("final", "DELIVERED_TO_OPERATOR", "NO_ERROR")


def connect(url: UpstreamUrl, deps: UpstreamDeps) -> SmppConnector:
    """The connector for an `smpp://` URL; raises UpstreamError for a URL it cannot use."""
    return SmppConnector(parse_config(url), deps.clock, url.redacted)


class SmppConnector:
    """The Connector for one `smpp://` URL: one transceiver bind."""

    def __init__(self, config: SmppConfig, clock: Clock, upstream: str) -> None:
        self._config = config
        self._clock = clock
        self._upstream = upstream
        self._session = Session(config, clock, upstream, self._on_deliver)
        self._window = asyncio.Semaphore(config.window)
        self._pacer = Pacer(config.max_rate)
        self._pause = ThrottlePause(round(config.throttle_pause * 1000), round(config.throttle_pause_max * 1000))
        self._receipts = Correlator(round(config.receipt_hold * 1000), round(config.receipt_wait * 1000))
        self._in_flight = 0

    async def start(self) -> None:
        await self._session.start()

    async def close(self) -> None:
        await self._session.close()

    async def wait_bound(self, timeout: float) -> bool:
        """Whether a bind is up within `timeout` seconds (for tests and startup scripts)."""
        return await self._session.wait_bound(timeout)

    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        return list(await asyncio.gather(*(self._submit_guarded(s) for s in batch)))

    async def poll_results(self, now: int) -> list[LateResult]:
        return self._receipts.take(self._clock.now_ms())

    def health(self) -> dict[str, Any]:
        state = self._session.state
        now = self._clock.now_ms()
        return {
            "ok": state.bound,
            "bound": state.bound,
            "upstream": self._upstream,
            "system_id": self._config.system_id,
            "binds": state.binds,
            "sessions_lost": state.lost,
            "last_bind_error": state.last_error,
            "last_bind_error_at": state.last_error_at,
            "in_flight": self._in_flight,
            "throttled_until": self._pause.until if self._pause.paused(now) else None,
            **self._receipts.counts(),
        }

    async def _submit_guarded(self, s: Submission) -> SubmitResult:
        try:
            return await self._submit_one(s)
        except Exception:  # one message's trouble must not fail the batch
            log.exception("SMPP submit failed unexpectedly", extra={"messageId": s.message_id})
            return PROVIDER_ERROR

    async def _submit_one(self, s: Submission) -> SubmitResult:
        try:
            wire = encode_text(s.content, self._config)
        except (KeyError, ValueError) as e:  # UnicodeEncodeError is a ValueError
            log.error("SMS text cannot be sent over SMPP: %s", e, extra={"messageId": s.message_id})
            return CANNOT_ENCODE
        if self._pause.paused(self._clock.now_ms()) or self._session.smsc is None:
            return self._refusal()
        async with self._window:
            await self._pacer.wait()
            smsc = self._session.smsc  # the session or the SMSC's mood may have changed while we waited
            if self._pause.paused(self._clock.now_ms()) or smsc is None:
                return self._refusal()
            return await self._send(smsc, s, wire)

    def _refusal(self) -> SubmitResult:
        """Why a submission is not sent now: the SMSC asked for a pause, or there is no bind."""
        return TOO_MANY_REQUESTS if self._pause.paused(self._clock.now_ms()) else PROVIDER_ERROR

    async def _send(self, smsc: smpp34.Smsc, s: Submission, wire: WireText) -> SubmitResult:
        c = self._config
        self._in_flight += 1
        try:
            resp = await asyncio.wait_for(
                smsc.submit_sm(
                    s.destination,
                    b"" if wire.as_payload else wire.data,
                    source_addr=s.sender,
                    service_type=c.service_type,
                    source_addr_ton=c.source_ton,
                    source_addr_npi=c.source_npi,
                    dest_addr_ton=c.dest_ton,
                    dest_addr_npi=c.dest_npi,
                    registered_delivery=REGISTERED_DELIVERY_FINAL,
                    data_coding=wire.data_coding,
                    tlvs=[smpp34.Tlv(TLV_MESSAGE_PAYLOAD, wire.data)] if wire.as_payload else [],
                ),
                c.response_timeout,
            )
        except TimeoutError:
            log.warning("SMPP submit_sm_resp not received within %g s", c.response_timeout, extra=_ids(s))
            return PROVIDER_TIMEOUT
        except smpp34.SmppError as e:
            log.warning("SMPP submit_sm lost with the session (%s); it will be sent again", e, extra=_ids(s))
            return PROVIDER_ERROR
        finally:
            self._in_flight -= 1
        return self._answered(s, resp.command_status, resp.message_id)

    def _answered(self, s: Submission, command_status: int, smsc_id: str | None) -> SubmitResult:
        result = submit_result(command_status)
        if command_status in THROTTLING:
            self._pause.throttled(self._clock.now_ms())
        if result.kind != "accepted":
            log.warning("SMPP submit_sm refused: command_status 0x%08X", command_status, extra=_ids(s))
            return result
        self._pause.succeeded()
        if not smsc_id:
            log.warning("SMPP submit_sm_resp has no message_id: no receipt can be matched", extra=_ids(s))
            return NO_MESSAGE_ID
        self._receipts.accepted(smsc_id, s.seq, s.hop, self._clock.now_ms())
        # A receipt may take hours: the engine waits for it (until the hop's validity ends) instead of sending the
        # SMS again after its usual result timeout, which would reach the handset twice.
        return replace(result, wait_ms=round(self._config.receipt_wait * 1000), ref=normalize_id(smsc_id))

    def _on_deliver(self, event: smpp34.DeliverSmEvent) -> None:
        tlvs = {tlv.tag: tlv.value for tlv in event.tlvs}
        receipt = parse_receipt(event.esm_class, event.short_message, tlvs)
        if receipt is None:
            log.info("SMPP deliver_sm that is not a delivery receipt ignored (esm_class 0x%02X)", event.esm_class)
            return
        self._receipts.receipt(receipt, self._clock.now_ms())


def _ids(s: Submission) -> dict[str, Any]:
    return {"messageId": s.message_id, "smsSeq": s.seq}


_FACTORY: ConnectorFactory = connect  # mypy checks here that SmppConnector is a Connector
