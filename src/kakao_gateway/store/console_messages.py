"""What the store knows about one message, for the console's timeline: its row, its reports with their webhook
pushes, and the clicks on its short links. Each read is one index seek (uq_messages_account_message,
ix_reports_message, ix_short_links_message, ix_clicks_code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from .sql import Fetch, Op

MESSAGE_COLUMNS = (
    "message_id",
    "bulk_id",
    "channel",
    "sender",
    "destination",
    "state",
    "created_at",
    "due_at",
    "expires_at",
    "attempts",
    "first_attempt_at",
    "departed_at",
    "done_at",
    "status_id",
    "error_id",
    "hop",
    "route",
    "prior_status_id",
    "prior_error_id",
    "prior_done_at",
    "callback_data",
    "campaign_ref",
    "content",
    "history",
)
REPORT_COLUMNS = (
    "seq",
    "kind",
    "final",
    "created_at",
    "push_url",
    "push_state",
    "push_due_at",
    "push_attempts",
    "push_error",
    "push_last_at",
    "pulled_at",
    "push_history",
)
MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class MessageStory:
    message: dict[str, Any]
    reports: list[dict[str, Any]]
    clicks: list[dict[str, Any]]


def message_story(account_id: str, message_id: str) -> Op[MessageStory | None]:
    rows = yield Fetch(
        f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM message_view WHERE account_id = ? AND message_id = ?",
        (account_id, message_id),
    )
    if not rows:
        return None
    message = {c: rows[0][c] for c in MESSAGE_COLUMNS}
    reports = yield Fetch(
        f"SELECT {', '.join(REPORT_COLUMNS)} FROM reports WHERE account_id = ? AND message_id = ? ORDER BY seq LIMIT ?",
        (account_id, message_id, MAX_ROWS),
    )
    clicks = yield Fetch(
        "SELECT c.clicked_at, c.device, c.client, l.url FROM short_links l JOIN clicks c ON c.code = l.code "
        "WHERE l.account_id = ? AND l.message_id = ? ORDER BY c.clicked_at LIMIT ?",
        (account_id, message_id, MAX_ROWS),
    )
    return MessageStory(
        message,
        [{c: r[c] for c in REPORT_COLUMNS} for r in reports],
        [{"clicked_at": r[0], "device": r[1], "client": r[2], "url": r[3]} for r in clicks],
    )


@dataclass(frozen=True, slots=True)
class Reply:
    at: int
    content: dict[str, Any]
    paired: bool  # a button of this message was pressed (else: what the user wrote next)
    callback_data: str | None


def sangdam_replies(account_id: str, message_id: str, limit: int = MAX_ROWS) -> Op[list[Reply]]:
    """What the user wrote back to a Sangdam message: inbound rows of its session after it, up to the business's
    next message (and presses of its buttons, whenever they came). A walk of ix_sangdam_messages_session."""
    own = yield Fetch(
        "SELECT session_id, seq FROM sangdam_messages WHERE account_id = ? AND message_id = ? "
        "AND direction = 'OUTBOUND'",
        (account_id, message_id),
    )
    if not own:
        return []
    rows = yield Fetch(
        "SELECT direction, content, created_at, paired_message_id, callback_data FROM sangdam_messages "
        "WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        (own[0]["session_id"], own[0]["seq"], limit),
    )
    replies: list[Reply] = []
    answered = False  # the business wrote again: later inbound rows answer that, unless they press our buttons
    for r in rows:
        if r["direction"] == "OUTBOUND":
            answered = True
            continue
        paired = r["paired_message_id"] == message_id
        if paired or not answered:
            content = orjson.loads(r["content"])
            replies.append(Reply(r["created_at"], content, paired, r["callback_data"]))
    return replies
