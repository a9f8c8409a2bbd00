"""Canned replies: the account's saved answers (any of its console users may add and remove them); a chat's reply
box inserts one when the agent types `/` and its shortcut."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service.console import canned_replies
from .i18n import _
from .web import checked_form, ctx_of, fragment, handled, page, viewer


@handled
async def replies_page(request: Request) -> Response:
    who = await viewer(request)
    found = await canned_replies.replies(ctx_of(request), who.account)
    return page(request, "replies.html", {"who": who, "replies": found})


@handled
async def add_reply(request: Request) -> Response:
    who = await viewer(request)
    form = await checked_form(request)
    ctx = ctx_of(request)
    added = await canned_replies.add(ctx, who.account, form.get("shortcut", ""), form.get("text", ""))
    found = await canned_replies.replies(ctx, who.account)
    message = _("Saved: type /%(shortcut)s in a reply.", shortcut=added.shortcut)
    return fragment("replies_saved.html", {"who": who, "replies": found, "message": message})


@handled
async def remove_reply(request: Request) -> Response:
    who = await viewer(request)
    await checked_form(request)
    await canned_replies.remove(ctx_of(request), who.account, request.path_params["shortcut"])
    return Response(status_code=200)
