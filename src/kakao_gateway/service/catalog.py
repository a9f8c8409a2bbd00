"""Senders, Alim templates and report subscriptions."""

from __future__ import annotations

from typing import Any

from ..connectors.infobip_kakao import approves_templates_at_once
from ..domain.times import format_ms
from ..schemas.extensions import SUBSCRIPTION_CHANNELS, AlimTemplateBody, AlimTemplateUpdate, SubscriptionsBody
from ..store import catalog as store
from .context import Context
from .errors import NotFound
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


def template_wire(t: store.AlimTemplate, now: int) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "sender": t.sender,
        "templateCode": t.template_code,
        "name": t.name,
        "text": t.text,
        "buttons": t.buttons,
        "status": t.effective_status(now),
        "createdAt": format_ms(t.created_at),
        "updatedAt": format_ms(t.updated_at),
    }
    if t.title is not None:
        wire["title"] = t.title
    if t.comment is not None:
        wire["comment"] = t.comment
    return wire


def _buttons(body: AlimTemplateBody | AlimTemplateUpdate) -> list[dict[str, Any]]:
    return [b.model_dump(exclude_none=True) for b in body.buttons or []]


async def _require_sender(ctx: Context, account_id: str, sender: str) -> None:
    if sender not in await ctx.db.read(store.sender_names(account_id, [sender])):
        raise NotFound(f"sender {sender!r} is not registered", "sender")


async def _inspection(ctx: Context, account_id: str, now: int) -> tuple[str, None, int | None]:
    """(status, comment, approval time) of a new or changed template. An upstream without template endpoints
    (Infobip: inspection happens on its side) has it APPROVED at once; the sandbox approves it after its delay. The
    text check at accept runs either way."""
    if approves_templates_at_once(await kakao_route_of(ctx, account_id)):
        return "APPROVED", None, None
    return "REQUESTED", None, now + ctx.template_approval_delay_ms


async def create_template(ctx: Context, account_id: str, body: AlimTemplateBody) -> dict[str, Any]:
    """Register (or re-register) a template; it goes to inspection (`_inspection`)."""
    await _require_sender(ctx, account_id, body.sender)
    now = ctx.clock.now_ms()
    existing = await ctx.db.read(store.get_template(account_id, body.sender, body.templateCode))
    template = store.AlimTemplate(
        body.sender,
        body.templateCode,
        body.name,
        body.text,
        body.title,
        _buttons(body),
        *await _inspection(ctx, account_id, now),
        existing.created_at if existing else now,
        now,
    )
    await ctx.db.write(store.save_template(account_id, template))
    return template_wire(template, now)


async def update_template(
    ctx: Context, account_id: str, sender: str, code: str, body: AlimTemplateUpdate
) -> dict[str, Any]:
    existing = await ctx.db.read(store.get_template(account_id, sender, code))
    if existing is None:
        raise NotFound("template not found", "templateCode")
    now = ctx.clock.now_ms()
    template = store.AlimTemplate(
        sender,
        code,
        body.name,
        body.text,
        body.title,
        _buttons(body),
        *await _inspection(ctx, account_id, now),
        existing.created_at,
        now,
    )
    await ctx.db.write(store.save_template(account_id, template))
    return template_wire(template, now)


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
        entry: dict[str, Any] = {"contentType": s.content_type}
        if s.report_url is not None:
            entry["reportUrl"] = s.report_url
        if s.inbound_url is not None:
            entry["inboundUrl"] = s.inbound_url
        wire[s.channel] = entry
    return wire


async def put_subscriptions(ctx: Context, account_id: str, body: SubscriptionsBody) -> dict[str, Any]:
    given = [(c, getattr(body, c)) for c in SUBSCRIPTION_CHANNELS]
    await check_targets(
        ctx,
        account_id,
        [(f"{c}.{f}", getattr(s, f)) for c, s in given if s is not None for f in ("reportUrl", "inboundUrl")],
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
