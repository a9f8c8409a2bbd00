"""Dashboard: the last hour at a glance (an account's own messages; the operator: the whole gateway), refreshed
every few seconds."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service.console import dashboard as console_dashboard
from .web import Viewer, ctx_of, fragment, handled, page, viewer


async def _values(request: Request, who: Viewer) -> dict[str, object]:
    ctx = ctx_of(request)
    board = (
        await console_dashboard.for_gateway(ctx)
        if who.operator
        else await console_dashboard.for_account(ctx, who.account)
    )
    return {"who": who, "d": board, "minutes": console_dashboard.MINUTES}


@handled
async def dashboard_page(request: Request) -> Response:
    who = await viewer(request, operator=None)
    return page(request, "dashboard.html", await _values(request, who))


@handled
async def dashboard_panel(request: Request) -> Response:
    who = await viewer(request, operator=None)
    return fragment("dashboard_panel.html", await _values(request, who))
