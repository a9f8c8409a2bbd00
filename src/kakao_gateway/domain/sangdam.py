"""Kakao Sangdam rules: sessions, the inbound body Infobip pushes, keywords and the reply buttons of a message.

A session (our rule; Infobip leaves it open, KAKAO_API.md §7 items 10-11) opens with a user's first message to a
sender, and every later message in either direction belongs to it and restarts its inactivity timeout. The business
may message the user only while it is open. TERMINATE_SESSION closes it; so does the timeout, which then reaches
the business as an inbound EXPIRED_SESSION.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .reports import PRICE
from .times import format_ms

MINUTE_MS = 60_000
DEFAULT_TIMEOUT_MINUTES = 24 * 60
MAX_TIMEOUT_MINUTES = 30 * 24 * 60
INTEGRATION_TYPE = "KAKAO_SANGDAM"
MEDIA_TYPES = ("IMAGE", "FILE", "AUDIO", "VIDEO")
USER_TYPES = ("TEXT", *MEDIA_TYPES)  # what a user may write
EXPIRED_SESSION = "EXPIRED_SESSION"
REPLY_TYPES = ("REPLY", "REPLY_WITH_TEXT")
TERMINATE = "TERMINATE_SESSION"
INBOUND = "INBOUND"
OUTBOUND = "OUTBOUND"


def timeout_ms(settings: dict[str, Any]) -> int:
    """The account's inactivity timeout (its settings' `sangdamSessionTimeoutMinutes`, else 24 hours)."""
    minutes = settings.get("sangdamSessionTimeoutMinutes") or DEFAULT_TIMEOUT_MINUTES
    return int(minutes) * MINUTE_MS


def user_content(kind: str, at: int, text: str | None = None, url: str | None = None) -> dict[str, Any]:
    """The `message` of an inbound body for what a user wrote (TEXT, or a media type with its URL)."""
    if kind == "TEXT":
        return {"type": "TEXT", "text": text or "", "sentAt": format_ms(at)}
    return {"type": kind, "url": url or "", "urlsDetails": [{"url": url or ""}], "sentAt": format_ms(at)}


def expired_content(session_id: str, at: int) -> dict[str, Any]:
    return {"type": EXPIRED_SESSION, "sessionId": session_id, "sentAt": format_ms(at)}


@dataclass(frozen=True, slots=True)
class InboundFacts:
    """One inbound message as stored: enough to render its webhook/pull body."""

    message_id: str
    sender: str  # our sender (the channel the user wrote to)
    user_key: str
    received_at: int
    content: dict[str, Any]
    paired_message_id: str | None = None
    callback_data: str | None = None
    keyword: str | None = None


def inbound_result(f: InboundFacts) -> dict[str, Any]:
    """An `InboundMessageKakaoSangdamInboundContent`: `sender` is the user key, `to` our sender."""
    result: dict[str, Any] = {
        "sender": f.user_key,
        "to": f.sender,
        "integrationType": INTEGRATION_TYPE,
        "receivedAt": format_ms(f.received_at),
        "messageId": f.message_id,
        "message": f.content,
        "price": PRICE,
    }
    if f.keyword is not None:
        result["keyword"] = f.keyword
    if f.paired_message_id is not None:
        result["pairedMessageId"] = f.paired_message_id
    if f.callback_data is not None:
        result["callbackData"] = f.callback_data
    return result


def inbound_response(results: list[dict[str, Any]], pending: int) -> dict[str, Any]:
    """A `KakaoSangdamInboundResponse`: `messageCount` in this body, `pendingMessageCount` still waiting."""
    return {"results": results, "messageCount": len(results), "pendingMessageCount": pending}


def fold_keyword(text: str) -> str:
    """Keywords match whole texts, ignoring case and surrounding white space."""
    return " ".join(text.split()).casefold()


def reply_button(content: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The REPLY or REPLY_WITH_TEXT button called `name` of an outbound content, if it has one."""
    for button in content.get("buttons") or []:
        if button.get("name") == name and button.get("type") in REPLY_TYPES:
            return dict(button)
    return None


def reply_text(button: dict[str, Any], text: str | None) -> str:
    """What a pressed reply button writes: REPLY writes its name; REPLY_WITH_TEXT the user's text (or its name)."""
    if button["type"] == "REPLY_WITH_TEXT" and text:
        return text
    return str(button["name"])
