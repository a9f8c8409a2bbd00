"""The console's message pages: search (the logs' filters, every channel) and one message's timeline, told from
what the store keeps: acceptance, waiting, submission and retries, the SMS failover hop, the final status, each
report and its webhook pushes, and clicks on its short links."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import orjson

from ..domain.channels import CHANNELS as CHANNEL_RULES
from ..domain.filters import LogFilter
from ..domain.korean_numbers import to_international
from ..domain.status import ERROR_BY_ID, STATUS_BY_ID
from ..domain.times import format_ms
from ..store import console_messages as store
from .context import Context
from .errors import NotFound

CHANNELS = ("ALIM", "BRAND", "SANGDAM")


def typed_numbers(f: LogFilter, channel: str) -> LogFilter:
    """A search by destination takes phone numbers as people type them (`010-1234-5678`): each is looked up in the
    international form messages are stored in. (Sangdam destinations are user keys, taken as they are.)"""
    if CHANNEL_RULES[channel].destination != "phone":
        return f
    return replace(f, destinations=tuple(to_international(d) or d for d in f.destinations))


@dataclass(frozen=True, slots=True)
class Event:
    at: int
    what: str
    detail: str = ""
    tone: str = ""  # "good" | "bad" | ""


@dataclass(frozen=True, slots=True)
class Timeline:
    message: dict[str, Any]
    content: dict[str, Any]
    status: str
    error: str
    events: list[Event]


def _outcome(status_id: int | None, error_id: int | None) -> tuple[str, str]:
    status = STATUS_BY_ID[status_id].name if status_id is not None and status_id in STATUS_BY_ID else "?"
    error = ERROR_BY_ID[error_id].name if error_id is not None and error_id in ERROR_BY_ID else ""
    return status, error


def _tone(status_id: int | None) -> str:
    if status_id is None or status_id not in STATUS_BY_ID:
        return ""
    group = STATUS_BY_ID[status_id].group_id
    return "good" if group == 3 else "bad" if group in (2, 4, 5) else ""


def _lines(text: str | None) -> list[dict[str, Any]]:
    """The JSON lines of a history column; a line cut short or garbled is left out, not an error."""
    out: list[dict[str, Any]] = []
    for line in (text or "").splitlines():
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict) and isinstance(event.get("at"), int):
            out.append(event)
    return out


HELD_BY = {
    "schedule": "its schedule (sendAt)",
    "window": "its sending window (delivery window, advertising hours)",
    "pace": "its bulk's pace",
    "rate": "the submit rate",
}


def _history_events(m: dict[str, Any]) -> list[Event]:
    """Each attempt, hold and result the engine recorded (messages.history). The failover and the final status are
    told from the row itself, so their lines are only counted here."""
    events: list[Event] = []
    attempt = 0
    for h in _lines(m["history"]):
        at, what = h["at"], h.get("event")
        _, error = _outcome(None, h.get("error"))
        until = format_ms(h["until"]) if isinstance(h.get("until"), int) else "?"
        if what == "retry":
            why = h.get("why")
            if why == "lease":
                events.append(Event(at, "Lease lapsed", f"its worker stopped; sent again {until}", "bad"))
                continue
            attempt += 1
            if why == "timeout":
                events.append(
                    Event(at, f"Attempt {attempt}: no result in time", f"{error}; next attempt {until}", "bad")
                )
            else:
                events.append(Event(at, f"Attempt {attempt} failed", f"{error}; next attempt {until}", "bad"))
        elif what == "held":
            reason = HELD_BY.get(str(h.get("why")), "a rule of its bulk or account")
            events.append(Event(at, "Held", f"by {reason}, until {until}"))
        elif what == "submitted":
            attempt += 1
            events.append(Event(at, f"Attempt {attempt} accepted upstream", "waiting for its result"))
        elif what == "result":
            events.append(Event(at, "Temporary result", f"{error}; sent again if no final result comes", "bad"))
        elif what == "failover":
            attempt = 0  # the SMS hop counts its attempts from zero
        elif what == "expired":
            events.append(Event(at, "Validity ended", "never delivered in time", "bad"))
    return events


def _held_until(history: str | None, due_at: int) -> bool:
    """Whether the history's last hold ends at `due_at` (it already tells the wait)."""
    holds = [h for h in _lines(history) if h.get("event") == "held"]
    return bool(holds) and holds[-1].get("until") == due_at


