"""Korea's rules for advertising messages, as the gateway applies them to Brand messages (advertising by nature).

- **Hours.** 정보통신망법 (the Network Act) §50(3): advertising sent between 21:00 and 08:00 needs the recipient's
  separate prior consent. Kakao goes further for Brand messages (친구톡): it refuses advertising sends from 20:50 to
  08:00 KST. So Brand messages may leave from 08:00 to 20:50 Korea time by default (`AD_HOURS`).
- **Labels.** §50(4) and its enforcement decree: an advertising text begins with `(광고)` and the sender's name, and
  says how to opt out for free (`무료수신거부` or `무료거부` with an 080 number). Carriers block sender numbers
  whose advertising SMS lack them, and the regulator fines the sender. The SMS or LMS a Brand message fails over to
  is such a text: `missing_labels` says what it lacks, `labelled` adds it from the account's `AdIdentity`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sms import euc_kr_bytes

AD_HOURS = {"from": "08:00", "to": "20:50"}  # Korea time: when Kakao takes advertising sends
AD_PREFIX = "(광고)"
OPT_OUT_WORD = "무료수신거부"
MAX_NAME = 30

# `무료수신거부` or `무료거부`, then (after spaces, a colon or a dash) a phone number: 080-123-4567, 0801234567, ...
_OPT_OUT = re.compile(r"무료(?:수신)?거부\s*[:：\-]?\s*0\d{1,2}[-.\s]?\d{3,4}[-.\s]?\d{4}")
_FREE_NUMBER = re.compile(r"080-?\d{3,4}-?\d{4}")

PREFIX = "prefix"
OPT_OUT = "opt-out"
_WHAT = {
    PREFIX: f"begin with '{AD_PREFIX}' followed by the sender's name",
    OPT_OUT: f"contain '{OPT_OUT_WORD}' (or '무료거부') and a free opt-out number, e.g. '{OPT_OUT_WORD} 080-123-4567'",
}


@dataclass(frozen=True, slots=True)
class AdIdentity:
    """Who advertises: the name after `(광고)` and the free (080) number that takes opt-outs."""

    name: str
    opt_out_number: str

    def to_wire(self) -> dict[str, str]:
        return {"name": self.name, "optOutNumber": self.opt_out_number}

    @classmethod
    def from_wire(cls, wire: dict[str, str]) -> AdIdentity:
        return cls(wire["name"], wire["optOutNumber"])


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "must not be blank"
    if len(name) > MAX_NAME or "\n" in name:
        return f"must be one line of at most {MAX_NAME} characters"
    if euc_kr_bytes(name) is None:
        return "has characters that cannot be sent by SMS (EUC-KR)"
    return None


def opt_out_number_problem(number: str) -> str | None:
    if not _FREE_NUMBER.fullmatch(number.strip()):
        return "must be a free (080) number, e.g. 080-123-4567"
    return None


def missing_labels(text: str) -> list[str]:
    """What an advertising SMS text lacks: PREFIX (`(광고)` and a name right after it), OPT_OUT (a free opt-out)."""
    missing = []
    head = text.lstrip()
    if not head.startswith(AD_PREFIX) or not head[len(AD_PREFIX) :].split("\n", 1)[0].strip():
        missing.append(PREFIX)
    if not _OPT_OUT.search(text):
        missing.append(OPT_OUT)
    return missing


def missing_labels_problem(missing: list[str]) -> str:
    rules = " and ".join(_WHAT[m] for m in missing)
    return (
        f"is an advertising SMS (정보통신망법 §50): it must {rules}; "
        "or set the account's adIdentity (PUT /kakao/1/brand-settings) and the gateway adds them"
    )


def labelled(text: str, identity: AdIdentity) -> str:
    """`text` with what it lacks: `(광고)<name> ` in front (the name after a bare `(광고)`), and a line
    `무료수신거부 <number>` at the end. A text that has both is returned as it is."""
    head = text.lstrip()
    if head.startswith(AD_PREFIX):
        rest = head[len(AD_PREFIX) :]
        if not rest.lstrip().startswith(identity.name):
            head = f"{AD_PREFIX}{identity.name} {rest.lstrip()}"
    else:
        head = f"{AD_PREFIX}{identity.name} {head}"
    if OPT_OUT in missing_labels(head):
        head = f"{head}\n{OPT_OUT_WORD} {identity.opt_out_number}"
    return head
