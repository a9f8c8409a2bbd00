"""What every channel's send shares: per-destination checks, the bulk plan, building rows, storing, answering."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain import status as st
from ..domain.channels import CHANNELS, status_wire
from ..domain.hops import FAILOVER_ERRORS
from ..domain.ids import IdSource
from ..domain.planning import start_at, validity_ms
from ..domain.policy import SendPolicy, policy_of, with_default_sender
from ..domain.schedule import Window
from ..schemas.common import Platform, RequestSchedulingSettings, ToDestination, ValidityPeriod, Webhooks
from ..store.intake import BulkPlan, accept
from ..store.message_rows import NewMessage
from ..store.sql import Op
from .context import Context
from .sms import SmsSetup

log = logging.getLogger(__name__)
Rejection = tuple[st.Status, st.Error]
NO_ERROR = st.error("NO_ERROR").id
DUPLICATE = st.status("REJECTED_DUPLICATE_MESSAGE_ID")


def reject(status: str, error: str) -> Rejection:
    return st.status(status), st.error(error)


UNKNOWN_SENDER = reject("REJECTED_SOURCE", "EC_CONFIGURATION_ERROR")
BAD_TEMPLATE = reject("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE")
BAD_ARGS = reject("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS")


def destination_problem(to: str | None, channel: str = "ALIM") -> Rejection | None:
    problem = CHANNELS[channel].destination_problem(to)
    return reject(*problem) if problem else None


class MessageOptions(Protocol):
    @property
    def platform(self) -> Platform | None: ...

    @property
    def validityPeriod(self) -> ValidityPeriod | None: ...

    @property
    def campaignReferenceId(self) -> str | None: ...

    def model_dump(self, *, exclude_none: bool = ..., by_alias: bool | None = ...) -> dict[str, Any]: ...


class OutboundMessage(Protocol):
    @property
    def sender(self) -> str: ...

    @property
    def destinations(self) -> list[ToDestination]: ...

    @property
    def options(self) -> MessageOptions | None: ...

    @property
    def webhooks(self) -> Webhooks | None: ...


def bulk_plan(channel: str, schedule: RequestSchedulingSettings | None, now: int, ids: IdSource) -> BulkPlan:
    """The request's bulk: its id (given or new), start (sendAt, as parsed and checked by the schema, or now)."""
    send_at = schedule.send_at_ms() if schedule else None
    speed = schedule.sendingSpeedLimit if schedule else None
    named = schedule.bulkId if schedule else None
    return BulkPlan(
        named or ids.bulk_id(now),
        channel,
        start_at(now, send_at),
        speed.amount if speed else None,
        speed.timeUnit if speed else None,
        named=bool(named),
    )


ContentFor = Callable[[NewMessage], str]  # an accepted row -> its own content JSON
Refused = Callable[[str], Rejection | None]  # a destination -> why it may not be sent to (an opt-out), or None


@dataclass(frozen=True, slots=True)
class Shared:
    """What the accept decided for every row of a request: its account, bulk, instant, priority, the route of its
    Kakao hops (None: the channel's sandbox route) and where its SMS failover hops go."""

    account_id: str
    plan: BulkPlan
    now: int
    ids: IdSource
    priority: int
    sms: SmsSetup | None = None
    route: str | None = None


@dataclass(frozen=True, slots=True)
class MessageParts:
    """What a channel says about one message of a request: the problem that rejects all its destinations (None:
    none), its content JSON, a hold on top of its delivery window (Brand's advertising hours), each accepted
    destination's own content (its short links, say), and a check that rejects one destination before anything
    else about the message could send it on, to Kakao or by SMS (an opt-out)."""

    problem: Rejection | None
    content: str
    hold: Window | None = None
    per_destination: ContentFor | None = None
    refused: Refused | None = None


def _policy(m: OutboundMessage, sms: SmsSetup | None, hold: Window | None) -> SendPolicy:
    """The wire options become one typed policy, here and only here; rows store it in one codec."""
    o = m.options
    validity = (
        validity_ms(o.validityPeriod.amount, o.validityPeriod.timeUnit)
        if o and o.validityPeriod
        else validity_ms(None, None)
    )
    wire = o.model_dump(exclude_none=True, by_alias=True) if o else {}
    if "smsFailover" in wire:
        wire["smsFailover"] = with_default_sender(wire["smsFailover"], sms.default_sender if sms else None)
        wire["failoverReports"] = _wants_failover_reports(m)
    return policy_of(wire, validity, hold)


def _row_problem(channel: str, to: str | None, parts: MessageParts) -> Rejection | None:
    """A bad destination, then an opt-out, then the message's own problem."""
    return destination_problem(to, channel) or (parts.refused(to) if parts.refused and to else None) or parts.problem


