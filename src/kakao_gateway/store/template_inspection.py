"""Alim template status changes, each with its `TEMPLATE_STATUS` webhook queued in the same transaction.

Every operation that changes a template first brings its row up to date (`advance_template`: the planned inspection
transitions that have passed are written, and their webhooks queued), holding the row (FOR UPDATE on PostgreSQL; the
single writer on SQLite) to the end of the operation. So each transition is written once and queues one webhook,
whichever process (an API call, the engine's `advance_due`) passes it first, across restarts too. A webhook goes to
the account's `TEMPLATE` subscription; with none, nothing is queued (there is nothing to pull).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain import template_inspection as ti
from ..domain.times import format_ms
from .catalog import AlimTemplate, get_template, write_template
from .reports import JSON, ReportDraft, add_reports
from .sql import Fetch, Op

KIND = "template"  # the outbox kind (engine/webhooks.py posts it alone, as it is)
SUBSCRIPTION = "TEMPLATE"


def comments_wire(comments: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [{"at": format_ms(c["at"]), "author": c["author"], "text": c["text"]} for c in comments]


def event_body(sender: str, code: str, transition: ti.Transition) -> dict[str, Any]:
    return {
        "type": "TEMPLATE_STATUS",
        "templateCode": code,
        "sender": sender,
        "status": transition.status,
        "comments": comments_wire(transition.comments),
        "at": format_ms(transition.at),
    }


def _queue(account_id: str, t: AlimTemplate, transitions: list[ti.Transition], now: int) -> Op[None]:
    if not transitions:
        return
    found = yield Fetch(
        "SELECT report_url FROM subscriptions WHERE account_id = ? AND channel = ?", (account_id, SUBSCRIPTION)
    )
    url = found[0]["report_url"] if found else None
    if url is None:
        return
    drafts = [
        ReportDraft(
            account_id,
            "ALIM",
            t.template_code,
            t.sender,
            None,
            None,
            None,
            False,
            event_body(t.sender, t.template_code, transition),
            url,
            JSON,
            True,
            kind=KIND,
        )
        for transition in transitions
    ]
    yield from add_reports(drafts, now)


def advance_template(account_id: str, sender: str, code: str, now: int) -> Op[AlimTemplate | None]:
    """The template as it stands now, its passed transitions written and their webhooks queued; its row is held."""
    t = yield from get_template(account_id, sender, code, lock=True)
    if t is None:
        return None
    current, transitions = ti.advanced(t.inspection, t.name, t.text, now)
    if transitions:
        t = replace(t, inspection=current)
        yield from write_template(account_id, t)
        yield from _queue(account_id, t, transitions, now)
    return t


def save_template(account_id: str, t: AlimTemplate, now: int) -> Op[None]:
    """Register or replace a template; a status other than the one it had is a transition, with its webhook. The
    inspection's comments so far are kept (a change goes back to inspection with its history)."""
    before = yield from advance_template(account_id, t.sender, t.template_code, now)
    if before is not None and not t.inspection.comments:
        t = replace(t, inspection=replace(t.inspection, comments=before.inspection.comments))
    yield from write_template(account_id, t)
    if before is None or before.inspection.status != t.inspection.status:
        i = t.inspection
        yield from _queue(account_id, t, [ti.Transition(i.status, i.status_at, i.comments)], now)


def decide(account_id: str, sender: str, code: str, status: str, note: str | None, now: int) -> Op[bool]:
    """An inspector decides a template still in inspection (REQUESTED or INSPECTING) now; False if none is."""
    t = yield from advance_template(account_id, sender, code, now)
    if t is None or t.inspection.status not in ti.OPEN:
        return False
    t = replace(t, inspection=ti.decided(t.inspection, status, now, note))
    yield from write_template(account_id, t)
    i = t.inspection
    yield from _queue(account_id, t, [ti.Transition(i.status, i.status_at, i.comments)], now)
    return True


def add_comment(account_id: str, sender: str, code: str, author: str, text: str, now: int) -> Op[AlimTemplate | None]:
    """Append a comment (a client's reply to its inspection); the status does not change."""
    t = yield from advance_template(account_id, sender, code, now)
    if t is None:
        return None
    comments = (*t.inspection.comments, ti.comment(now, author, text))
    t = replace(t, inspection=replace(t.inspection, comments=comments))
    yield from write_template(account_id, t)
    return t


def advance_due(now: int, limit: int) -> Op[int]:
    """The engine's step: pass the planned transitions that have fallen due (oldest first, ix_alim_templates_next),
    on rows no other worker holds; returns how many templates moved."""
    rows = yield Fetch(
        "SELECT account_id, sender, template_code FROM alim_templates {index:ix_alim_templates_next} "
        "WHERE next_at <= ? ORDER BY next_at LIMIT ? {skip_locked}",
        (now, limit),
    )
    moved = 0
    for r in rows:
        t = yield from get_template(r["account_id"], r["sender"], r["template_code"], lock=True)
        if t is None:
            continue
        current, transitions = ti.advanced(t.inspection, t.name, t.text, now)
        t = replace(t, inspection=current)
        yield from write_template(r["account_id"], t)  # also when nothing passed: next_at is written afresh
        yield from _queue(r["account_id"], t, transitions, now)
        moved += bool(transitions)
    return moved


def next_inspection_at(after: int) -> Op[int | None]:
    """When the next planned transition falls due after `after` (the virtual clock stops there)."""
    rows = yield Fetch("SELECT MIN(next_at) AS due FROM alim_templates WHERE next_at > ?", (after,))
    due: int | None = rows[0]["due"]
    return due
