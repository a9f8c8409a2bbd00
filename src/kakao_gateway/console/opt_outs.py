"""Opt-outs: the account's do-not-send list. Anyone signed in to the account searches it and adds numbers (an agent
on the phone with a customer who asks for no more advertising); managers (kakao:manage) remove them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..api.query import one
from ..service import catalog, opt_outs
from ..service.errors import InvalidRequest
from .agents import manager
from .web import checked_form, ctx_of, fragment, handled, page, viewer

PAGE = 50


@handled
async def opt_outs_page(request: Request) -> Response:
    who = await viewer(request)
    ctx = ctx_of(request)
    params = request.query_params
    typed = one(params, "q")
    values: dict[str, object] = {
        "who": who,
        "q": typed or "",
        "senders": [s["sender"] for s in await catalog.list_senders(ctx, who.account)],
    }
    try:
        found = await opt_outs.search(ctx, who.account, typed, PAGE, one(params, "cursor"))
    except InvalidRequest as exc:
        values["error"] = "; ".join(v for _, v in exc.violations)
        return page(request, "opt_outs.html", values, 400)
    values["results"] = found["results"]
    next_cursor = found["cursor"]["nextCursor"]
    if next_cursor:
        values["next_query"] = {**({"q": typed} if typed else {}), "cursor": next_cursor}
    return page(request, "opt_outs.html", values)


@handled
async def add(request: Request) -> Response:
    who = await viewer(request)
    form = await checked_form(request)
    sender = form.get("sender", "").strip() or None
    answer = await opt_outs.add_typed(ctx_of(request), who.account, form.get("numbers", ""), sender)
    status = 200 if answer["added"] or answer["alreadyListed"] else 400
    return fragment("opt_outs_added.html", {"answer": answer, "sender": sender}, status)


@handled
async def remove(request: Request) -> Response:
    who = await manager(request)
    await checked_form(request)
    destination = request.path_params["destination"]
    sender = one(request.query_params, "sender")
    await opt_outs.remove(ctx_of(request), who.account, destination, sender or "")
    return fragment("problem.html", {"message": "Removed: advertising may reach this number again.", "ok": True})
