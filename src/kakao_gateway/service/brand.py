"""Accept a Brand Message send (`/kakao-chingu/1/messages`): sender, targeting, template and domain checks,
advertising hours, URL shortening per destination; then the shared store-and-answer."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from ..domain.ad_rules import AD_HOURS
from ..domain.links import find_urls
from ..domain.schedule import Window, combine, next_open
from ..domain.templates import variables
from ..schemas.brand import VARIABLE_TYPES, BrandMessage, BrandRequest, UrlOptions, content_buttons
from ..store import brand as brand_store
from ..store.account_view import AccountView, Wants
from ..store.links import add_links
from ..store.message_rows import NewMessage
from ..store.opt_outs import ALL_SENDERS
from ..store.sql import Op
from .ad_labels import identity_of, label_failovers
from .context import Context
from .errors import InvalidRequest
from .intake import AfterAccept, Channel, accept_request
from .links import Shortener, default_domain, scheme_of
from .sending import (
    BAD_ARGS,
    BAD_TEMPLATE,
    UNKNOWN_SENDER,
    ContentFor,
    MessageParts,
    Rejection,
    Shared,
    reject,
)

CHANNEL = "BRAND"
OPTED_OUT = reject("REJECTED_DND", "NO_ERROR")
NOT_ELIGIBLE = reject("UNDELIVERABLE_REJECTED_PLATFORM", "EC_FORBIDDEN_ACCESS")
UNKNOWN_DOMAIN = reject("UNDELIVERABLE_REJECTED_PLATFORM", "EC_BAD_REQUEST")
TEMPLATE_TYPES = {
    "TEXT_VARIABLE": "TEXT",
    "IMAGE_VARIABLE": "IMAGE",
    "IMAGE_WIDE_VARIABLE": "IMAGE_WIDE",
    "ITEM_LIST_VARIABLE": "ITEM_LIST",
}
DEFAULT_AD_HOURS = AD_HOURS  # Korea time (KST, UTC+9): Kakao's advertising hours (domain/ad_rules.py)
KST_OFFSET_MINUTES = 9 * 60
ALL_DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def ad_hours_window(settings: dict[str, Any]) -> dict[str, Any] | None:
    """The account's Brand advertising hours (KST) as a UTC delivery window; None when switched off."""
    hours = settings.get("brandAdHours", DEFAULT_AD_HOURS)
    if hours is None:
        return None

    def utc(hhmm: str) -> dict[str, int]:
        hour, minute = (int(x) for x in hhmm.split(":"))
        total = (hour * 60 + minute - KST_OFFSET_MINUTES) % (24 * 60)
        return {"hour": total // 60, "minute": total % 60}

    return {"days": ALL_DAYS, "from": utc(hours["from"]), "to": utc(hours["to"])}


def _walk_placeholders(value: Any, data_key: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        found.extend((data_key, name) for name in variables(value))
    elif isinstance(value, dict):
        for key, inner in value.items():
            _walk_placeholders(
                inner, "buttonData" if key == "buttons" else "couponData" if key == "coupon" else data_key, found
            )
    elif isinstance(value, list):
        for inner in value:
            _walk_placeholders(inner, data_key, found)


def template_problem(content: Any, template: dict[str, Any] | None) -> Rejection | None:
    """A variable message needs a template of the matching type, and a value for each of its placeholders:
    `buttonData` for those in buttons, `couponData` for the coupon's, `messageData` for the rest."""
    if template is None or template.get("type") != TEMPLATE_TYPES[content.type]:
        return BAD_TEMPLATE
    found: list[tuple[str, str]] = []
    _walk_placeholders({k: v for k, v in template.items() if k != "type"}, "messageData", found)
    for data_key, name in found:
        if name not in (getattr(content, data_key) or {}):
            return BAD_ARGS
    return None


def _message_problem(
    m: BrandMessage,
    senders: dict[str, bool],
    templates: dict[tuple[str, str], Any],
    tracking: UrlOptions | None,
    domains: set[str],
) -> Rejection | None:
    if m.sender not in senders:
        return UNKNOWN_SENDER
    if m.targeting != "TARGETED_FRIENDS" and not senders[m.sender]:
        return NOT_ELIGIBLE
    if m.content.type in VARIABLE_TYPES:
        problem = template_problem(m.content, templates.get((m.sender, m.content.templateCode)))  # type: ignore[union-attr]
        if problem:
            return problem
    custom = tracking.customDomain if tracking is not None and tracking.shortenUrl else None
    if custom and custom.lower() not in domains:
        return UNKNOWN_DOMAIN
    return None


def _per_destination(
    m: BrandMessage, shortener: Shortener | None, base: dict[str, Any], facts: dict[str, Any]
) -> ContentFor | None:
    """Each destination's content with its own short links, when the request asks for shortening and the content
    has links (in its text or URL buttons)."""
    if shortener is None or m.content.type in VARIABLE_TYPES:
        return None
    text_urls = find_urls(base["text"]) if isinstance(base.get("text"), str) else []
    url_buttons = [loc for loc, button in content_buttons(m.content) if button.type == "URL"]
    if not text_urls and not url_buttons:
        return None

    def render(row: NewMessage) -> str:
        row_facts = {**facts, "message_id": row.message_id, "destination": row.destination, "row": row}
        content = copy.deepcopy(base)
        if text_urls:
            content["text"] = shortener.text(base["text"], text_urls, row_facts)
        for loc in url_buttons:
            node: Any = content
            for part in loc:
                node = node[part]
            for key in ("urlMobile", "urlPc"):
                if isinstance(node.get(key), str):
                    node[key] = shortener.button_url(node[key], row_facts)
        return orjson.dumps(content).decode()

    return render


class _Brand(Channel[BrandMessage]):
    """A Brand request's part of the accept: its advertising labels and hours, and per message its targeting,
    template, link domain, opt-outs and short links (collected here, stored with the rows)."""

    name = CHANNEL

    def __init__(self, account_id: str, request: BrandRequest, public_url: str) -> None:
        self.account_id = account_id
        self.request = request
        self.tracking = request.options.tracking if request.options else None
        self.public_url = public_url
        self.shorteners: list[Shortener] = []
        self.ad_hours: dict[str, Any] | None = None

    def wants(self, messages: Sequence[BrandMessage]) -> Wants:
        templates = sorted(
            {(m.sender, m.content.templateCode) for m in messages if m.content.type in VARIABLE_TYPES}  # type: ignore[union-attr]
        )
        return Wants(
            sorted({m.sender for m in messages}),
            brand_templates=templates,
            domains=True,
            opt_out_destinations=[d.to for m in messages for d in m.destinations if d.to],
        )

    def prepare(self, messages: Sequence[BrandMessage], view: AccountView) -> Sequence[BrandMessage]:
        self.ad_hours = ad_hours_window(view.settings)
        return label_failovers(self.request, identity_of(view.settings)).messages

    def dealer_content(self, m: BrandMessage) -> dict[str, Any]:
        return m.content.model_dump(exclude_none=True, by_alias=True)

    def check(self, messages: Sequence[BrandMessage], view: AccountView, now: int) -> None:
        _check_windows(messages, self.ad_hours, now)

    def parts(self, m: BrandMessage, view: AccountView, shared: Shared) -> MessageParts:
        tracking = self.tracking
        problem = _message_problem(m, view.senders, view.brand_templates, tracking, view.domains)
        shortener = None
        if tracking is not None and tracking.shortenUrl and problem is None:
            custom = tracking.customDomain.lower() if tracking.customDomain else None
            shortener = Shortener(
                self.account_id,
                custom or default_domain(self.public_url),
                "https" if custom else scheme_of(self.public_url),
                tracking.removeProtocol,
                tracking.trackClicks,
                tracking.trackingUrl,
            )
            self.shorteners.append(shortener)
        hooks = m.webhooks
        platform = m.options.platform if m.options else None
        facts = {
            "bulk_id": shared.plan.bulk_id,
            "callback_data": hooks.callbackData if hooks else None,
            "entity_id": platform.entityId if platform else None,
            "application_id": platform.applicationId if platform else None,
            "campaign_ref": m.options.campaignReferenceId if m.options else None,
            "sent_at": shared.now,
        }
        base = m.content.model_dump(exclude_none=True, by_alias=True)
        return MessageParts(
            problem,
            orjson.dumps(base).decode(),
            Window.from_wire(self.ad_hours) if self.ad_hours else None,
            _per_destination(m, shortener, base, facts),
            _opted_out(view.opted_out, m.sender),
        )

    def after_accept(self, rows: list[NewMessage]) -> AfterAccept | None:
        if not self.shorteners:
            return None
        shorteners, now = self.shorteners, rows[0].created_at

        def store_links(duplicates: set[int]) -> Op[None]:
            """Short links of the stored rows: a row refused as a duplicate messageId gets none."""
            refused = {id(rows[i]) for i in duplicates}
            yield from add_links([link for s in shorteners for row, link in s.links if id(row) not in refused], now)

        return store_links


async def send(ctx: Context, account_id: str, request: BrandRequest) -> dict[str, Any]:
    options = request.options
    tracking = options.tracking if options else None
    tracking_url = [("options.tracking.trackingUrl", tracking.trackingUrl if tracking else None)]
    channel = _Brand(account_id, request, ctx.public_url)
    schedule = options.schedule if options else None
    return await accept_request(ctx, account_id, channel, request.messages, schedule, targets=tracking_url)


def _opted_out(listed: dict[str, set[str]], sender: str) -> Callable[[str], Rejection | None]:
    """REJECTED_DND for a destination whose opt-out names this sender or all the account's senders."""

    def refused(to: str) -> Rejection | None:
        senders = listed.get(to)
        return OPTED_OUT if senders and (ALL_SENDERS in senders or sender in senders) else None

    return refused


def _check_windows(messages: Sequence[BrandMessage], ad_hours: dict[str, Any] | None, now: int) -> None:
    """A delivery window that never overlaps the advertising hours could never send: a 400, not a stuck message."""
    if ad_hours is None:
        return
    hours = Window.from_wire(ad_hours)
    problems = []
    for index, m in enumerate(messages):
        window = m.options.deliveryTimeWindow if m.options else None
        if window is None:
            continue
        try:
            next_open(now, combine(Window.from_wire(window.model_dump(by_alias=True, exclude_none=True)), hours))
        except ValueError:
            problems.append(
                (
                    f"messages[{index}].options.deliveryTimeWindow",
                    "never open during the account's Brand advertising hours (Korea time)",
                )
            )
    if problems:
        raise InvalidRequest(problems)


async def account_settings(ctx: Context, account_id: str) -> dict[str, Any]:
    return await ctx.db.read(brand_store.get_settings(account_id))


async def get_settings(ctx: Context, account_id: str) -> dict[str, Any]:
    settings = await ctx.db.read(brand_store.get_settings(account_id))
    return {"brandAdHours": settings.get("brandAdHours", DEFAULT_AD_HOURS), "adIdentity": settings.get("adIdentity")}


async def put_settings(ctx: Context, account_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the settings named in `changes` (`brandAdHours`, `adIdentity`; None switches one off); the others stay
    as they are."""
    await ctx.db.write(brand_store.update_settings(account_id, changes))
    return await get_settings(ctx, account_id)


async def put_friends(ctx: Context, account_id: str, sender: str, destinations: list[str]) -> dict[str, Any]:
    count = await ctx.db.write(brand_store.put_friends(account_id, sender, destinations))
    return {"sender": sender, "friends": count}
