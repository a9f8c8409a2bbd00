"""Senders, Alim templates and report subscriptions of an account."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..domain.template_inspection import Inspection, advanced
from .sql import Execute, Fetch, Op, Row


@dataclass(frozen=True, slots=True)
class Sender:
    sender: str
    name: str
    created_at: int
    targeting_eligible: bool = False


@dataclass(frozen=True, slots=True)
class AlimTemplate:
    sender: str
    template_code: str
    name: str
    text: str
    title: str | None
    buttons: list[dict[str, Any]]
    inspection: Inspection
    created_at: int
    updated_at: int
    emphasis_type: str = "NONE"
    # the dealer fields besides title: subtitle, imageUrl, header, itemHighlight, itemList, itemSummary, extra, ad
    details: dict[str, Any] = field(default_factory=dict)
    category_code: str = "999999"
    security_flag: bool = False
    message_type: str = "BA"

    def current(self, now: int) -> Inspection:
        """The inspection as it stands at `now` (planned transitions that have passed included)."""
        return advanced(self.inspection, self.name, self.text, now)[0]

    def effective_status(self, now: int) -> str:
        return self.current(now).status


@dataclass(frozen=True, slots=True)
class Subscription:
    channel: str
    report_url: str | None
    inbound_url: str | None
    content_type: str


def upsert_sender(account_id: str, sender: str, name: str, now: int, eligible: bool | None = None) -> Op[Sender]:
    """Register or rename a sender; `eligible` (None: keep) allows ALL_CONSENT/NON_FRIENDS Brand targeting."""
    rows = yield Fetch(
        "SELECT created_at, targeting_eligible FROM senders WHERE account_id = ? AND sender = ?", (account_id, sender)
    )
    if rows:
        keep = bool(rows[0][1]) if eligible is None else eligible
        yield Execute(
            "UPDATE senders SET name = ?, targeting_eligible = ? WHERE account_id = ? AND sender = ?",
            (name, int(keep), account_id, sender),
        )
        return Sender(sender, name, rows[0][0], keep)
    yield Execute(
        "INSERT INTO senders (account_id, sender, name, created_at, targeting_eligible) VALUES (?, ?, ?, ?, ?)",
        (account_id, sender, name, now, int(bool(eligible))),
    )
    return Sender(sender, name, now, bool(eligible))


def list_senders(account_id: str) -> Op[list[Sender]]:
    rows = yield Fetch(
        "SELECT sender, name, created_at, targeting_eligible FROM senders WHERE account_id = ? ORDER BY sender",
        (account_id,),
    )
    return [Sender(r[0], r[1], r[2], bool(r[3])) for r in rows]


def eligible_senders(account_id: str, senders: list[str]) -> Op[dict[str, bool]]:
    """The registered senders among these, each with its Brand targeting eligibility."""
    if not senders:
        return {}
    marks = ",".join("?" * len(senders))
    rows = yield Fetch(
        f"SELECT sender, targeting_eligible FROM senders WHERE account_id = ? AND sender IN ({marks})",
        (account_id, *senders),
    )
    return {r[0]: bool(r[1]) for r in rows}


def sender_names(account_id: str, senders: list[str]) -> Op[set[str]]:
    """Which of these senders are registered on the account."""
    if not senders:
        return set()
    marks = ",".join("?" * len(senders))
    rows = yield Fetch(
        f"SELECT sender FROM senders WHERE account_id = ? AND sender IN ({marks})", (account_id, *senders)
    )
    return {r[0] for r in rows}


_TEMPLATE_COLUMNS = (
    "sender, template_code, name, text, title, buttons, status, status_at, comments, inspect_at, approve_at, "
    "created_at, updated_at, emphasis_type, details, category_code, security_flag, message_type"
)
_TEMPLATE_MARKS = ", ".join("?" * (_TEMPLATE_COLUMNS.count(",") + 3))  # account_id, the columns, next_at


def _template(row: Row) -> AlimTemplate:
    inspection = Inspection(
        row["status"],
        row["status_at"] if row["status_at"] is not None else row["updated_at"],
        tuple(json.loads(row["comments"])),
        row["inspect_at"],
        row["approve_at"],
    )
    return AlimTemplate(
        row["sender"],
        row["template_code"],
        row["name"],
        row["text"],
        row["title"],
        json.loads(row["buttons"]),
        inspection,
        row["created_at"],
        row["updated_at"],
        row["emphasis_type"],
        json.loads(row["details"]),
        row["category_code"],
        bool(row["security_flag"]),
        row["message_type"],
    )


def get_template(account_id: str, sender: str, code: str, lock: bool = False) -> Op[AlimTemplate | None]:
    """One template; `lock` holds its row to the end of the operation (PostgreSQL: FOR UPDATE)."""
    rows = yield Fetch(
        f"SELECT {_TEMPLATE_COLUMNS} FROM alim_templates WHERE account_id = ? AND sender = ? AND template_code = ?"
        + (" {for_update}" if lock else ""),
        (account_id, sender, code),
    )
    return _template(rows[0]) if rows else None


def get_templates(account_id: str, keys: list[tuple[str, str]]) -> Op[dict[tuple[str, str], AlimTemplate]]:
    found: dict[tuple[str, str], AlimTemplate] = {}
    for sender, code in keys:
        template = yield from get_template(account_id, sender, code)
        if template is not None:
            found[(sender, code)] = template
    return found


def list_templates(account_id: str, sender: str | None) -> Op[list[AlimTemplate]]:
    if sender is None:
        rows = yield Fetch(
            f"SELECT {_TEMPLATE_COLUMNS} FROM alim_templates WHERE account_id = ? ORDER BY sender, template_code",
            (account_id,),
        )
    else:
        rows = yield Fetch(
            f"SELECT {_TEMPLATE_COLUMNS} FROM alim_templates WHERE account_id = ? AND sender = ? "
            "ORDER BY template_code",
            (account_id, sender),
        )
    return [_template(r) for r in rows]


def _values(account_id: str, t: AlimTemplate) -> tuple[Any, ...]:
    i = t.inspection
    return (
        account_id,
        t.sender,
        t.template_code,
        t.name,
        t.text,
        t.title,
        json.dumps(t.buttons),
        i.status,
        i.status_at,
        json.dumps(list(i.comments)),
        i.inspect_at,
        i.decide_at,
        t.created_at,
        t.updated_at,
        t.emphasis_type,
        json.dumps(t.details),
        t.category_code,
        int(t.security_flag),
        t.message_type,
        i.next_at,
    )


def write_template(account_id: str, t: AlimTemplate) -> Op[None]:
    """Insert or replace a template row as it is (status changes go through store/template_inspection.py, which
    queues their webhooks)."""
    yield Execute(
        "DELETE FROM alim_templates WHERE account_id = ? AND sender = ? AND template_code = ?",
        (account_id, t.sender, t.template_code),
    )
    yield Execute(
        f"INSERT INTO alim_templates (account_id, {_TEMPLATE_COLUMNS}, next_at) VALUES ({_TEMPLATE_MARKS})",
        _values(account_id, t),
    )


def delete_template(account_id: str, sender: str, code: str) -> Op[bool]:
    changed = yield Execute(
        "DELETE FROM alim_templates WHERE account_id = ? AND sender = ? AND template_code = ?",
        (account_id, sender, code),
    )
    return bool(changed)


def get_subscriptions(account_id: str) -> Op[list[Subscription]]:
    rows = yield Fetch(
        "SELECT channel, report_url, inbound_url, content_type FROM subscriptions WHERE account_id = ? "
        "ORDER BY channel",
        (account_id,),
    )
    return [Subscription(*r) for r in rows]


def put_subscription(account_id: str, sub: Subscription) -> Op[None]:
    yield Execute("DELETE FROM subscriptions WHERE account_id = ? AND channel = ?", (account_id, sub.channel))
    yield Execute(
        "INSERT INTO subscriptions (account_id, channel, report_url, inbound_url, content_type) VALUES (?, ?, ?, ?, ?)",
        (account_id, sub.channel, sub.report_url, sub.inbound_url, sub.content_type),
    )
