"""The sandbox phone: what a test number received (Alim and Brand messages, as KakaoTalk would show them), a
Sangdam user's conversation with a sender, and acting as the user: clicking buttons and short links (the click is
recorded as a real one would be), writing to a sender and pressing reply buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from ...domain.korean_numbers import to_international
from ...domain.status import STATUS_BY_ID
from ...schemas.sangdam import UserReplies, UserWrites
from ...store import catalog as catalog_store
from ...store import console as store
from .. import catalog, links
from ..context import Context
from ..errors import InvalidRequest, NotFound
from ..sangdam import sandbox as sangdam_sandbox

CHANNELS = ("ALIM", "BRAND")
SHORT_CODE = re.compile(r"/([0-9A-Za-z]{8})")
USER_AGENT = "KakaoTalk Sandbox phone (console; Android; Mobile)"
LIMIT = 50


@dataclass(frozen=True, slots=True)
class Received:
    message_id: str
    channel: str
    sender: str
    content: dict[str, Any]
    status: str
    delivered: bool
    at: int
    channel_name: str = ""  # the sender's name, as KakaoTalk heads a channel's chat with it
    template: dict[str, Any] | None = None  # an Alim's template: its emphasis, image, item list, extra and ad text


def typed_number(typed: str) -> str:
    """The number a person typed (`010-1234-5678`, `+82 10-…`) in the international form messages are sent to;
    text that is no phone number is kept as it is (the screen then shows that nothing was received)."""
    return to_international(typed) or typed.strip()


async def received(
    ctx: Context, account_id: str, number: str, before: int | None = None
) -> tuple[list[Received], int | None]:
    """What a test number received (Alim and Brand; undelivered ones marked): the newest LIMIT below `before`,
    oldest first, and where the page before them starts (None: there is none)."""
    found: list[store.PhoneMessage] = []
    for channel in CHANNELS:
        found.extend(await ctx.db.read(store.phone_messages(account_id, channel, number, LIMIT + 1, before)))
    found.sort(key=lambda m: m.seq, reverse=True)
    shown = found[:LIMIT]
    older = shown[-1].seq if len(found) > LIMIT else None
    names = {s["sender"]: s.get("name") or s["sender"] for s in await catalog.list_senders(ctx, account_id)}
    codes = sorted({(m.sender, str(m.content["templateCode"])) for m in shown if m.content.get("templateCode")})
    templates = await ctx.db.read(catalog_store.get_templates(account_id, codes))
    now = ctx.clock.now_ms()
    out = []
    for m in reversed(shown):
        status = STATUS_BY_ID[m.status_id]
        template = templates.get((m.sender, str(m.content.get("templateCode"))))
        out.append(
            Received(
                m.message_id,
                m.channel,
                m.sender,
                m.content,
                status.name,
                status.group_id == 3,
                m.created_at,
                names.get(m.sender, m.sender),
                catalog.template_wire(template, now) if template is not None and m.channel == "ALIM" else None,
            )
        )
    return out, older


async def senders(ctx: Context, account_id: str) -> list[str]:
    return [s["sender"] for s in await catalog.list_senders(ctx, account_id)]


async def conversation(ctx: Context, account_id: str, user_key: str, sender: str) -> list[dict[str, Any]]:
    body = await sangdam_sandbox.conversation(ctx, account_id, user_key, sender)
    results: list[dict[str, Any]] = body["results"]
    return results


def _validated(model: type[UserWrites] | type[UserReplies], body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest([(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]) from None


async def user_writes(ctx: Context, account_id: str, user_key: str, sender: str, text: str) -> dict[str, Any]:
    body = {"userKey": user_key, "to": sender, "message": {"type": "TEXT", "text": text}}
    return await sangdam_sandbox.user_writes(ctx, account_id, _validated(UserWrites, body))


async def user_replies(ctx: Context, account_id: str, user_key: str, message_id: str, button: str) -> dict[str, Any]:
    body = {"userKey": user_key, "messageId": message_id, "button": button}
    return await sangdam_sandbox.user_replies(ctx, account_id, _validated(UserReplies, body))


async def click(ctx: Context, account_id: str, url: str) -> tuple[str, bool]:
    """The user opens `url`: a short link of this account records a click and leads to its target; any other URL
    just opens. Returns (where it leads, whether a click was recorded)."""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest([("url", "must be an http(s) URL")])
    code = SHORT_CODE.fullmatch(parts.path)
    if code is None:
        return url, False
    owner = await ctx.db.read(store.link_owner(code.group(1)))
    if owner is None:
        return url, False
    if owner != account_id:
        raise NotFound("no such short link", "url")
    target = await links.click(ctx, code.group(1), parts.netloc, USER_AGENT, "sandbox", account_id)
    if target is None:
        return url, False
    return target, True
