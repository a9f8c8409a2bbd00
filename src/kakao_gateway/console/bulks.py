"""Bulks: the account's bulks newest first, one bulk's live progress, and (managers) pause, resume, cancel,
re-pace and reschedule; the dry-run plan of a send body drawn as a chart."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service import bulks
from ..service.console import actions as console
from .agents import manager
from .i18n import _
from .web import checked_form, ctx_of, fragment, handled, page, problem, viewer

PAGE = 50
ACTIONS = {"pause": "PAUSED", "resume": "PROCESSING", "cancel": "CANCELED"}


@handled
async def bulks_page(request: Request) -> Response:
    who = await viewer(request)
    cursor = request.query_params.get("cursor") or None
    rows, next_cursor = await console.recent_bulks(ctx_of(request), who.account, PAGE, cursor)
    return page(request, "bulks.html", {"who": who, "rows": rows, "next_cursor": next_cursor, "cursor": cursor})


@handled
async def bulk_page(request: Request) -> Response:
    who = await viewer(request)
    bulk_id = request.path_params["bulkId"]
    status = await bulks.status(ctx_of(request), who.account, bulk_id)
    schedule = await bulks.get_schedule(ctx_of(request), who.account, bulk_id)
    eta = await bulks.finish_estimate(ctx_of(request), who.account, bulk_id)
    return page(request, "bulk.html", {"who": who, "st": status, "schedule": schedule, "eta": eta})


@handled
async def bulk_progress(request: Request) -> Response:
    who = await viewer(request)
    bulk_id = request.path_params["bulkId"]
    status = await bulks.status(ctx_of(request), who.account, bulk_id)
    eta = await bulks.finish_estimate(ctx_of(request), who.account, bulk_id)
    return fragment("bulk_progress.html", {"st": status, "who": who, "eta": eta})


@handled
async def bulk_action(request: Request) -> Response:
    who = await manager(request)
    await checked_form(request)
    wanted = ACTIONS.get(request.path_params["action"])
    if wanted is None:
        return problem(_("No such action: pause, resume or cancel."), 404)
    status = await bulks.change_status(ctx_of(request), who.account, request.path_params["bulkId"], wanted)
    return fragment("bulk_progress.html", {"st": status, "who": who, "done": request.path_params["action"]})


@handled
async def repace(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    bulk_id = request.path_params["bulkId"]
    speed = await console.repace(ctx_of(request), who.account, bulk_id, form.get("amount", ""), form.get("unit", ""))
    unit = speed["timeUnit"].lower()
    message = _("Re-paced: %(amount)s per %(unit)s from now on.", amount=speed["amount"], unit=unit)
    return fragment("problem.html", {"message": message, "ok": True})


@handled
async def reschedule(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    bulk_id = request.path_params["bulkId"]
    moved = await console.reschedule(ctx_of(request), who.account, bulk_id, form.get("sendAt", ""))
    return fragment("problem.html", {"message": f"Rescheduled: sends from {moved['sendAt']}.", "ok": True})


@handled
async def plan_page(request: Request) -> Response:
    who = await viewer(request)
    return page(request, "plan.html", {"who": who, "channel": "ALIM", "raw": ""})


@handled
async def plan(request: Request) -> Response:
    who = await viewer(request)
    form = await checked_form(request)
    result = await console.plan(ctx_of(request), who.account, form.get("channel", "ALIM"), form.get("body", ""))
    peak = max((h["messages"] for h in result["perHour"]), default=0)
    return fragment("plan_result.html", {"plan": result, "peak": peak})
