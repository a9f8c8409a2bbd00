"""Dashboard. An account: its statistics over a range (1 hour, 24 hours, 7 days, 30 days or custom days), read from
the rollups as `GET /kakao/1/stats` reads them. The operator: the whole gateway's last hour, live (final outcomes,
the queue, webhook pushes)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service.console import dashboard as console_dashboard
from ..service.console import statistics
from ..service.errors import InvalidRequest
from .history import day_or_instant
from .i18n import _
from .web import Viewer, ctx_of, fragment, handled, page, viewer

DEFAULT_RANGE = "24h"


def _range_labels() -> list[tuple[str, str]]:
    return [("1h", _("1 hour")), ("24h", _("24 hours")), ("7d", _("7 days")), ("30d", _("30 days"))]


async def _values(request: Request, who: Viewer) -> dict[str, object]:
    ctx = ctx_of(request)
    if who.operator:
        board = await console_dashboard.for_gateway(ctx)
        return {"who": who, "d": board, "minutes": console_dashboard.MINUTES}
    params = request.query_params
    range_key = params.get("range") or DEFAULT_RANGE
    form = {"from": params.get("from", ""), "to": params.get("to", "")}
    values: dict[str, object] = {"who": who, "ranges": _range_labels(), "range": range_key, "form": form}
    try:
        since = day_or_instant(dict(params), "from", end=False)
        until = day_or_instant(dict(params), "to", end=True)
        values["b"] = await statistics.board(ctx, who.account, range_key, since, until)
    except InvalidRequest as exc:
        values["error"] = "; ".join(f"{p}: {v}" for p, v in exc.violations)
    return values


@handled
async def dashboard_page(request: Request) -> Response:
    who = await viewer(request, operator=None)
    values = await _values(request, who)
    return page(request, "dashboard.html", values, 400 if "error" in values else 200)


@handled
async def dashboard_panel(request: Request) -> Response:
    who = await viewer(request, operator=None)
    values = await _values(request, who)
    template = "dashboard_panel.html" if who.operator else "stats_panel.html"
    return fragment(template, values, 400 if "error" in values else 200)