def message_rows(shared: Shared, m: OutboundMessage, parts: MessageParts) -> list[NewMessage]:
    """One row per destination of a message; `parts.problem` rejects them all, a bad destination rejects one.
    `shared.sms` is where the message's SMS failover hop goes (checked by `check_failovers` before)."""
    plan, now, sms, o = shared.plan, shared.now, shared.sms, m.options
    policy = _policy(m, sms, parts.hold)
    row_options = policy.encode()
    failover = policy.failover if sms is not None else None
    platform = o.platform if o else None
    hooks = m.webhooks
    delivery = hooks.delivery if hooks else None
    spec = CHANNELS[plan.channel]
    accepted = st.status(spec.accepted_status).id
    rows = []
    generated = iter(shared.ids.message_ids(sum(1 for d in m.destinations if not d.messageId), now))
    for d in m.destinations:
        row_problem = _row_problem(plan.channel, d.to, parts)
        state, due_at, expires_at = (
            ("done", now, now) if row_problem else ("queued", plan.start, plan.start + policy.timing.validity_ms)
        )
        status_id, error_id = (row_problem[0].id, row_problem[1].id) if row_problem else (accepted, NO_ERROR)
        row = NewMessage(
            account_id=shared.account_id,
            message_id=d.messageId or next(generated),
            channel=plan.channel,
            bulk_id=plan.bulk_id,
            sender=m.sender,
            destination=d.to or "",
            content=parts.content,
            state=state,
            due_at=due_at,
            expires_at=expires_at,
            priority=shared.priority,
            status_id=status_id,
            error_id=error_id,
            created_at=now,
            callback_data=hooks.callbackData if hooks else None,
            entity_id=platform.entityId if platform else None,
            application_id=platform.applicationId if platform else None,
            campaign_ref=o.campaignReferenceId if o else None,
            webhook_url=delivery.url if delivery else None,
            webhook_content_type=hooks.contentType if hooks else None,
            notify=delivery.notify is not False if delivery else True,
            intermediate=bool(delivery.intermediateReport) if delivery else False,
            options=row_options,
            policy=policy,
            route=shared.route or spec.route,
        )
        rows.append(row)
        user_key = spec.destination == "user_key"
        if failover is not None and sms is not None and failover.destination_for(d.to or "", user_key) is not None:
            _plan_failover(row, sms.route, failover.validity_ms, row_problem, accepted, now)
        if parts.per_destination is not None and row_problem is None:
            row.content = parts.per_destination(row)
    return rows


def _plan_failover(
    row: NewMessage, route: str, validity: int, problem: Rejection | None, accepted: int, now: int
) -> None:
    """Give a row its SMS hop. A row refused for a reason Kakao itself would give after accepting it (a template or
    targeting rejection) starts on that hop at once, as it would on Infobip: accepted, with the refusal as how its
    Kakao hop ended."""
    if problem is None:
        row.next_route, row.next_validity_ms = route, validity
    elif problem[1].id in FAILOVER_ERRORS:
        row.state, row.status_id, row.error_id = "queued", accepted, NO_ERROR
        row.prior_status_id, row.prior_error_id, row.prior_done_at = problem[0].id, problem[1].id, now
        row.hop, row.route = 1, route


def _wants_failover_reports(m: OutboundMessage) -> bool:
    """Brand's `webhooks.delivery.receiveTriggeredFailoverReports`: a report when the Kakao hop ends too."""
    delivery = m.webhooks.delivery if m.webhooks else None
    return bool(getattr(delivery, "receiveTriggeredFailoverReports", False))


async def store_and_answer(
    ctx: Context,
    account_id: str,
    plan: BulkPlan,
    rows: list[NewMessage],
    now: int,
    after_accept: Callable[[set[int]], Op[None]] | None = None,
) -> dict[str, Any]:
    """Commit every row, and what `after_accept` writes knowing the duplicates, in one transaction; answer."""
    duplicates = await ctx.db.write(_accept_with(account_id, plan, rows, now, after_accept))
    ctx.wake_engine()
    _count(ctx, account_id, plan, rows, duplicates)
    return {"bulkId": plan.bulk_id, "messages": [_answer(i, r, duplicates) for i, r in enumerate(rows)]}


def _count(ctx: Context, account_id: str, plan: BulkPlan, rows: list[NewMessage], duplicates: set[int]) -> None:
    """Metrics (the Context's `count_destinations` hook: nothing counts where no engine runs) and a log line:
    destinations accepted and rejected."""
    accepted = sum(1 for i, r in enumerate(rows) if r.state != "done" and i not in duplicates)
    rejected = len(rows) - accepted
    ctx.hooks.count_destinations(plan.channel, accepted, rejected)
    log.info(
        "%s send: %d destinations accepted, %d rejected",
        plan.channel,
        accepted,
        rejected,
        extra={"bulkId": plan.bulk_id, "accountId": account_id},
    )


def _accept_with(
    account_id: str,
    plan: BulkPlan,
    rows: list[NewMessage],
    now: int,
    after: Callable[[set[int]], Op[None]] | None,
) -> Op[set[int]]:
    duplicates = yield from accept(account_id, plan, rows, now)
    if after is not None:
        yield from after(duplicates)
    return duplicates


def _answer(index: int, row: NewMessage, duplicates: set[int]) -> dict[str, Any]:
    if index in duplicates:
        status = DUPLICATE
    elif row.state == "done":
        status = st.STATUS_BY_ID[row.status_id]
    else:
        status = st.status(CHANNELS[row.channel].accepted_status)
    wire = status_wire(status, row.destination, row.channel)
    return {"messageId": row.message_id, "status": wire, "destination": row.destination}
