"""Delivery receipts: reading a deliver_sm, and matching it to our row through the SMSC's message id.

The id the submit_sm_resp gave and the one in the receipt are matched after normalizing (case, and leading zeros of
an all-digit id: some SMSCs pad the receipt's id). A receipt may come before its submit_sm_resp (the SMSC answered
on one path and delivered on another): it is held for `receipt_hold` and matched when the response comes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from ..base import LateResult
from .results import MESSAGE_STATES, receipt_outcome

log = logging.getLogger(__name__)

TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_MESSAGE_STATE = 0x0427
ESM_CLASS_TYPE_MASK = 0x3C
ESM_CLASS_DELIVERY_RECEIPT = 0x04

_FIELD = re.compile(r"\b(id|stat|err):(\S*)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Receipt:
    smsc_id: str  # normalized
    stat: str
    err: str


def normalize_id(smsc_id: str) -> str:
    smsc_id = smsc_id.strip().strip("\x00").lower()
    return (smsc_id.lstrip("0") or "0") if smsc_id.isdigit() else smsc_id


def parse_receipt(esm_class: int, text: bytes, tlvs: dict[int, bytes]) -> Receipt | None:
    """The receipt a deliver_sm carries, or None when it is not a receipt (an MO message) or has no id.

    The `receipted_message_id` and `message_state` TLVs win over the text's `id:` and `stat:` when present."""
    is_receipt = esm_class & ESM_CLASS_TYPE_MASK == ESM_CLASS_DELIVERY_RECEIPT
    if not is_receipt and TLV_RECEIPTED_MESSAGE_ID not in tlvs:
        return None
    fields = {name.lower(): value for name, value in _FIELD.findall(text.decode("latin-1"))}
    smsc_id = tlvs[TLV_RECEIPTED_MESSAGE_ID].decode("latin-1") if TLV_RECEIPTED_MESSAGE_ID in tlvs else fields.get("id")
    state = tlvs.get(TLV_MESSAGE_STATE, b"")
    stat = MESSAGE_STATES.get(state[0], "") if len(state) == 1 else fields.get("stat", "")
    if not smsc_id or not normalize_id(smsc_id):
        return None
    return Receipt(normalize_id(smsc_id), stat, fields.get("err", ""))


@dataclass
class _Awaiting:
    seq: int
    hop: int
    since: int


@dataclass
class _Early:
    status: str
    error: str
    since: int


@dataclass
class Correlator:
    """SMSC message ids awaiting their receipt, receipts awaiting their id, and the results not yet polled.

    Times are the connector clock's milliseconds. Both maps are in arrival order, so expiring is from the front."""

    hold_ms: int  # how long a receipt waits for its submit_sm_resp
    wait_ms: int  # how long an accepted message waits for its receipt before we forget it (the engine times out)
    _awaiting: dict[str, _Awaiting] = field(default_factory=dict)
    _early: dict[str, _Early] = field(default_factory=dict)
    _results: list[LateResult] = field(default_factory=list)

    def accepted(self, smsc_id: str, seq: int, hop: int, now: int) -> None:
        key = normalize_id(smsc_id)
        early = self._early.pop(key, None)
        if early is not None:
            self._results.append(LateResult(seq, "final", early.status, early.error, hop))
        else:
            self._awaiting.pop(key, None)  # a reused id goes to the back: the maps stay in arrival order
            self._awaiting[key] = _Awaiting(seq, hop, now)

    def receipt(self, receipt: Receipt, now: int) -> None:
        outcome = receipt_outcome(receipt.stat, receipt.err)
        if outcome is None:
            log.debug("SMPP receipt for %s in state %r: not final, ignored", receipt.smsc_id, receipt.stat)
            return
        awaiting = self._awaiting.pop(receipt.smsc_id, None)
        if awaiting is None:
            self._early.pop(receipt.smsc_id, None)
            self._early[receipt.smsc_id] = _Early(*outcome, now)
        else:
            self._results.append(LateResult(awaiting.seq, "final", *outcome, awaiting.hop))

    def take(self, now: int) -> list[LateResult]:
        """The results matched since the last call; forgets what waited too long."""
        self._expire(now)
        results, self._results = self._results, []
        return results

    def counts(self) -> dict[str, int]:
        return {"awaiting_receipts": len(self._awaiting), "held_receipts": len(self._early)}

    def _expire(self, now: int) -> None:
        while self._early:
            smsc_id, early = next(iter(self._early.items()))
            if now - early.since < self.hold_ms:
                break
            del self._early[smsc_id]
            # Not submitted through this connection (another process's, or before a restart): the engine finds the
            # message by the SMSC id stored on its row.
            self._results.append(LateResult(0, "final", early.status, early.error, ref=smsc_id))
        while self._awaiting:
            smsc_id, awaiting = next(iter(self._awaiting.items()))
            if now - awaiting.since < self.wait_ms:
                break
            del self._awaiting[smsc_id]
