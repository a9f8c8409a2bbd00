"""Canned replies: an account's saved answers, inserted into a chat reply by typing `/` and the shortcut."""

from __future__ import annotations

import re

from ...store import canned_replies as store
from ...store.canned_replies import CannedReply as CannedReply
from ..context import Context
from ..errors import Conflict, InvalidRequest, NotFound

MAX_REPLIES = 500
MAX_TEXT = 1000  # a Sangdam TEXT message's limit
SHORTCUT = re.compile(r"[\w-]{1,30}")  # letters of any script (Hangul too), digits, _ and -


async def replies(ctx: Context, account_id: str) -> list[CannedReply]:
    return await ctx.db.read(store.list_replies(account_id))


async def add(ctx: Context, account_id: str, shortcut: str, text: str) -> CannedReply:
    shortcut, text = shortcut.strip().removeprefix("/"), text.strip()
    problems = []
    if not SHORTCUT.fullmatch(shortcut):
        problems.append(("shortcut", "1 to 30 letters, digits, _ or -"))
    if not text:
        problems.append(("text", "must not be empty"))
    elif len(text) > MAX_TEXT:
        problems.append(("text", f"must be at most {MAX_TEXT} characters"))
    if problems:
        raise InvalidRequest(problems)
    if len(await replies(ctx, account_id)) >= MAX_REPLIES:
        raise InvalidRequest([("shortcut", f"an account keeps at most {MAX_REPLIES} canned replies")])
    now = ctx.clock.now_ms()
    if not await ctx.db.write(store.add_reply(account_id, shortcut, text, now)):
        raise Conflict(f"/{shortcut} exists already: remove it first", "shortcut")
    return CannedReply(shortcut, text, now)


async def remove(ctx: Context, account_id: str, shortcut: str) -> None:
    if not await ctx.db.write(store.remove_reply(account_id, shortcut)):
        raise NotFound("canned reply not found", "shortcut")
