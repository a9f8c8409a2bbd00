"""Message rows: the one description of the `messages` columns, the row types, and decoding rows by column name.

A new column is added here once (with its PostgreSQL type); insert column lists, array types and decoders follow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

from ..domain.channels import KAKAO_SANDBOX
from ..domain.policy import SendPolicy, decode
from ..domain.reports import MessageFacts, PriorHop, delivery_report
from ..domain.rollups import FinalFact
from .reports import ReportDraft

# Columns written at accept, with their PostgreSQL types (used to pass many rows as typed arrays in one statement).
INSERT_COLUMNS: dict[str, str] = {
    "account_id": "text",
    "message_id": "text",
    "channel": "text",
    "route": "text",
    "hop": "int",
    "bulk_id": "text",
    "sender": "text",
    "destination": "text",
    "content": "text",
    "state": "text",
    "due_at": "bigint",
    "expires_at": "bigint",
    "validity_ms": "bigint",
    "priority": "int",
    "attempts": "int",
    "status_id": "int",
    "error_id": "int",
    "created_at": "bigint",
    "history": "text",
    "sent_at": "bigint",
    "done_at": "bigint",
    "callback_data": "text",
    "entity_id": "text",
    "application_id": "text",
    "campaign_ref": "text",
    "webhook_url": "text",
    "webhook_content_type": "text",
    "notify": "int",
    "intermediate": "int",
    "options": "text",
    "held_reported": "int",
    "next_route": "text",
    "next_validity_ms": "bigint",
    "prior_status_id": "int",
    "prior_error_id": "int",
    "prior_done_at": "bigint",
    "template_code": "text",
}

# What a report about a row needs: returned by every statement that finishes a row.
FACT_COLUMNS = (
    "account_id, channel, message_id, bulk_id, sender, destination, sent_at, done_at, status_id, error_id, "
    "callback_data, entity_id, application_id, campaign_ref, webhook_url, webhook_content_type, notify, intermediate, "
    "hop, prior_status_id, prior_error_id, prior_done_at, route, created_at, template_code"
)


@dataclass(slots=True)
class NewMessage:
    """A row being accepted. Planning fills `due_at`, `expires_at`, `state` and `status_id` before it is stored."""

    account_id: str
    message_id: str
    channel: str
    bulk_id: str
    sender: str
    destination: str
    content: str
    state: str
    due_at: int
    expires_at: int
    priority: int
    status_id: int
    error_id: int
    created_at: int
    callback_data: str | None
    entity_id: str | None
    application_id: str | None
    campaign_ref: str | None
    webhook_url: str | None
    webhook_content_type: str | None
    notify: bool
    intermediate: bool
    options: str | None
    policy: SendPolicy  # its options converted once; `options` is its encoding
    held_reported: bool = False
    route: str = KAKAO_SANDBOX
    hop: int = 0
    next_route: str | None = None  # the SMS failover hop's route (None: no failover)
    next_validity_ms: int | None = None  # that hop's validity, from when it starts
    # Set on a row that starts on its SMS hop at accept (Kakao would refuse its template or targeting after the 200):
    # how the Kakao hop ended.
    prior_status_id: int | None = None
    prior_error_id: int | None = None
    prior_done_at: int | None = None
    # Why planning put its due time past its accept (`schedule`, `pace`, `window`): the first line of its history.
    waits_for: str | None = None

    def row(self) -> tuple[Any, ...]:
        """The values of INSERT_COLUMNS, by name."""
        values: dict[str, Any] = {
            "attempts": 0,
            "sent_at": self.created_at,
            "done_at": self.created_at if self.state == "done" else None,
            "validity_ms": self.policy.timing.validity_ms,
            "notify": int(self.notify),
            "intermediate": int(self.intermediate),
            "held_reported": int(self.held_reported),
            "history": self._planned_wait(),
            "template_code": template_code_of(self.channel, self.content),
        }
        return tuple(values[c] if c in values else getattr(self, c) for c in INSERT_COLUMNS)

    def _planned_wait(self) -> str | None:
        """The history line of a wait planned at accept (the engine appends the rest). A row accepted into a paused
        bulk gets its line when the bulk is resumed (bulks._reslot)."""
        if self.waits_for is None or self.state != "queued" or self.due_at <= self.created_at:
            return None
        return held_line(self.created_at, self.due_at, self.waits_for)

    def facts(self, status_id: int, error_id: int) -> MessageFacts:
        return MessageFacts(
            self.message_id,
            self.bulk_id,
            self.sender,
            self.destination,
            self.created_at,
            self.created_at,
            status_id,
            error_id,
            self.callback_data,
            self.entity_id,
            self.application_id,
            self.campaign_ref,
            self.channel,
        )

    def draft(self, report: dict[str, Any], final: bool = True, counted: bool = True) -> ReportDraft:
        """Its report; a final one of a stored row (`counted`: not a refused duplicate) counts into the
        statistics."""
        fact = None
        if final and counted:
            fact = FinalFact(
                self.account_id,
                self.channel,
                self.sender,
                template_code_of(self.channel, self.content) or "",
                self.campaign_ref or "",
                self.route,
                report["status"]["id"],
                report["error"]["id"],
                self.hop > 0,
                self.created_at,
                self.created_at,
            )
        return ReportDraft(
            self.account_id,
            self.channel,
            self.message_id,
            self.bulk_id,
            self.entity_id,
            self.application_id,
            self.campaign_ref,
            final,
            report,
            self.webhook_url,
            self.webhook_content_type,
            self.notify,
            fact=fact,
        )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row a worker holds (state `inflight`, leased to it) while it goes upstream."""

    seq: int
    account_id: str
    message_id: str
    channel: str
    route: str
    hop: int
    bulk_id: str
    sender: str
    destination: str
    content: dict[str, Any]
    attempts: int
    first_attempt_at: int
    expires_at: int
    intermediate: bool
    error_id: int
    options: str | None
    validity_ms: int | None
    departed_at: int | None  # when it first went upstream, as recorded (None: as far as we know, it never has)

    @property
    def policy(self) -> SendPolicy:
        return decode(self.options, self.validity_ms)

    @classmethod
    def from_row(cls, row: Any) -> Claimed:
        values = {name: row[name] for name in _CLAIMED_FIELDS}
        values["content"] = _content(values["content"])
        values["intermediate"] = bool(values["intermediate"])
        return cls(**values)