def _message_events(m: dict[str, Any]) -> list[Event]:
    events = [Event(m["created_at"], "Accepted", f"bulk {m['bulk_id']} · {m['channel']} · to {m['destination']}")]
    if m["state"] == "queued" and m["due_at"] > m["created_at"]:
        if m["attempts"]:
            events.append(Event(m["due_at"], "Next attempt due", "after a temporary error"))
        elif not _held_until(m["history"], m["due_at"]):  # re-planned since (rescheduled, re-paced, resumed)
            events.append(Event(m["due_at"], "Waiting", "held until this instant (schedule, delivery window or pace)"))
    if m["first_attempt_at"] is not None:
        events.append(Event(m["first_attempt_at"], "First submission attempt", f"route {m['route']}"))
    history = _history_events(m)
    events.extend(history)
    if m["attempts"] > 1:
        _, error = _outcome(None, m["error_id"])
        last = f"last error {error}" if error and error != "NO_ERROR" else ""
        events.append(Event(m["first_attempt_at"] or m["created_at"], f"{m['attempts']} attempts", last, "bad"))
    if m["departed_at"] is not None:
        events.append(Event(m["departed_at"], "Submitted upstream", f"route {m['route']}"))
    if m["prior_done_at"] is not None:
        status, error = _outcome(m["prior_status_id"], m["prior_error_id"])
        events.append(Event(m["prior_done_at"], "Kakao hop ended", f"{status} {error}", "bad"))
        events.append(Event(m["prior_done_at"], "SMS failover hop", f"route {m['route']}"))
    if m["done_at"] is not None:
        status, error = _outcome(m["status_id"], m["error_id"])
        events.append(Event(m["done_at"], "Final status", f"{status} {error}", _tone(m["status_id"])))
    return events


def _report_events(r: dict[str, Any]) -> list[Event]:
    kind = "Final report" if r["final"] else "Intermediate report"
    if r["kind"] != "report":
        kind = f"{kind} ({r['kind']})"
    events = [Event(r["created_at"], kind, "stored for pull" if not r["push_url"] else f"to push to {r['push_url']}")]
    pushes = _lines(r["push_history"])
    for p in pushes:
        events.append(_push_event(p))
    if r["push_url"] and not pushes:
        attempts = r["push_attempts"]
        at = r["push_last_at"] or r["created_at"]
        if r["push_state"] == "pushed":
            before = f"after {attempts} failed attempt(s)" if attempts else "at the first attempt"
            events.append(Event(at, "Webhook pushed", before, "good"))
        elif r["push_error"]:
            more = (
                f"; next try {format_ms(r['push_due_at'])}" if r["push_state"] == "pending" else f" ({r['push_state']})"
            )
            events.append(
                Event(at, "Webhook push failed", f"{attempts} failed attempt(s): {r['push_error']}{more}", "bad")
            )
    if r["pulled_at"] is not None:
        events.append(Event(r["pulled_at"], "Report pulled", "by GET …/reports", "good"))
    return events


def _push_event(p: dict[str, Any]) -> Event:
    status = p.get("status")
    answer = f"HTTP {status}" if status is not None else "no answer"
    took = f" in {p['ms']} ms" if p.get("ms") is not None else ""
    if "error" not in p:
        return Event(p["at"], "Webhook pushed", f"{answer}{took}", "good")
    error = p["error"] if p["error"] != f"HTTP {status}" else ""
    after = f"next try {format_ms(p['next'])}" if isinstance(p.get("next"), int) else "gave up"
    return Event(p["at"], "Webhook push failed", "; ".join(x for x in (f"{answer}{took}", error, after) if x), "bad")


def _reply_event(r: store.Reply) -> Event:
    content = r.content
    said = content.get("text") or content.get("url") or content.get("type", "")
    if r.paired:
        return Event(
            r.at, "The user pressed a button", f"{said}" + (f" · {r.callback_data}" if r.callback_data else ""), "good"
        )
    return Event(r.at, "The user replied", str(said), "good")


async def timeline(ctx: Context, account_id: str, message_id: str) -> Timeline:
    story = await ctx.db.read(store.message_story(account_id, message_id))
    if story is None:
        raise NotFound("message not found", "messageId")
    events = _message_events(story.message)
    for r in story.reports:
        events.extend(_report_events(r))
    for c in story.clicks:
        events.append(Event(c["clicked_at"], "Clicked", f"{c['url']} · {c['device']} {c['client'] or ''}", "good"))
    if story.message["channel"] == "SANGDAM":
        replies = await ctx.db.read(store.sangdam_replies(account_id, message_id))
        events.extend(_reply_event(reply) for reply in replies)
    events.sort(key=lambda e: e.at)
    status, error = _outcome(story.message["status_id"], story.message["error_id"])
    content = orjson.loads(story.message["content"])
    return Timeline(story.message, content if isinstance(content, dict) else {}, status, error, events)
