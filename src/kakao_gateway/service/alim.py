"""Accept a Kakao Alim send: check every destination, store all rows durably, answer per destination."""

from __future__ import annotations

from typing import Any

from ..domain import nhn
from ..domain.templates import buttons_match, text_matches
from ..schemas.alim import AlimMessage, AlimRequest, AlimTemplateContent
from ..store import catalog
from ..store.intake import PRIORITIES
from ..store.message_rows import NewMessage
from ..store.sql import Op
from . import upstreams
from .context import Context
from .errors import InvalidRequest
from .sending import (
    BAD_ARGS,
    BAD_TEMPLATE,
    UNKNOWN_SENDER,
    Rejection,
    bulk_plan,
    message_rows,
    store_and_answer,
)
from .sms import check_failovers, sms_setup
from .webhook_targets import check_targets, delivery_targets

CHANNEL = "ALIM"


def template_problem(template: catalog.AlimTemplate | None, content: AlimTemplateContent, now: int) -> Rejection | None:
    """Unknown or unapproved template, or content that does not match the approved one."""
    if template is None or template.effective_status(now) != "APPROVED":
        return BAD_TEMPLATE
    if not text_matches(template.text, content.text):
        return BAD_ARGS
    if not _emphasis_matches(template, content):
        return BAD_ARGS
    buttons = [b.model_dump(exclude_none=True) for b in content.buttons or []]
    if not buttons_match(template.buttons, buttons):
        return BAD_ARGS
    return None


def _emphasis_matches(template: catalog.AlimTemplate, content: AlimTemplateContent) -> bool:
    """A TEXT template's emphasized title is sent (matching the template's, variables and all); no other template
    takes a title (an image, header, highlight and item list are the template's own, their variables the text's)."""
    if template.emphasis_type != "TEXT":
        return content.title is None
    return content.title is not None and text_matches(template.title or "", content.title)


def _message_problem(
    m: AlimMessage, senders: set[str], templates: dict[tuple[str, str], catalog.AlimTemplate], now: int
) -> Rejection | None:
    if m.sender not in senders:
        return UNKNOWN_SENDER
    return template_problem(templates.get((m.sender, m.content.templateCode)), m.content, now)


def _catalogue(
    account_id: str, request: AlimRequest
) -> Op[tuple[set[str], dict[tuple[str, str], catalog.AlimTemplate]]]:
    """The request's registered senders and their templates, read in one go."""
    senders = yield from catalog.sender_names(account_id, sorted({m.sender for m in request.messages}))
    wanted = sorted({(m.sender, m.content.templateCode) for m in request.messages if m.sender in senders})
    templates = yield from catalog.get_templates(account_id, wanted)
    return senders, templates


async def send(ctx: Context, account_id: str, request: AlimRequest) -> dict[str, Any]:
    await check_targets(ctx, account_id, delivery_targets(request.messages))
    now = ctx.clock.now_ms()
    options = request.options
    plan = bulk_plan(CHANNEL, options.schedule if options else None, now, ctx.ids)
    priority = PRIORITIES[(options.priority if options else None) or "STANDARD"]
    senders, templates = await ctx.db.read(_catalogue(account_id, request))
    sms = await sms_setup(ctx, account_id)
    check_failovers(request.messages, sms)
    route = await upstreams.kakao_route_of(ctx, account_id)
    if unmappable := nhn.request_problems(
        route, CHANNEL, [m.content.model_dump(exclude_none=True) for m in request.messages]
    ):
        raise InvalidRequest(unmappable)
    rows: list[NewMessage] = []
    for m in request.messages:
        content = m.content.model_dump_json(exclude_none=True)
        problem = _message_problem(m, senders, templates, now)
        # ignore: service/sending.py's protocols declare settable members, and wire models are frozen
        rows.extend(message_rows(account_id, plan, m, problem, priority, now, content, ctx.ids, sms=sms, route=route))
    return await store_and_answer(ctx, account_id, plan, rows, now)
