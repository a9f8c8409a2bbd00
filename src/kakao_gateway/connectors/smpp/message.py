"""What one SMS hop becomes on the wire: the bytes of its text and where they go in a submit_sm.

- Korean text: UCS-2 (data_coding 0x08) by default, because every SMSC and handset decodes it; KS C 5601 (0x0E,
  the EUC-KR bytes Korean carriers count) as an option for SMSCs that want it. Every character EUC-KR has (the
  domain's rule at accept) is in the Basic Multilingual Plane, so UCS-2 is UTF-16-BE without surrogates.
- Long text goes whole in the `message_payload` TLV rather than as concatenated parts (UDH): one submit_sm, one
  SMSC message id and one receipt per message, so a receipt maps to our row exactly; the SMSC splits it or sends
  it as LMS as the carrier does.
- SMPP has no title: an LMS title is the first line of the text (or dropped, `lms_title=drop`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...domain.sms import ENCODING, SmsText
from .config import DATA_CODINGS, SmppConfig

# One GSM TP-User-Data: what fits in a single SMS. A longer text goes in message_payload.
SHORT_MESSAGE_MAX = 140
CODECS = {"ucs2": "utf-16-be", "ksc5601": ENCODING}


@dataclass(frozen=True, slots=True)
class WireText:
    data: bytes
    data_coding: int
    as_payload: bool  # in the message_payload TLV, short_message left empty


def full_text(content: dict[str, Any], lms_title: str) -> str:
    """The text as the handset shows it: with an LMS title as its first line unless titles are dropped."""
    sms = SmsText.from_content(content)
    if sms.title and lms_title == "prepend":
        return f"{sms.title}\n{sms.text}"
    return sms.text


def encode_text(content: dict[str, Any], config: SmppConfig) -> WireText:
    """The bytes of a submission's text in the configured data_coding. Raises UnicodeEncodeError, ValueError."""
    data = full_text(content, config.lms_title).encode(CODECS[config.data_coding])
    long = len(data) > SHORT_MESSAGE_MAX or content.get("format") == "LMS"
    return WireText(data, config.data_coding_byte, long)


def decode_text(data: bytes, data_coding: int) -> str:
    """The inverse of encode_text, for tests and logs."""
    codec = {byte: name for name, byte in DATA_CODINGS.items()}[data_coding]
    return data.decode(CODECS[codec])
