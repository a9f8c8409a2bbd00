"""Agents: named users of an account, each signing in with a key of their own (the console scope only). A
manager (a key with kakao:manage) adds and removes them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service.console import actions as console
from .i18n import _
from .web import Refused, Viewer, checked_form, ctx_of, fragment, handled, page, problem, viewer


async def manager(request: Request) -> Viewer:
    """The signed-in viewer, who must manage the account (kakao:manage)."""
    who = await viewer(request)
    if not who.manager:
        raise Refused(page(request, "error.html", {"who": who, "error": _("Managers only (kakao:manage).")}, 403))
    return who


@handled
async def agents_page(request: Request) -> Response:
    who = await manager(request)
    found = await console.agents(ctx_of(request), who.account)
    return page(request, "agents.html", {"who": who, "agents": found})


@handled
async def add_agent(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    name = form.get("name", "")
    new = await console.add_agent(ctx_of(request), who.account, name)
    return fragment("new_key.html", {"new": new, "name": name.strip(), "scopes": console.AGENT_SCOPES})


@handled
async def remove_agent(request: Request) -> Response:
    who = await manager(request)
    await checked_form(request)
    key_id = request.path_params["keyId"]
    if key_id == who.key_id:
        return problem(_("You cannot remove yourself."), 409)
    await console.remove_agent(ctx_of(request), who.account, key_id)
    return fragment("problem.html", {"message": "Removed: that agent is signed out.", "ok": True})
