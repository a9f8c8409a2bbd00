"""The inspection of an Alim template: `REQUESTED → INSPECTING → APPROVED | REJECTED`, with reviewer comments.

The sandbox plans an inspection when a template is registered or changed: it starts (INSPECTING) half way through
the approval delay and ends with a verdict at its end. The plan is stored (the instants), so any process reads the
same status at the same instant; the engine persists each transition once it has passed and queues its webhook in
the same transaction (store/template_inspection.py). A template whose name or text holds `[REJECT]` is rejected,
so clients can test that path.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

REQUESTED = "REQUESTED"
INSPECTING = "INSPECTING"
APPROVED = "APPROVED"
REJECTED = "REJECTED"
STATUSES = (REQUESTED, INSPECTING, APPROVED, REJECTED)
OPEN = (REQUESTED, INSPECTING)  # statuses an inspector may still decide

REJECT_MARK = "[REJECT]"
REJECT_REASON = "The sandbox rejects a template whose name or text contains [REJECT]."
INSPECTOR = "INSPECTOR"  # the author of reviewer comments
CLIENT = "CLIENT"  # the author of a client's reply


@dataclass(frozen=True, slots=True)
class Inspection:
    """A template's persisted inspection: its status since `status_at`, its comments (`{"at": ms, "author",
    "text"}`), and the planned instants of the next transitions (None: nothing planned)."""

    status: str
    status_at: int
    comments: tuple[dict[str, Any], ...] = ()
    inspect_at: int | None = None
    decide_at: int | None = None

    @property
    def next_at(self) -> int | None:
        """When the next planned transition falls due (what the engine's index looks for)."""
        if self.status == REQUESTED:
            return self.inspect_at if self.inspect_at is not None else self.decide_at
        if self.status == INSPECTING:
            return self.decide_at
        return None


@dataclass(frozen=True, slots=True)
class Transition:
    status: str
    at: int
    comments: tuple[dict[str, Any], ...]


def planned(now: int, delay_ms: int) -> Inspection:
    """A template sent to the sandbox's inspection now."""
    return Inspection(REQUESTED, now, (), now + delay_ms // 2, now + delay_ms)


def verdict(name: str, text: str) -> tuple[str, str | None]:
    """The sandbox inspection's decision and its reason."""
    if REJECT_MARK in name or REJECT_MARK in text:
        return REJECTED, REJECT_REASON
    return APPROVED, None


def comment(at: int, author: str, text: str) -> dict[str, Any]:
    return {"at": at, "author": author, "text": text}


def decided(inspection: Inspection, status: str, at: int, note: str | None) -> Inspection:
    """An inspector's decision now (nothing planned any more), with its comment if any."""
    comments = inspection.comments + ((comment(at, INSPECTOR, note),) if note else ())
    return Inspection(status, at, comments)


def advanced(inspection: Inspection, name: str, text: str, now: int) -> tuple[Inspection, list[Transition]]:
    """The inspection at `now`, and the planned transitions passed on the way (in order)."""
    transitions: list[Transition] = []
    current = inspection
    if current.status == REQUESTED and current.inspect_at is not None and current.inspect_at <= now:
        current = replace(current, status=INSPECTING, status_at=current.inspect_at, inspect_at=None)
        transitions.append(Transition(INSPECTING, current.status_at, current.comments))
    if current.status in OPEN and current.decide_at is not None and current.decide_at <= now:
        status, reason = verdict(name, text)
        current = decided(current, status, current.decide_at, reason)
        transitions.append(Transition(status, current.status_at, current.comments))
    return current, transitions
