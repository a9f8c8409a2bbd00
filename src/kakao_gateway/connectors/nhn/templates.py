"""NHN Cloud's Alim template list, in our catalogue's terms (`templates sync`): every page of a sender's templates,
each mapped by mapping.py; a template whose buttons or content we cannot send is returned `skipped`."""

from __future__ import annotations

from typing import Any

import httpx

from ..credentials import SenderCredentials
from ..provider import SyncedTemplate, TemplateSyncError
from ..upstreams import UpstreamUrl
from . import mapping as nhn
from .client import NhnClient
from .config import config_of

MAX_PAGES = 100


async def fetch_templates(
    url: UpstreamUrl, creds: SenderCredentials, transport: httpx.AsyncBaseTransport | None, now: int
) -> list[SyncedTemplate]:
    client = NhnClient(config_of(url), transport)
    try:
        return [_synced(t, now) for t in await _fetch_all(client, creds)]
    finally:
        await client.close()


async def _fetch_all(client: NhnClient, creds: SenderCredentials) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        try:
            answer = await client.templates(creds, page)
        except httpx.HTTPError as exc:
            raise TemplateSyncError(f"NHN Cloud did not answer: {type(exc).__name__}") from None
        if not answer.ok:
            why = f"HTTP {answer.http_status}, resultCode {answer.result_code}: {answer.result_message}"
            raise TemplateSyncError(f"NHN Cloud refused the template list ({why})")
        listing = answer.body.get("templateListResponse") or {}
        templates = [t for t in listing.get("templates") or [] if isinstance(t, dict)]
        found += templates
        if len(templates) == 0 or len(found) >= int(listing.get("totalCount") or 0):
            break
    return found


def _synced(template: dict[str, Any], now: int) -> SyncedTemplate:
    code = str(template.get("templateCode") or "")
    buttons = nhn.template_buttons(template.get("buttons") or [])
    if not code or buttons is None or not template.get("templateContent"):
        return SyncedTemplate(code, skipped="a button type or content we cannot send")
    return SyncedTemplate(
        code,
        name=str(template.get("templateName") or code),
        text=str(template["templateContent"]),
        title=template.get("templateTitle") or None,
        buttons=buttons,
        status=nhn.template_status(template.get("status")),
        comments=nhn.template_comments(template.get("comments"), now),
        status_note=str(template["statusName"]) if template.get("statusName") else None,
        emphasis=nhn.template_emphasis(template),
        details=nhn.template_details(template),
        category_code=str(template.get("categoryCode") or "999999"),
        security_flag=bool(template.get("securityFlag")),
        message_type=nhn.template_message_type(template),
    )
