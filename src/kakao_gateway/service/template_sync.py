"""Import an NHN Cloud project's AlimTalk templates, with their inspection status, into our catalogue, so the template
check at accept matches what Kakao will accept. A template whose buttons we cannot send is left out (and named)."""

from __future__ import annotations

from typing import Any

import httpx

from ..connectors.nhn_client import NhnClient
from ..connectors.nhn_config import SCHEMES, config_of
from ..connectors.upstreams import UpstreamError, parse_upstream
from ..domain import nhn
from ..domain.template_inspection import INSPECTOR, Inspection, comment
from ..store import catalog, template_inspection
from ..store.upstream_settings import get_kakao_upstream
from .context import Context
from .errors import InvalidRequest, NotFound
from .sender_credentials import SecretBox, get_credentials, senders_with_credentials

MAX_PAGES = 100


async def sync_templates(
    ctx: Context,
    box: SecretBox | None,
    account_id: str,
    sender: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """Per sender: how many templates were imported, and which were left out and why."""
    client = NhnClient(config_of(await _nhn_upstream(ctx, account_id)), transport)
    senders = [sender] if sender else await senders_with_credentials(ctx, account_id)
    report: dict[str, Any] = {}
    try:
        for name in senders:
            creds = await get_credentials(ctx.db, box, account_id, name)
            if creds is None:
                raise NotFound(f"sender {name!r} has no upstream credentials this server can read", "sender")
            report[name] = await _sync_sender(ctx, client, account_id, name, creds)
    finally:
        await client.close()
    return report


async def _nhn_upstream(ctx: Context, account_id: str) -> Any:
    exists, own = await ctx.db.read(get_kakao_upstream(account_id))
    if not exists:
        raise NotFound("account")
    try:
        url = parse_upstream(own or ctx.kakao_upstream)
    except UpstreamError:
        url = None
    if url is None or url.scheme not in SCHEMES:
        raise InvalidRequest([("upstream", "the account's Kakao upstream is not NHN Cloud (nhn://): nothing to sync")])
    return url


async def _sync_sender(
    ctx: Context, client: NhnClient, account_id: str, sender: str, creds: nhn.NhnCredentials
) -> dict[str, Any]:
    imported, skipped = 0, []
    for template in await _fetch_all(client, creds):
        code = str(template.get("templateCode") or "")
        buttons = nhn.template_buttons(template.get("buttons") or [])
        if not code or buttons is None or not template.get("templateContent"):
            skipped.append({"templateCode": code, "reason": "a button type or content we cannot send"})
            continue
        await _save(ctx, account_id, sender, template, buttons)
        imported += 1
    return {"imported": imported, "skipped": skipped}


async def _fetch_all(client: NhnClient, creds: nhn.NhnCredentials) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        try:
            answer = await client.templates(creds, page)
        except httpx.HTTPError as exc:
            raise InvalidRequest([("upstream", f"NHN Cloud did not answer: {type(exc).__name__}")]) from None
        if not answer.ok:
            why = f"HTTP {answer.http_status}, resultCode {answer.result_code}: {answer.result_message}"
            raise InvalidRequest([("upstream", f"NHN Cloud refused the template list ({why})")])
        listing = answer.body.get("templateListResponse") or {}
        templates = [t for t in listing.get("templates") or [] if isinstance(t, dict)]
        found += templates
        if len(templates) == 0 or len(found) >= int(listing.get("totalCount") or 0):
            break
    return found


async def _save(
    ctx: Context, account_id: str, sender: str, template: dict[str, Any], buttons: list[dict[str, Any]]
) -> None:
    """NHN's status is the truth (nothing planned by our sandbox); a status that changed pushes its webhook."""
    now = ctx.clock.now_ms()
    code = str(template["templateCode"])
    existing = await ctx.db.read(catalog.get_template(account_id, sender, code))
    status = nhn.template_status(template.get("status"))
    status_at = existing.inspection.status_at if existing and existing.inspection.status == status else now
    comments = nhn.template_comments(template.get("comments"), now)
    if not comments and template.get("statusName") and status == "REJECTED":
        comments = (comment(now, INSPECTOR, str(template["statusName"])),)
    saved = catalog.AlimTemplate(
        sender,
        code,
        str(template.get("templateName") or code),
        str(template["templateContent"]),
        template.get("templateTitle") or None,
        buttons,
        Inspection(status, status_at, comments),
        existing.created_at if existing else now,
        now,
        nhn.template_emphasis(template),
        nhn.template_details(template),
        str(template.get("categoryCode") or "999999"),
        bool(template.get("securityFlag")),
        nhn.template_message_type(template),
    )
    await ctx.db.write(template_inspection.save_template(account_id, saved, now))
