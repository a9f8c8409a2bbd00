"""Message rows: the one description of the message tables' columns (body, queue, result), the row types, and
decoding rows by column name.

A new column is added here once (with its PostgreSQL type); insert column lists, array types and decoders follow.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any, Literal

from ..domain.channels import KAKAO_SANDBOX
from ..domain.policy import SendPolicy, decode
from ..domain.reports import MessageFacts, PriorHop, delivery_report
from ..domain.rollups import FinalFact
from .reports import ReportDraft
from .sql import UPDATE_CHUNK, Fetch, Op

# A message lives in three tables, split by how each part is used (migration 0030):
# - `messages`: its body, written once at accept and never updated (what was asked: destination, content,
#   options, ids, where to report);
# - `message_queue`: what scheduling needs, while the message is unfinished; claims, outcomes and re-plans touch
#   this narrow row only, and it is deleted when the message ends;
# - `message_results`: how it ended, appended once when it does (status, times, route and hop, its history).
# `message_view` joins them for the readers (logs, history, console). Each dict maps a column written at accept to
# its PostgreSQL type (used to pass many rows as typed arrays in one statement).
BODY_COLUMNS: dict[str, str] = {
    "account_id": "text",
    "message_id": "text",
    "channel": "text",
    "bulk_id": "text",
    "sender": "text",
    "destination": "text",
    "content": "text",
    "created_at": "bigint",
    "callback_data": "text",
    "entity_id": "text",
    "application_id": "text",
    "campaign_ref": "text",
    "webhook_url": "text",
    "webhook_content_type": "text",
    "notify": "int",
    "intermediate": "int",
    "options": "text",
    "validity_ms": "bigint",
    "next_validity_ms": "bigint",
    "template_code": "text",
}

# The queue row of an unfinished message, as accept writes it (the message's seq comes from its body).
QUEUE_COLUMNS: dict[str, str] = {
    "account_id": "text",
    "bulk_id": "text",
    "priority": "int",
    "state": "text",
    "due_at": "bigint",
    "expires_at": "bigint",
    "attempts": "int",
    "status_id": "int",
    "error_id": "int",
    "sent_at": "bigint",
    "held_reported": "int",
    "route": "text",
    "hop": "int",
    "next_route": "text",
    "prior_status_id": "int",
    "prior_error_id": "int",
    "prior_done_at": "bigint",
    "history": "text",
}

# How a message ended: moved from its queue row when it ends (store/outcomes.retire), or written at accept for a
# row refused there.
RESULT_COLUMNS: dict[str, str] = {
    "account_id": "text",
    "bulk_id": "text",
    "channel": "text",
    "expires_at": "bigint",
    "status_id": "int",
    "error_id": "int",
    "sent_at": "bigint",
    "done_at": "bigint",
    "route": "text",
    "hop": "int",
    "attempts": "int",
    "prior_status_id": "int",
    "prior_error_id": "int",
    "prior_done_at": "bigint",
    "departed_at": "bigint",
    "history": "text",
}

# The three tables joined, for statements that choose the index of `messages m` themselves (`{index}` goes right
# after the alias); `live_columns` names what message_view names, as expressions over it.
LIVE_FROM = "messages m {index} LEFT JOIN message_queue q ON q.seq = m.seq LEFT JOIN message_results r ON r.seq = m.seq"
_LIVE = {
    c: f"COALESCE(r.{c}, q.{c})"
    for c in (
        "expires_at",
        "status_id",
        "error_id",
        "sent_at",
        "route",
        "hop",
        "attempts",
        "prior_status_id",
        "prior_error_id",
        "prior_done_at",
        "departed_at",
        "history",
    )
} | {
    "done_at": "r.done_at",
    "state": "CASE WHEN r.seq IS NOT NULL THEN 'done' ELSE q.state END",
    **{c: f"q.{c}" for c in ("priority", "due_at", "first_attempt_at", "lease_owner", "upstream_ref")},
}


def live(column: str) -> str:
    """A column of message_view as an expression over LIVE_FROM."""
    return _LIVE.get(column, f"m.{column}")


def live_columns(columns: str) -> str:
    """A select list (comma-separated names) over LIVE_FROM, each named as message_view names it."""
    return ", ".join(f"{live(c.strip())} AS {c.strip()}" for c in columns.split(","))


# What a report about a message needs: read for every message that just ended or changed hop.
FACT_COLUMNS = (
    "account_id, channel, message_id, bulk_id, sender, destination, sent_at, done_at, status_id, error_id, "
    "callback_data, entity_id, application_id, campaign_ref, webhook_url, webhook_content_type, notify, intermediate, "
    "hop, prior_status_id, prior_error_id, prior_done_at, route, created_at, template_code, options, seq"
)


def _facts_from(table: str, columns: dict[str, str]) -> str:
    """FACT_COLUMNS over the body joined to one other table (`t`): a two-table join, where message_view takes three."""
    names = [c.strip() for c in FACT_COLUMNS.split(",")]
    select = ", ".join(
        f"m.{c}" if c in BODY_COLUMNS or c == "seq" else f"t.{c}" if c in columns else f"NULL AS {c}" for c in names
    )
    return f"SELECT {select} FROM messages m JOIN {table} t ON t.seq = m.seq WHERE m.seq IN "


_FACTS_OF = {
    "queue": _facts_from("message_queue", QUEUE_COLUMNS),
    "results": _facts_from("message_results", RESULT_COLUMNS),
}


def facts(where: Literal["queue", "results"], seqs: Sequence[int]) -> Op[list[Any]]:
    """The report facts (FACT_COLUMNS) of messages, from their queue rows (unfinished: a retry, a new hop) or their
    results (ended)."""
    found: list[Any] = []
    for start in range(0, len(seqs), UPDATE_CHUNK):
        chunk = seqs[start : start + UPDATE_CHUNK]
        found += yield Fetch(f"{_FACTS_OF[where]}({','.join('?' * len(chunk))})", chunk)
    return found


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

    def body_row(self) -> tuple[Any, ...]:
        """The values of BODY_COLUMNS, by name."""
        values: dict[str, Any] = {
            "notify": int(self.notify),
            "intermediate": int(self.intermediate),
            "validity_ms": self.policy.timing.validity_ms,
            "template_code": template_code_of(self.channel, self.content),
        }
        return tuple(values[c] if c in values else getattr(self, c) for c in BODY_COLUMNS)

    def queue_row(self) -> tuple[Any, ...]:
        """The values of QUEUE_COLUMNS (a row planned to go out: state queued or paused)."""
        values: dict[str, Any] = {
            "attempts": 0,
            "sent_at": self.created_at,
            "held_reported": int(self.held_reported),
            "history": self._planned_wait(),
        }
        return tuple(values[c] if c in values else getattr(self, c) for c in QUEUE_COLUMNS)

    def result_row(self) -> tuple[Any, ...]:
        """The values of RESULT_COLUMNS (a row that ended at accept)."""
        values: dict[str, Any] = {
            "attempts": 0,
            "sent_at": self.created_at,
            "done_at": self.created_at,
            "departed_at": None,
            "history": None,
        }
        return tuple(values[c] if c in values else getattr(self, c) for c in RESULT_COLUMNS)

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
    def from_rows(cls, queued: Any, body: Any) -> Claimed:
        """From its queue row (QUEUE_CLAIM) and its body (BODY_CLAIM)."""
        values = {name: queued[name] for name in _QUEUE_FIELDS} | {name: body[name] for name in _BODY_FIELDS}
        values["content"] = _content(values["content"])
        values["intermediate"] = bool(values["intermediate"])
        return cls(**values)


_BODY_FIELDS = ("message_id", "channel", "sender", "destination", "content", "intermediate", "options", "validity_ms")
_QUEUE_FIELDS = tuple(f.name for f in fields(Claimed) if f.name not in _BODY_FIELDS)
QUEUE_CLAIM = ", ".join(_QUEUE_FIELDS)  # what a claim returns from the queue rows it takes
BODY_CLAIM = ", ".join(("seq", *_BODY_FIELDS))  # and reads from their bodies


def rows_by_seq(source: str, columns: str, seqs: Sequence[int]) -> Op[list[Any]]:
    """`columns` of the rows of `source` (a table or view with `seq`) with these seqs, in no particular order."""
    found: list[Any] = []
    for start in range(0, len(seqs), UPDATE_CHUNK):
        chunk = seqs[start : start + UPDATE_CHUNK]
        found += yield Fetch(f"SELECT {columns} FROM {source} WHERE seq IN ({','.join('?' * len(chunk))})", chunk)
    return found


def claimed_from(queued: list[Any]) -> Op[list[Claimed]]:
    """Claimed rows from the queue rows a claim returned (in their order), with their bodies."""
    if not queued:
        return []
    bodies = yield from rows_by_seq("messages", BODY_CLAIM, [r["seq"] for r in queued])
    by_seq = {b["seq"]: b for b in bodies}
    return [Claimed.from_rows(q, by_seq[q["seq"]]) for q in queued]


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
