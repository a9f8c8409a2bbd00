"""The console's message pages: search (the logs' filters, every channel) and one message's timeline, told from
what the store keeps: acceptance, waiting, submission and retries, the SMS failover hop, the final status, each
report and its webhook pushes, and clicks on its short links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from ...domain.channels import CHANNELS as CHANNEL_RULES
from ...domain.filters import LogFilter
from ...domain.korean_numbers import to_international
from ...domain.status import ERROR_BY_ID, STATUS_BY_ID
from ...store import console_messages as store
from ..context import Context
from ..errors import NotFound

CHANNELS = ("ALIM", "BRAND", "SANGDAM")


def typed_numbers(f: LogFilter, channel: str) -> LogFilter:
    """A search by destination takes phone numbers as people type them (`010-1234-5678`): each is looked up in the
    international form messages are stored in. (Sangdam destinations are user keys, taken as they are.)"""
    if CHANNEL_RULES[channel].destination != "phone":
        return f
    return replace(f, destinations=tuple(to_international(d) or d for d in f.destinations))


def N_(message: str) -> str:
    """Marks English text the console translates (its catalogue, console/locale): the service tells, the console
    words it in the viewer's language."""
    return message


@dataclass(frozen=True, slots=True)
class At:
    """An instant in an event's text, which the console shows in the viewer's time zone."""

    ms: int


@dataclass(frozen=True, slots=True)
class Text:
    """A phrase in an event's text, which the console translates too."""

    message: str


@dataclass(frozen=True, slots=True)
class Event:
    """One line of a timeline: `what` and `detail` are English with `%(name)s` placeholders for `values`."""

    at: int
    what: str
    detail: str = ""
    tone: str = ""  # "good" | "bad" | ""
    values: Mapping[str, Any] = field(default_factory=dict)


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
    "schedule": N_("its schedule (sendAt)"),
    "window": N_("its sending window (delivery window, advertising hours)"),
    "pace": N_("its bulk's pace"),
    "rate": N_("the submit rate"),
    "upstream": N_("its upstream being unhealthy: it goes to the next upstream of its list"),
}


def _history_events(m: dict[str, Any]) -> list[Event]:
    """Each attempt, hold and result the engine recorded (messages.history). The failover and the final status are
    told from the row itself, so their lines are only counted here."""
    events: list[Event] = []
    attempt = 0
    for h in _lines(m["history"]):
        at, what = h["at"], h.get("event")
        _, error = _outcome(None, h.get("error"))
        until: At | str = At(h["until"]) if isinstance(h.get("until"), int) else "?"
        if what == "retry":
            why = h.get("why")
            if why == "lease":
                events.append(
                    Event(
                        at, N_("Lease lapsed"), N_("its worker stopped; sent again %(until)s"), "bad", {"until": until}
                    )
                )
                continue
            attempt += 1
            title = (
                N_("Attempt %(attempt)s: no result in time") if why == "timeout" else N_("Attempt %(attempt)s failed")
            )
            values = {"attempt": attempt, "error": error, "until": until, "route": h.get("route")}
            detail = N_("%(error)s via %(route)s; next attempt %(until)s") if h.get("route") else None
            events.append(Event(at, title, detail or N_("%(error)s; next attempt %(until)s"), "bad", values))
        elif what == "held":
            reason = Text(HELD_BY.get(str(h.get("why")), N_("a rule of its bulk or account")))
            events.append(
                Event(at, N_("Held"), N_("by %(reason)s, until %(until)s"), "", {"reason": reason, "until": until})
            )
        elif what == "submitted":
            attempt += 1
            title = N_("Attempt %(attempt)s accepted upstream")
            detail = N_("by %(route)s; waiting for its result") if h.get("route") else N_("waiting for its result")
            events.append(Event(at, title, detail, "", {"attempt": attempt, "route": h.get("route")}))
        elif what == "result":
            detail = N_("%(error)s; sent again if no final result comes")
            events.append(Event(at, N_("Temporary result"), detail, "bad", {"error": error}))
        elif what == "failover":
            attempt = 0  # the SMS hop counts its attempts from zero
        elif what == "expired":
            events.append(Event(at, N_("Validity ended"), N_("never delivered in time"), "bad"))
    return events


def _held_until(history: str | None, due_at: int) -> bool:
    """Whether the history's last hold ends at `due_at` (it already tells the wait)."""
    holds = [h for h in _lines(history) if h.get("event") == "held"]
    return bool(holds) and holds[-1].get("until") == due_at


