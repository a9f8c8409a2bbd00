"""Import a provider's Alim templates (NHN Cloud's today), with their inspection status, into our catalogue, so the
template check at accept matches what Kakao will accept. A template whose buttons we cannot send is left out (and
named). Which provider lists templates, and how, is its declaration's (connectors.registry.template_source)."""

from __future__ import annotations

from typing import Any

import httpx

from ..connectors.credentials import SenderCredentials
from ..connectors.provider import SyncedTemplate, TemplateSource, TemplateSyncError
from ..connectors.registry import template_source
from ..connectors.upstreams import UpstreamUrl
from ..domain.template_inspection import INSPECTOR, Inspection, comment
from ..store import catalog, template_inspection
from ..store.upstream_settings import get_kakao_upstream
from .context import Context
from .errors import InvalidRequest, NotFound
from .sender_credentials import SecretBox, get_credentials, senders_with_credentials


async def sync_templates(
    ctx: Context,
    box: SecretBox | None,
    account_id: str,
    sender: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """Per sender: how many templates were imported, and which were left out and why."""
    url, source = await _source(ctx, account_id)
    senders = [sender] if sender else await senders_with_credentials(ctx, account_id)
    report: dict[str, Any] = {}
    for name in senders:
        creds = await get_credentials(ctx.db, box, account_id, name)
        if creds is None:
            raise NotFound(f"sender {name!r} has no upstream credentials this server can read", "sender")
        report[name] = await _sync_sender(ctx, url, source, account_id, name, creds, transport)
    return report


async def _source(ctx: Context, account_id: str) -> tuple[UpstreamUrl, TemplateSource]:
    exists, own = await ctx.db.read(get_kakao_upstream(account_id))
    if not exists:
        raise NotFound("account")
    found = template_source("kakao", own or ctx.kakao_upstream)
    if found is None:
        raise InvalidRequest([("upstream", "the account's Kakao upstream is not NHN Cloud (nhn://): nothing to sync")])
    return found


async def _sync_sender(
    ctx: Context,
    url: UpstreamUrl,
    source: TemplateSource,
    account_id: str,
    sender: str,
    creds: SenderCredentials,
    transport: httpx.AsyncBaseTransport | None,
) -> dict[str, Any]:
    try:
        templates = await source(url, creds, transport, ctx.clock.now_ms())
    except TemplateSyncError as exc:
        raise InvalidRequest([("upstream", str(exc))]) from None
    imported, skipped = 0, []
    for template in templates:
        if template.skipped is not None:
            skipped.append({"templateCode": template.code, "reason": template.skipped})
            continue
        await _save(ctx, account_id, sender, template)
        imported += 1
    return {"imported": imported, "skipped": skipped}


async def _save(ctx: Context, account_id: str, sender: str, template: SyncedTemplate) -> None:
    """The provider's status is the truth (nothing planned by our sandbox); a status that changed pushes its
    webhook."""
    now = ctx.clock.now_ms()
    existing = await ctx.db.read(catalog.get_template(account_id, sender, template.code))
    status = template.status
    status_at = existing.inspection.status_at if existing and existing.inspection.status == status else now
    comments = template.comments
    if not comments and template.status_note and status == "REJECTED":
        comments = (comment(now, INSPECTOR, template.status_note),)
    saved = catalog.AlimTemplate(
        sender,
        template.code,
        template.name,
        template.text,
        template.title,
        template.buttons,
        Inspection(status, status_at, comments),
        existing.created_at if existing else now,
        now,
        template.emphasis,
        template.details,
        template.category_code,
        template.security_flag,
        template.message_type,
    )
    await ctx.db.write(template_inspection.save_template(account_id, saved, now))