_CLAIMED_FIELDS = tuple(f.name for f in fields(Claimed))
CLAIM_COLUMNS = ", ".join(_CLAIMED_FIELDS)


@lru_cache(maxsize=1024)
def _content(text: str) -> dict[str, Any]:
    """Rows of one message share their content: decode each text once. Shared, so callers must not change it."""
    return json.loads(text)  # type: ignore[no-any-return]


def facts_of(row: Any) -> MessageFacts:
    return MessageFacts(
        row["message_id"],
        row["bulk_id"],
        row["sender"],
        row["destination"],
        row["sent_at"],
        row["done_at"],
        row["status_id"],
        row["error_id"],
        row["callback_data"],
        row["entity_id"],
        row["application_id"],
        row["campaign_ref"],
        row["channel"],
        _prior_of(row),
    )


def _prior_of(row: Any) -> PriorHop | None:
    if row["hop"] == 0 or row["prior_status_id"] is None:
        return None
    return PriorHop(row["prior_status_id"], row["prior_error_id"], row["prior_done_at"])


def draft_of(row: Any, final: bool) -> ReportDraft:
    """The delivery report of a row returned with FACT_COLUMNS."""
    return ReportDraft(
        row["account_id"],
        row["channel"],
        row["message_id"],
        row["bulk_id"],
        row["entity_id"],
        row["application_id"],
        row["campaign_ref"],
        final,
        delivery_report(facts_of(row)),
        row["webhook_url"],
        row["webhook_content_type"],
        bool(row["notify"]),
        fact=final_fact_of(row) if final else None,
    )


def final_fact_of(row: Any) -> FinalFact:
    """What a row returned with FACT_COLUMNS, just finished, adds to the statistics."""
    return FinalFact(
        row["account_id"],
        row["channel"],
        row["sender"],
        row["template_code"] or "",
        row["campaign_ref"] or "",
        row["route"],
        row["status_id"],
        row["error_id"],
        row["hop"] > 0,
        row["created_at"],
        row["done_at"],
    )


@lru_cache(maxsize=1024)
def template_code_of(channel: str, content: str) -> str | None:
    """What the statistics group a message's content by: Alim's template code, the message type of the others."""
    decoded = _content(content)
    value = decoded.get("templateCode") if channel == "ALIM" else decoded.get("type")
    return value if isinstance(value, str) else None


def triggered_failover_reports(rows: list[Any]) -> list[ReportDraft]:
    """For rows that just went on to their SMS hop (returned with FACT_COLUMNS and options): the report of their
    Kakao hop's end, for messages that asked for it (Brand's `webhooks.receiveTriggeredFailoverReports`). Not final:
    pushed, never pulled; the final report comes when the SMS hop ends."""
    drafts = []
    for row in rows:
        if not decode(row["options"], None).failover_reports:
            continue
        facts = replace(
            facts_of(row),
            status_id=row["prior_status_id"],
            error_id=row["prior_error_id"],
            done_at=row["prior_done_at"],
            prior=None,
        )
        drafts.append(replace(draft_of(row, False), body=delivery_report(facts)))
    return drafts


def held_line(at: int, until: int, why: str) -> str:
    """A history line of a planned wait, as outcomes.history_event writes a hold (`why` is a fixed word)."""
    return f'{{"at":{at},"event":"held","until":{until},"why":"{why}"}}\n'
