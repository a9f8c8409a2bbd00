"""Senders, Alim templates and report subscriptions."""

from __future__ import annotations

from typing import Any

from ..connectors.registry import approves_templates_at_once
from ..domain.template_inspection import APPROVED, CLIENT, Inspection, planned
from ..domain.templates import foreign_variables
from ..domain.times import format_ms
from ..schemas.extensions import (
    SUBSCRIPTION_CHANNELS,
    URL_CHANNELS,
    AlimTemplateBody,
    AlimTemplateUpdate,
    SubscriptionsBody,
    TemplateComment,
)
from ..store import catalog as store
from ..store import template_inspection as inspection_store
from ..store.template_inspection import comments_wire
from .context import Context
from .errors import InvalidRequest, NotFound
from .upstreams import kakao_route_of
from .webhook_targets import check_targets


def sender_wire(s: store.Sender) -> dict[str, Any]:
    return {
        "sender": s.sender,
        "name": s.name,
        "targetingEligible": s.targeting_eligible,
        "createdAt": format_ms(s.created_at),
    }


async def add_sender(
    ctx: Context, account_id: str, sender: str, name: str, eligible: bool | None = None
) -> dict[str, Any]:
    return sender_wire(await ctx.db.write(store.upsert_sender(account_id, sender, name, ctx.clock.now_ms(), eligible)))


async def list_senders(ctx: Context, account_id: str) -> list[dict[str, Any]]:
    return [sender_wire(s) for s in await ctx.db.read(store.list_senders(account_id))]


DETAIL_FIELDS = ("subtitle", "imageUrl", "header", "itemHighlight", "itemList", "itemSummary", "extra", "ad")


def template_wire(t: store.AlimTemplate, now: int) -> dict[str, Any]:
    inspection = t.current(now)
    wire: dict[str, Any] = {
        "sender": t.sender,
        "templateCode": t.template_code,
        "name": t.name,
        "text": t.text,
        "emphasisType": t.emphasis_type,
    }
    if t.title is not None:
        wire["title"] = t.title
    wire.update({k: t.details[k] for k in DETAIL_FIELDS if t.details.get(k) is not None})
    wire.update(
        {
            "buttons": t.buttons,
            "categoryCode": t.category_code,
            "securityFlag": t.security_flag,
            "messageType": t.message_type,
            "status": inspection.status,
            "comments": comments_wire(inspection.comments),
            "createdAt": format_ms(t.created_at),
            "updatedAt": format_ms(t.updated_at),
        }
    )
    reviews = [c for c in wire["comments"] if c["author"] != CLIENT]
    if reviews:  # the field before `comments` existed: the newest reviewer comment, kept for existing clients
        wire["comment"] = reviews[-1]["text"]
    return wire


def _buttons(body: AlimTemplateBody | AlimTemplateUpdate) -> list[dict[str, Any]]:
    return [b.model_dump(exclude_none=True) for b in body.buttons or []]


def _details(body: AlimTemplateUpdate) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump(include=set(DETAIL_FIELDS), exclude_none=True).items()}


def _check(body: AlimTemplateUpdate) -> None:
    """The fields must fit the emphasis and message types; variables of the item list's parts must be the text's
    (a send carries only the text, title and buttons: their values come from the text)."""
    problems = body.problems()
    parts: dict[str, Any] = {
        "header": body.header,
        "itemHighlight": body.itemHighlight,
        "itemList": body.itemList,
        "itemSummary": body.itemSummary,
    }
    for field, part in parts.items():
        if part is not None and (stray := foreign_variables(body.text, _texts(part))):
            problems.append((field, f"variables not in the text: {', '.join(stray)}"))
    if problems:
        raise InvalidRequest(problems)


def _texts(part: Any) -> list[str]:
    if isinstance(part, str):
        return [part]
    if isinstance(part, list):
        return [t for item in part for t in _texts(item)]
    return [v for v in part.model_dump(exclude={"imageUrl"}, exclude_none=True).values() if isinstance(v, str)]


async def _require_sender(ctx: Context, account_id: str, sender: str) -> None:
    if sender not in await ctx.db.read(store.sender_names(account_id, [sender])):
        raise NotFound(f"sender {sender!r} is not registered", "sender")


async def _inspection(ctx: Context, account_id: str, now: int) -> Inspection:
    """The inspection of a new or changed template. An upstream without template endpoints (Infobip: inspection
    happens on its side) has it APPROVED at once; the sandbox plans its inspection over its approval delay
    (domain/template_inspection.py). The text check at accept runs either way."""
    if approves_templates_at_once(await kakao_route_of(ctx, account_id)):
        return Inspection(APPROVED, now)
    return planned(now, ctx.template_approval_delay_ms)


