"""Korean SMS rules for the failover hop: which format a text goes as, and what cannot go at all.

Korean carriers count bytes in EUC-KR (KS C 5601): a text of at most 90 bytes goes as SMS; up to 2,000 bytes, or
any text with a title, goes as LMS, whose title is at most 40 bytes. A text that EUC-KR cannot encode, or that is
too long, is refused at accept: it is never truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2_000
TITLE_MAX_BYTES = 40
ENCODING = "euc_kr"

SmsFormat = Literal["SMS", "LMS"]


@dataclass(frozen=True, slots=True)
class SmsText:
    """What the SMS hop sends: connectors get it as the submission's content (`to_content`)."""

    text: str
    format: SmsFormat
    title: str | None = None

    def to_content(self) -> dict[str, str]:
        content = {"text": self.text, "format": self.format}
        if self.title is not None:
            content["title"] = self.title
        return content

    @classmethod
    def from_content(cls, content: dict[str, str]) -> SmsText:
        return cls(content["text"], "LMS" if content.get("format") == "LMS" else "SMS", content.get("title"))


def euc_kr_bytes(text: str) -> int | None:
    """Its length in EUC-KR, or None when it has a character EUC-KR cannot encode."""
    try:
        return len(text.encode(ENCODING))
    except UnicodeEncodeError:
        return None


@dataclass(frozen=True, slots=True)
class SmsProblem:
    field: str  # "text" or "title"
    message: str


def sms_text(text: str, title: str | None = None) -> SmsText | SmsProblem:
    """The SMS or LMS for this text and title, or why it cannot be sent."""
    size = euc_kr_bytes(text)
    if size is None:
        return SmsProblem("text", "has characters that cannot be sent by SMS (EUC-KR)")
    if size == 0:
        return SmsProblem("text", "must not be blank")
    if size > LMS_MAX_BYTES:
        return SmsProblem("text", f"is {size} bytes in EUC-KR; an LMS takes at most {LMS_MAX_BYTES}")
    if title is not None:
        title_size = euc_kr_bytes(title)
        if title_size is None:
            return SmsProblem("title", "has characters that cannot be sent by SMS (EUC-KR)")
        if title_size > TITLE_MAX_BYTES:
            return SmsProblem("title", f"is {title_size} bytes in EUC-KR; an LMS title takes at most {TITLE_MAX_BYTES}")
        return SmsText(text, "LMS", title)
    return SmsText(text, "SMS" if size <= SMS_MAX_BYTES else "LMS")
