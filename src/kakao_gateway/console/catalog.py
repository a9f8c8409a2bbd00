"""Templates & senders: the account's senders, Alim templates with their inspection status (decided here by hand
in the sandbox), and Brand templates."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service import catalog
from ..service.console import catalog as console_catalog
from .agents import manager
from .web import checked_form, ctx_of, fragment, handled, page, viewer


@handled
async def templates_page(request: Request) -> Response:
    who = await viewer(request)
    ctx = ctx_of(request)
    values = {
        "who": who,
        "senders": await catalog.list_senders(ctx, who.account),
        "alim": await catalog.list_templates(ctx, who.account, None),
        "brand": await console_catalog.brand_templates(ctx, who.account),
    }
    return page(request, "templates.html", values)


@handled
async def add_sender(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    added = await console_catalog.add_sender(ctx_of(request), who.account, form.get("sender", ""), form.get("name", ""))
    return fragment("sender_row.html", {"s": added})


@handled
async def inspect(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    if not request.app.state.sandbox:
        return fragment("problem.html", {"message": "Kakao inspects templates: only the sandbox decides here."}, 409)
    params = request.path_params
    await console_catalog.inspect(
        ctx_of(request), who.account, params["sender"], params["code"], params["decision"], form.get("comment", "")
    )
    template = await catalog.get_template(ctx_of(request), who.account, params["sender"], params["code"])
    return fragment("alim_row.html", {"t": template, "who": who, "sandbox": True, "done": True})
