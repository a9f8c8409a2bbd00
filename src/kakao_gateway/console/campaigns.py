"""Campaigns (Alim): upload a recipient file (CSV or Excel), choose the sender and an approved template, map the
columns to the phone number and the template's variables, check the rows and the first message, set when and how fast,
and send it as one bulk (whose page then shows its progress). Campaigns are listed with what they became."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..service import campaigns, catalog
from ..service.errors import InvalidRequest
from .agents import manager
from .i18n import ZONES, zone
from .web import BASE, Form, checked_form, ctx_of, fragment, handled, page, uploaded_file, viewer

SPEED_UNITS = ("MINUTE", "HOUR", "DAY")


@handled
async def campaigns_page(request: Request) -> Response:
    who = await viewer(request)
    found = await campaigns.recent(ctx_of(request), who.account)
    return page(request, "campaigns.html", {"who": who, "campaigns": found})


@handled
async def upload(request: Request) -> Response:
    """A recipient file, posted from the campaigns page: kept, then its campaign's page. Managers only: a campaign
    sends, and agents may not (they also may not steer the bulk it becomes)."""
    who = await manager(request)
    file = await uploaded_file(request, "file", campaigns.MAX_FILE_BYTES)
    campaign_id = await campaigns.upload(ctx_of(request), who.account, file.name, file.data)
    target = f"{BASE}/campaigns/{campaign_id}"
    answer = Response(status_code=204, headers={"HX-Redirect": target})
    return answer if request.headers.get("hx-request") == "true" else RedirectResponse(target, status_code=303)


def _int(value: str | None, limit: int = 1_000_000) -> int | None:
    """A small whole number typed in a form (ASCII digits only), else None."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 7 and int(text) < limit else None


def _mapping(params: dict[str, str], sender: str, code: str) -> campaigns.Mapping:
    chosen = {k.removeprefix("var_"): _int(v) for k, v in params.items() if k.startswith("var_")}
    variables = {name: column for name, column in chosen.items() if column is not None}
    amount, unit = _int(params.get("speedAmount")), params.get("speedUnit", "MINUTE")
    return campaigns.Mapping(
        sender=sender,
        template_code=code,
        to_column=_int(params.get("to")),
        variable_columns=variables,
        send_at=_send_at(params.get("sendAt", "")),
        speed=(amount, unit) if amount and unit in SPEED_UNITS else None,
        campaign_ref=params.get("campaignReferenceId", "").strip() or None,
    )


def _send_at(typed: str) -> str | None:
    """A start time typed in the console's zone (an <input type=datetime-local>) as ISO-8601 with its offset."""
    if not typed.strip():
        return None
    try:
        local = datetime.fromisoformat(typed.strip())
    except ValueError:
        raise InvalidRequest([("sendAt", "must be a date and time, e.g. 2026-12-24T09:00")]) from None
    moment = local.replace(tzinfo=ZONES[zone()]) if local.tzinfo is None else local
    return moment.isoformat(timespec="seconds")


@handled
async def campaign_page(request: Request) -> Response:
    who = await viewer(request)
    ctx = ctx_of(request)
    found = await campaigns.draft(ctx, who.account, request.path_params["campaignId"])
    values: dict[str, object] = {"who": who, "c": found.campaign, "table": found.table}
    if found.table is None:
        return page(request, "campaign.html", values)
    params = dict(request.query_params)
    templates = [t for t in await catalog.list_templates(ctx, who.account, None) if t["status"] == "APPROVED"]
    chosen = params.get("template", "")
    if not chosen and templates:
        chosen = f"{templates[0]['sender']}/{templates[0]['templateCode']}"
    sender, _, code = chosen.partition("/")
    values.update(templates=templates, chosen=chosen, form=params, units=SPEED_UNITS)
    if sender and code:
        try:
            values["plan"] = await campaigns.plan(ctx, who.account, found.table, _mapping(params, sender, code))
        except InvalidRequest as exc:
            values["error"] = "; ".join(f"{p}: {v}" for p, v in exc.violations)
    return page(request, "campaign.html", values)


async def _posted(request: Request) -> tuple[str, campaigns.Mapping]:
    """The signed-in manager's account and the mapping a campaign's form posted."""
    who = await manager(request)
    form: Form = await checked_form(request)
    sender, _, code = form.get("template", "").partition("/")
    if not sender or not code:
        raise InvalidRequest([("template", "choose an approved template")])
    return who.account, _mapping(dict(form), sender, code)


@handled
async def dry_run(request: Request) -> Response:
    """The campaign's plan per hour under the form's options, without sending."""
    account, mapping = await _posted(request)
    result = await campaigns.dry_run(ctx_of(request), account, request.path_params["campaignId"], mapping)
    peak = max((h["messages"] for h in result["perHour"]), default=0)
    return fragment("plan_result.html", {"plan": result, "peak": peak})


@handled
async def send(request: Request) -> Response:
    account, mapping = await _posted(request)
    bulk_id, _accepted, _problems = await campaigns.send(
        ctx_of(request), account, request.path_params["campaignId"], mapping
    )
    return Response(status_code=204, headers={"HX-Redirect": f"{BASE}/bulks/{bulk_id}"})