def _template(
    sender: str, code: str, body: AlimTemplateUpdate, inspection: Inspection, created_at: int, now: int
) -> store.AlimTemplate:
    return store.AlimTemplate(
        sender,
        code,
        body.name,
        body.text,
        body.title,
        _buttons(body),
        inspection,
        created_at,
        now,
        body.emphasis,
        _details(body),
        body.categoryCode,
        body.securityFlag,
        body.messageType,
    )


async def create_template(ctx: Context, account_id: str, body: AlimTemplateBody) -> dict[str, Any]:
    """Register (or re-register) a template; it goes to inspection (`_inspection`), keeping its comments."""
    _check(body)
    await _require_sender(ctx, account_id, body.sender)
    now = ctx.clock.now_ms()
    existing = await ctx.db.read(store.get_template(account_id, body.sender, body.templateCode))
    created_at = existing.created_at if existing else now
    template = _template(body.sender, body.templateCode, body, await _inspection(ctx, account_id, now), created_at, now)
    await ctx.db.write(inspection_store.save_template(account_id, template, now))
    return await get_template(ctx, account_id, body.sender, body.templateCode)


async def update_template(
    ctx: Context, account_id: str, sender: str, code: str, body: AlimTemplateUpdate
) -> dict[str, Any]:
    """Change a template: it goes back to inspection (a REJECTED one is requested again), keeping its comments."""
    _check(body)
    existing = await ctx.db.read(store.get_template(account_id, sender, code))
    if existing is None:
        raise NotFound("template not found", "templateCode")
    now = ctx.clock.now_ms()
    template = _template(sender, code, body, await _inspection(ctx, account_id, now), existing.created_at, now)
    await ctx.db.write(inspection_store.save_template(account_id, template, now))
    return await get_template(ctx, account_id, sender, code)


async def comment_template(
    ctx: Context, account_id: str, sender: str, code: str, body: TemplateComment
) -> dict[str, Any]:
    """A client's reply to its template's inspection, added to its comments."""
    now = ctx.clock.now_ms()
    if await ctx.db.write(inspection_store.add_comment(account_id, sender, code, CLIENT, body.text, now)) is None:
        raise NotFound("template not found", "templateCode")
    return await get_template(ctx, account_id, sender, code)


async def decide_template(
    ctx: Context, account_id: str, sender: str, code: str, status: str, comment: str | None
) -> None:
    """An inspector's decision on a template still in inspection (the console's inspect button, sandbox only)."""
    now = ctx.clock.now_ms()
    if not await ctx.db.write(inspection_store.decide(account_id, sender, code, status, comment, now)):
        raise NotFound("no template waiting for inspection", "templateCode")


async def get_template(ctx: Context, account_id: str, sender: str, code: str) -> dict[str, Any]:
    template = await ctx.db.read(store.get_template(account_id, sender, code))
    if template is None:
        raise NotFound("template not found", "templateCode")
    return template_wire(template, ctx.clock.now_ms())


async def list_templates(ctx: Context, account_id: str, sender: str | None) -> list[dict[str, Any]]:
    now = ctx.clock.now_ms()
    return [template_wire(t, now) for t in await ctx.db.read(store.list_templates(account_id, sender))]


async def delete_template(ctx: Context, account_id: str, sender: str, code: str) -> None:
    if not await ctx.db.write(store.delete_template(account_id, sender, code)):
        raise NotFound("template not found", "templateCode")


def subscriptions_wire(subs: list[store.Subscription]) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for s in subs:
        if s.channel in URL_CHANNELS:
            wire[s.channel] = {"url": s.report_url}
            continue
        entry: dict[str, Any] = {"contentType": s.content_type}
        if s.report_url is not None:
            entry["reportUrl"] = s.report_url
        if s.inbound_url is not None:
            entry["inboundUrl"] = s.inbound_url
        wire[s.channel] = entry
    return wire


def _url_fields(channel: str) -> tuple[str, ...]:
    return ("url",) if channel in URL_CHANNELS else ("reportUrl", "inboundUrl")


async def put_subscriptions(ctx: Context, account_id: str, body: SubscriptionsBody) -> dict[str, Any]:
    given = [(c, getattr(body, c)) for c in SUBSCRIPTION_CHANNELS]
    await check_targets(
        ctx,
        account_id,
        [(f"{c}.{f}", getattr(s, f)) for c, s in given if s is not None for f in _url_fields(c)],
    )
    for channel in SUBSCRIPTION_CHANNELS:
        sub = getattr(body, channel)
        if sub is not None:
            await ctx.db.write(
                store.put_subscription(
                    account_id, store.Subscription(channel, sub.reportUrl, sub.inboundUrl, sub.contentType)
                )
            )
    return await get_subscriptions(ctx, account_id)


async def get_subscriptions(ctx: Context, account_id: str) -> dict[str, Any]:
    return subscriptions_wire(await ctx.db.read(store.get_subscriptions(account_id)))
