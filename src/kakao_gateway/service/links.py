"""URL shortening for Brand messages, the redirect with click recording, click statistics, URL domains."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..domain.links import CODE_LENGTH, code_from, device_of, rewrite_text, short_url
from ..domain.times import format_ms
from ..store import links as store
from .context import Context
from .errors import Conflict, InvalidRequest, NotFound

_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[0-9]{1,5})?")


def default_domain(public_url: str) -> str:
    return urlsplit(public_url).netloc


def scheme_of(public_url: str) -> str:
    return urlsplit(public_url).scheme or "https"


@dataclass
class Shortener:
    """Rewrites one destination's URLs to fresh short links and remembers the links to store."""

    account_id: str
    domain: str
    scheme: str
    remove_protocol: bool
    track: bool
    tracking_url: str | None
    links: list[tuple[object, store.NewLink]] = field(default_factory=list)  # (the row it was made for, link)

    def shorten(self, url: str, facts: dict[str, Any]) -> str:
        code = code_from(secrets.token_bytes(CODE_LENGTH))
        link = store.NewLink(
            code,
            self.account_id,
            self.domain,
            url,
            facts["message_id"],
            facts["bulk_id"],
            facts["destination"],
            self.track,
            self.tracking_url,
            facts["callback_data"],
            facts["entity_id"],
            facts["application_id"],
            facts["campaign_ref"],
            facts["sent_at"],
        )
        self.links.append((facts["row"], link))
        return code

    def text(self, text: str, urls: list[str], facts: dict[str, Any]) -> str:
        mapping = {}
        for url in urls:
            code = self.shorten(url, facts)
            mapping[url] = short_url(self.domain, code, scheme=self.scheme, remove_protocol=self.remove_protocol)
        return rewrite_text(text, mapping)

    def button_url(self, url: str, facts: dict[str, Any]) -> str:
        return short_url(self.domain, self.shorten(url, facts), scheme=self.scheme)


async def add_domain(ctx: Context, account_id: str, domain: str) -> dict[str, Any]:
    domain = domain.strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise InvalidRequest([("domain", "must be a host name such as go.example.com")])
    if not await ctx.db.write(store.add_domain(account_id, domain, ctx.clock.now_ms())):
        raise Conflict("domain already registered", "domain")
    return {"domain": domain, "createdAt": format_ms(ctx.clock.now_ms())}


async def list_domains(ctx: Context, account_id: str) -> list[dict[str, Any]]:
    return [{"domain": d, "createdAt": format_ms(at)} for d, at in await ctx.db.read(store.list_domains(account_id))]


async def delete_domain(ctx: Context, account_id: str, domain: str) -> None:
    if not await ctx.db.write(store.delete_domain(account_id, domain.strip().lower())):
        raise NotFound("domain not registered", "domain")


async def registered_domains(ctx: Context, account_id: str) -> set[str]:
    return {d for d, _ in await ctx.db.read(store.list_domains(account_id))}


async def click(
    ctx: Context, code: str, host: str, user_agent: str | None, client: str, account_id: str | None = None
) -> str | None:
    """Record a click on a short link served at `host`; the original URL, or None when there is no such link (or,
    with `account_id`, when the link is another account's: a sandbox click is made by the link's own tenant)."""
    link = await ctx.db.read(store.find_link(code))
    if link is None or link["domain"] != host.lower():
        return None
    if account_id is not None and link["account_id"] != account_id:
        return None
    now = ctx.clock.now_ms()
    device = device_of(user_agent)
    event = None
    if link["track"]:
        event = {
            "notificationType": "CLICKED",
            "recipient": link["destination"],
            "url": link["url"],
            "sendDateTime": now,
            "messageId": link["message_id"],
            "bulkId": link["bulk_id"],
            "recipientInfo": {"deviceType": device.device_type, "os": device.os, "deviceName": device.device_name},
        }
        for key, column in (
            ("callbackData", "callback_data"),
            ("entityId", "entity_id"),
            ("applicationId", "application_id"),
        ):
            if link[column] is not None:
                event[key] = link[column]
    clicker = hashlib.sha256(f"{client}|{user_agent}".encode()).hexdigest()[:16]
    await ctx.db.write(store.record_click(link, now, user_agent, device.device_type, clicker, event))
    ctx.wake_engine()
    return str(link["url"])


async def click_stats(
    ctx: Context, account_id: str, message_id: str | None, bulk_id: str | None, campaign_ref: str | None
) -> dict[str, Any]:
    if message_id is None and bulk_id is None and campaign_ref is None:
        raise InvalidRequest([("messageId", "give messageId, bulkId or campaignReferenceId")])
    return {"results": await ctx.db.read(store.click_stats(account_id, message_id, bulk_id, campaign_ref))}
