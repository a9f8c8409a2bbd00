"""Accept a Kakao Alim send: check every destination, store all rows durably, answer per destination."""

from __future__ import annotations

from typing import Any

import orjson

from ..domain import status as st
from ..domain.ids import new_bulk_id, new_message_ids
from ..domain.phone import is_valid_destination
from ..domain.planning import send_at_too_far, start_at, validity_ms
from ..domain.schedule import Window
from ..domain.templates import buttons_match, text_matches
from ..schemas.alim import AlimMessage, AlimRequest, AlimTemplateContent
from ..store import catalog
from ..store.messages import PRIORITIES, BulkPlan, NewMessage, accept
from ..store.sql import Op
from .context import Context
from .errors import InvalidRequest

CHANNEL = "ALIM"
_ACCEPTED = st.status("PENDING_ENROUTE")
_NO_ERROR = st.error("NO_ERROR").id
_Rejection = tuple[st.Status, st.Error]


def _reject(status: str, error: str) -> _Rejection:
    return st.status(status), st.error(error)


_UNKNOWN_SENDER = _reject("REJECTED_SOURCE", "EC_CONFIGURATION_ERROR")
_MISSING_TO = _reject("MISSING_TO", "EC_INVALID_DESTINATION_ADDRESS")
_BAD_DESTINATION = _reject("REJECTED_DESTINATION", "EC_INVALID_DESTINATION_ADDRESS")
_BAD_TEMPLATE = _reject("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE")
_BAD_ARGS = _reject("UNDELIVERABLE_REJECTED_PLATFORM", "EC_INVALID_TEMPLATE_ARGS")
_DUPLICATE = st.status("REJECTED_DUPLICATE_MESSAGE_ID")


def template_problem(
    template: catalog.AlimTemplate | None, content: AlimTemplateContent, now: int
) -> _Rejection | None:
    """Unknown or unapproved template, or content that does not match the approved one."""
    if template is None or template.effective_status(now) != "APPROVED":
        return _BAD_TEMPLATE
    if not text_matches(template.text, content.text):
        return _BAD_ARGS
    if (template.title is None) != (content.title is None):
        return _BAD_ARGS
    if template.title is not None and content.title is not None and not text_matches(template.title, content.title):
        return _BAD_ARGS
    buttons = [b.model_dump(exclude_none=True) for b in content.buttons or []]
    if not buttons_match(template.buttons, buttons):
        return _BAD_ARGS
    return None


def _message_problem(
    m: AlimMessage, senders: set[str], templates: dict[tuple[str, str], catalog.AlimTemplate], now: int
) -> _Rejection | None:
    if m.sender not in senders:
        return _UNKNOWN_SENDER
    return template_problem(templates.get((m.sender, m.content.templateCode)), m.content, now)


def destination_problem(to: str | None) -> _Rejection | None:
    if not to:
        return _MISSING_TO
    if not is_valid_destination(to):
        return _BAD_DESTINATION
    return None


def _catalogue(
    account_id: str, request: AlimRequest
) -> Op[tuple[set[str], dict[tuple[str, str], catalog.AlimTemplate]]]:
    """The request's registered senders and their templates, read in one go."""
    senders = yield from catalog.sender_names(account_id, sorted({m.sender for m in request.messages}))
    wanted = sorted({(m.sender, m.content.templateCode) for m in request.messages if m.sender in senders})
    templates = yield from catalog.get_templates(account_id, wanted)
    return senders, templates


async def send(ctx: Context, account_id: str, request: AlimRequest) -> dict[str, Any]:
    now = ctx.clock.now_ms()
    options = request.options
    schedule = options.schedule if options else None
    send_at = schedule.send_at_ms() if schedule else None
    if send_at is not None and send_at_too_far(now, send_at):
        raise InvalidRequest([("options.schedule.sendAt", "must be at most 180 days in the future")])
    bulk_id = (schedule.bulkId if schedule else None) or new_bulk_id()
    planned = start_at(now, send_at)
    priority = PRIORITIES[(options.priority if options else None) or "STANDARD"]

    senders, templates = await ctx.db.read(_catalogue(account_id, request))
    rows: list[NewMessage] = []
    for m in request.messages:
        rows.extend(_rows(account_id, bulk_id, m, senders, templates, planned, priority, now))
    speed = schedule.sendingSpeedLimit if schedule else None
    plan = BulkPlan(
        bulk_id,
        CHANNEL,
        planned,
        speed.amount if speed else None,
        speed.timeUnit if speed else None,
        orjson.dumps(schedule.model_dump(exclude_none=True) if schedule else {}).decode(),
    )
    duplicates = await ctx.db.write(accept(account_id, plan, rows, now))
    ctx.wake_engine()
    return {"bulkId": bulk_id, "messages": [_answer(i, r, duplicates) for i, r in enumerate(rows)]}


def _answer(index: int, row: NewMessage, duplicates: set[int]) -> dict[str, Any]:
    if index in duplicates:
        status = _DUPLICATE
    elif row.state == "done":
        status = st.STATUS_BY_ID[row.status_id]
    else:
        status = _ACCEPTED
    return {"messageId": row.message_id, "status": status.wire(), "destination": row.destination}


def _rows(
    account_id: str,
    bulk_id: str,
    m: AlimMessage,
    senders: set[str],
    templates: dict[tuple[str, str], catalog.AlimTemplate],
    planned: int,
    priority: int,
    now: int,
) -> list[NewMessage]:
    content = m.content.model_dump_json(exclude_none=True)
    message_problem = _message_problem(m, senders, templates, now)
    o = m.options
    validity = (
        validity_ms(o.validityPeriod.amount, o.validityPeriod.timeUnit)
        if o and o.validityPeriod
        else validity_ms(None, None)
    )
    extra = {
        k: v
        for k, v in (o.model_dump(exclude_none=True, by_alias=True) if o else {}).items()
        if k in ("deliveryTimeWindow", "smsFailover")
    }
    row_options = orjson.dumps(extra).decode() if extra else None
    window = Window.from_wire(extra["deliveryTimeWindow"]) if "deliveryTimeWindow" in extra else None
    platform = o.platform if o else None
    hooks = m.webhooks
    delivery = hooks.delivery if hooks else None
    notify = delivery.notify is not False if delivery else True
    rows = []
    generated = iter(new_message_ids(sum(1 for d in m.destinations if not d.messageId)))
    for d in m.destinations:
        problem = destination_problem(d.to) or message_problem
        state, due_at, expires_at = ("done", now, now) if problem else ("queued", planned, planned + validity)
        status_id, error_id = (problem[0].id, problem[1].id) if problem else (_ACCEPTED.id, _NO_ERROR)
        rows.append(
            NewMessage(
                account_id,
                d.messageId or next(generated),
                CHANNEL,
                bulk_id,
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
                window,
                validity,
            )
        )
    return rows
