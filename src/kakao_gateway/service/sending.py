"""What every channel's send shares: per-destination checks, the bulk plan, building rows, storing, answering."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ..domain import status as st
from ..domain.channels import CHANNELS, status_wire
from ..domain.hops import FAILOVER_ERRORS
from ..domain.ids import IdSource
from ..domain.planning import start_at, validity_ms
from ..domain.policy import policy_of, with_default_sender
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
    return BulkPlan(
        (schedule.bulkId if schedule else None) or ids.bulk_id(now),
        channel,
        start_at(now, send_at),
        speed.amount if speed else None,
        speed.timeUnit if speed else None,
    )


ContentFor = Callable[[NewMessage], str]  # an accepted row -> its own content JSON


def message_rows(
    account_id: str,
    plan: BulkPlan,
    m: OutboundMessage,
    problem: Rejection | None,
    priority: int,
    now: int,
    content: str,
    ids: IdSource,
    hold: Window | None = None,
    per_destination: ContentFor | None = None,
    sms: SmsSetup | None = None,
    route: str | None = None,
    refused: Callable[[str], Rejection | None] | None = None,
) -> list[NewMessage]:
    """One row per destination of a message; `problem` rejects them all, a bad destination rejects one.
    `per_destination` gives an accepted row its own content (its short links, say). `sms` is where the message's
    SMS failover hop goes (checked by `check_failovers` before), `route` the account's Kakao route (default: the
    channel's sandbox route). `refused` rejects a destination (an opt-out) before anything else about the message
    could send it on, to Kakao or by SMS."""
    o = m.options
    validity = (
        validity_ms(o.validityPeriod.amount, o.validityPeriod.timeUnit)
        if o and o.validityPeriod
        else validity_ms(None, None)
    )
    # The wire options become one typed policy, here and only here; rows store it in one codec.
    wire = o.model_dump(exclude_none=True, by_alias=True) if o else {}
    if "smsFailover" in wire:
        wire["smsFailover"] = with_default_sender(wire["smsFailover"], sms.default_sender if sms else None)
        wire["failoverReports"] = _wants_failover_reports(m)
    policy = policy_of(wire, validity, hold)
    row_options = policy.encode()
    failover = policy.failover if sms is not None else None
    platform = o.platform if o else None
    hooks = m.webhooks
    delivery = hooks.delivery if hooks else None
    notify = delivery.notify is not False if delivery else True
    rows = []
    generated = iter(ids.message_ids(sum(1 for d in m.destinations if not d.messageId), now))
    for d in m.destinations:
        message_id = d.messageId or next(generated)
        row_problem = (
            destination_problem(d.to, plan.channel) or (refused(d.to) if refused and d.to else None) or problem
        )
        state, due_at, expires_at = ("done", now, now) if row_problem else ("queued", plan.start, plan.start + validity)
        accepted = st.status(CHANNELS[plan.channel].accepted_status).id
        status_id, error_id = (row_problem[0].id, row_problem[1].id) if row_problem else (accepted, NO_ERROR)
        rows.append(
            NewMessage(
                account_id,
                message_id,
                plan.channel,
                plan.bulk_id,
                m.sender,
                d.to or "",
                content,
                state,
                due_at,
                expires_at,
                priority,
                status_id,
                error_id,
                now,
                hooks.callbackData if hooks else None,
                platform.entityId if platform else None,
                platform.applicationId if platform else None,
                o.campaignReferenceId if o else None,
                delivery.url if delivery else None,
                hooks.contentType if hooks else None,
                notify,
                bool(delivery.intermediateReport) if delivery else False,
                row_options,
                policy,
                route=route or CHANNELS[plan.channel].route,
            )
        )
        user_key = CHANNELS[plan.channel].destination == "user_key"
        if failover is not None and sms is not None and failover.destination_for(d.to or "", user_key) is not None:
            _plan_failover(rows[-1], sms.route, failover.validity_ms, row_problem, accepted, now)
        if per_destination is not None and row_problem is None:
            rows[-1].content = per_destination(rows[-1])
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
    """Metrics and a log line: destinations accepted and rejected. The gateway's Context may carry a
    `count_destinations(channel, accepted, rejected)` hook (app.py); other Contexts count nothing."""
    accepted = sum(1 for i, r in enumerate(rows) if r.state != "done" and i not in duplicates)
    rejected = len(rows) - accepted
    count: Callable[[str, int, int], None] | None = getattr(ctx, "count_destinations", None)
    if count is not None:
        count(plan.channel, accepted, rejected)
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