def _message_events(m: dict[str, Any]) -> list[Event]:
    accepted = {"bulk": m["bulk_id"], "channel": m["channel"], "to": m["destination"]}
    events = [Event(m["created_at"], N_("Accepted"), N_("bulk %(bulk)s · %(channel)s · to %(to)s"), "", accepted)]
    route = {"route": m["route"]}
    if m["state"] == "queued" and m["due_at"] > m["created_at"]:
        if m["attempts"]:
            events.append(Event(m["due_at"], N_("Next attempt due"), N_("after a temporary error")))
        elif not _held_until(m["history"], m["due_at"]):  # re-planned since (rescheduled, re-paced, resumed)
            detail = N_("held until this instant (schedule, delivery window or pace)")
            events.append(Event(m["due_at"], N_("Waiting"), detail))
    if m["first_attempt_at"] is not None:
        events.append(Event(m["first_attempt_at"], N_("First submission attempt"), N_("route %(route)s"), "", route))
    events.extend(_history_events(m))
    if m["attempts"] > 1:
        _, error = _outcome(None, m["error_id"])
        last = N_("last error %(error)s") if error and error != "NO_ERROR" else ""
        at = m["first_attempt_at"] or m["created_at"]
        events.append(Event(at, N_("%(attempts)s attempts"), last, "bad", {"attempts": m["attempts"], "error": error}))
    if m["departed_at"] is not None:
        events.append(Event(m["departed_at"], N_("Submitted upstream"), N_("route %(route)s"), "", route))
    if m["prior_done_at"] is not None:
        status, error = _outcome(m["prior_status_id"], m["prior_error_id"])
        ended = {"status": status, "error": error}
        events.append(Event(m["prior_done_at"], N_("Kakao hop ended"), "%(status)s %(error)s", "bad", ended))
        events.append(Event(m["prior_done_at"], N_("SMS failover hop"), N_("route %(route)s"), "", route))
    if m["done_at"] is not None:
        status, error = _outcome(m["status_id"], m["error_id"])
        final = {"status": status, "error": error}
        events.append(Event(m["done_at"], N_("Final status"), "%(status)s %(error)s", _tone(m["status_id"]), final))
    return events


def _report_events(r: dict[str, Any]) -> list[Event]:
    kind = Text(N_("Final report") if r["final"] else N_("Intermediate report"))
    title = "%(report)s" if r["kind"] == "report" else "%(report)s (%(kind)s)"
    detail = N_("to push to %(url)s") if r["push_url"] else N_("stored for pull")
    events = [Event(r["created_at"], title, detail, "", {"report": kind, "kind": r["kind"], "url": r["push_url"]})]
    pushes = _lines(r["push_history"])
    for p in pushes:
        events.append(_push_event(p))
    if r["push_url"] and not pushes:
        events.extend(_push_summary(r))
    if r["pulled_at"] is not None:
        events.append(Event(r["pulled_at"], N_("Report pulled"), N_("by GET …/reports"), "good"))
    return events


def _push_summary(r: dict[str, Any]) -> list[Event]:
    """A report pushed before pushes kept their own history: what its counters say."""
    attempts = r["push_attempts"]
    at = r["push_last_at"] or r["created_at"]
    if r["push_state"] == "pushed":
        before = N_("after %(attempts)s failed attempt(s)") if attempts else N_("at the first attempt")
        return [Event(at, N_("Webhook pushed"), before, "good", {"attempts": attempts})]
    if not r["push_error"]:
        return []
    values = {"attempts": attempts, "error": r["push_error"], "state": r["push_state"]}
    if r["push_state"] == "pending":
        detail = N_("%(attempts)s failed attempt(s): %(error)s; next try %(next)s")
        values["next"] = At(r["push_due_at"])
    else:
        detail = N_("%(attempts)s failed attempt(s): %(error)s (%(state)s)")
    return [Event(at, N_("Webhook push failed"), detail, "bad", values)]


def _push_event(p: dict[str, Any]) -> Event:
    status = p.get("status")
    values: dict[str, Any] = {"status": status, "ms": p.get("ms")}
    answer = N_("HTTP %(status)s") if status is not None else N_("no answer")
    took = N_(" in %(ms)s ms") if p.get("ms") is not None else ""
    if "error" not in p:
        return Event(
            p["at"],
            N_("Webhook pushed"),
            "%(answer)s%(took)s",
            "good",
            {**values, "answer": Text(answer), "took": Text(took)},
        )
    error = p["error"] if p["error"] != f"HTTP {status}" else ""
    parts = ["%(answer)s%(took)s"]
    if error:
        parts.append("%(error)s")
    if isinstance(p.get("next"), int):
        parts.append(N_("next try %(next)s"))
        values["next"] = At(p["next"])
    else:
        parts.append(N_("gave up"))
    values.update(answer=Text(answer), took=Text(took), error=error)
    return Event(p["at"], N_("Webhook push failed"), "; ".join(parts), "bad", values)


def _reply_event(r: store.Reply) -> Event:
    content = r.content
    said = content.get("text") or content.get("url") or content.get("type", "")
    if r.paired:
        detail = "%(said)s · %(data)s" if r.callback_data else "%(said)s"
        return Event(r.at, N_("The user pressed a button"), detail, "good", {"said": said, "data": r.callback_data})
    return Event(r.at, N_("The user replied"), "%(said)s", "good", {"said": str(said)})


async def timeline(ctx: Context, account_id: str, message_id: str) -> Timeline:
    story = await ctx.db.read(store.message_story(account_id, message_id))
    if story is None:
        raise NotFound("message not found", "messageId")
    events = _message_events(story.message)
    for r in story.reports:
        events.extend(_report_events(r))
    for c in story.clicks:
        clicked = {"url": c["url"], "device": c["device"], "client": c["client"] or ""}
        events.append(Event(c["clicked_at"], N_("Clicked"), "%(url)s · %(device)s %(client)s", "good", clicked))
    if story.message["channel"] == "SANGDAM":
        replies = await ctx.db.read(store.sangdam_replies(account_id, message_id))
        events.extend(_reply_event(reply) for reply in replies)
    events.sort(key=lambda e: e.at)
    status, error = _outcome(story.message["status_id"], story.message["error_id"])
    content = orjson.loads(story.message["content"])
    return Timeline(story.message, content if isinstance(content, dict) else {}, status, error, events)
