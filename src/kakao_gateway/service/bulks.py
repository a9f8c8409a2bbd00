"""Control of running bulks: schedule, status and progress, pause/resume/cancel, re-pace, and dry-run plans."""

from __future__ import annotations

from typing import Any

from ..domain import schedule
from ..domain.planning import start_at, validity_ms
from ..domain.policy import policy_of
from ..domain.reports import KAKAO_CHANNEL
from ..domain.row_plan import Pace, dry_run
from ..domain.schedule import Window
from ..domain.status import ERROR_BY_ID
from ..domain.times import format_ms
from ..schemas.alim import AlimRequest
from ..schemas.brand import BrandRequest
from ..store import bulks as store
from . import brand
from .context import Context
from .errors import Conflict, InvalidRequest, NotFound
from .sending import destination_problem


async def _bulk(ctx: Context, account_id: str, bulk_id: str | None) -> store.Bulk:
    if not bulk_id:
        raise InvalidRequest([("bulkId", "must not be null")])
    bulk = await ctx.db.read(store.get_bulk(account_id, bulk_id))
    if bulk is None:
        raise NotFound("bulk not found", "bulkId")
    return bulk


def _schedule_wire(bulk: store.Bulk) -> dict[str, Any]:
    return {"bulkId": bulk.bulk_id, "sendAt": format_ms(bulk.send_at)}


async def get_schedule(ctx: Context, account_id: str, bulk_id: str | None) -> dict[str, Any]:
    return _schedule_wire(await _bulk(ctx, account_id, bulk_id))


async def reschedule(ctx: Context, account_id: str, bulk_id: str | None, instant: int) -> dict[str, Any]:
    """Move what has not left to start at `instant` (validated by the schema: at most 180 days ahead)."""
    bulk = await _bulk(ctx, account_id, bulk_id)
    now = ctx.clock.now_ms()
    if bulk.state == "canceled":
        raise Conflict("the bulk was canceled", "bulkId")
    await ctx.db.write(store.reschedule(account_id, bulk, start_at(now, instant), now))
    ctx.wake_engine()
    return _schedule_wire(await _bulk(ctx, account_id, bulk_id))


def _status(bulk: store.Bulk, p: store.Progress, now: int) -> str:
    if bulk.state == "canceled":
        return "CANCELED"
    if bulk.state == "paused":
        return "PAUSED"
    if p.pending + p.sent == 0:
        return "FINISHED"
    if p.left == 0 and (p.next_due is None or p.next_due > now):
        return "PENDING"
    return "PROCESSING"


def listed_status(state: str, unfinished: bool, send_at: int, now: int) -> str:
    """A bulk's status in a list, without counting its messages: as `_status` says it, but PENDING and PROCESSING
    told apart by its start alone (a started bulk whose rows wait for their window shows PROCESSING here)."""
    if state == "canceled":
        return "CANCELED"
    if state == "paused":
        return "PAUSED"
    if not unfinished:
        return "FINISHED"
    return "PENDING" if send_at > now else "PROCESSING"


ETA_WINDOW_MS = 60_000  # an unpaced bulk's rate: its departures in the last minute


async def finish_estimate(ctx: Context, account_id: str, bulk_id: str) -> int | None:
    """When the bulk's last pending message should leave (console: its ETA), or None (see schedule.finish_estimate)."""
    bulk = await _bulk(ctx, account_id, bulk_id)
    p = await ctx.db.read(store.progress(account_id, bulk.bulk_id))
    now = ctx.clock.now_ms()
    pace = (bulk.speed_amount, bulk.speed_unit) if bulk.speed_amount and bulk.speed_unit else None
    recent = 0
    if pace is None and p.pending:
        recent = await ctx.db.read(store.departures_since(account_id, bulk_id, now - ETA_WINDOW_MS))
    return schedule.finish_estimate(p.pending, now, p.next_due, pace, recent, ETA_WINDOW_MS)


async def status(ctx: Context, account_id: str, bulk_id: str | None) -> dict[str, Any]:
    bulk = await _bulk(ctx, account_id, bulk_id)
    p = await ctx.db.read(store.progress(account_id, bulk.bulk_id))
    f = await ctx.db.read(store.failovers(account_id, bulk.bulk_id))
    return {
        "bulkId": bulk.bulk_id,
        "status": _status(bulk, p, ctx.clock.now_ms()),
        "progress": {
            "total": p.total,
            "pending": p.pending,
            "sent": p.sent,
            "delivered": p.delivered,
            "failed": p.failed,
            "expired": p.expired,
            "canceled": p.canceled,
        },
        "failovers": _failovers(bulk.channel, f),
    }


def _failovers(channel: str, f: store.Failovers) -> dict[str, Any]:
    """Extension: messages of the bulk that went on to SMS, by the Kakao hop's reason."""
    return {
        "total": sum(f.by_error.values()),
        "deliveredBySms": f.delivered,
        "byReason": [
            {"from": KAKAO_CHANNEL.get(channel, channel), "to": "SMS", "error": ERROR_BY_ID[e].wire(), "count": n}
            for e, n in sorted(f.by_error.items())
        ],
    }


async def change_status(ctx: Context, account_id: str, bulk_id: str | None, wanted: str) -> dict[str, Any]:
    bulk = await _bulk(ctx, account_id, bulk_id)
    now = ctx.clock.now_ms()
    if bulk.state == "canceled" and wanted != "CANCELED":
        raise Conflict("the bulk was canceled", "status")
    if wanted == "PAUSED" and bulk.state == "active":
        await ctx.db.write(store.pause(account_id, bulk.bulk_id))
    elif wanted == "PROCESSING" and bulk.state == "paused":
        await ctx.db.write(store.resume(account_id, bulk, now))
    elif wanted == "CANCELED" and bulk.state != "canceled":
        await ctx.db.write(store.cancel(account_id, bulk.bulk_id, now))
    ctx.wake_engine()
    return await status(ctx, account_id, bulk.bulk_id)


async def change_speed(ctx: Context, account_id: str, bulk_id: str | None, amount: int, unit: str) -> dict[str, Any]:
    bulk = await _bulk(ctx, account_id, bulk_id)
    if bulk.state == "canceled":
        raise Conflict("the bulk was canceled", "bulkId")
    await ctx.db.write(store.repace(account_id, bulk, amount, unit, ctx.clock.now_ms()))
    ctx.wake_engine()
    return {"bulkId": bulk.bulk_id, "amount": amount, "timeUnit": unit}


async def plan(ctx: Context, account_id: str, request: AlimRequest | BrandRequest) -> dict[str, Any]:
    """When a send would leave, without sending: first and last send times, per-hour counts, and how many would
    expire before sending. The same planning function as the accept, with the same rules: the first message's
    delivery window and validity, and for Brand the account's advertising hours."""
    now = ctx.clock.now_ms()
    schedule = request.options.schedule if request.options else None
    speed = schedule.sendingSpeedLimit if schedule else None
    send_at = schedule.send_at_ms() if schedule else None
    options = request.messages[0].options
    hold = None
    if isinstance(request, BrandRequest):
        hours = brand.ad_hours_window(await brand.account_settings(ctx, account_id))
        hold = Window.from_wire(hours) if hours else None
    period = options.validityPeriod if options else None
    validity = validity_ms(period.amount, period.timeUnit) if period else validity_ms(None, None)
    wire = options.model_dump(exclude_none=True, by_alias=True) if options else {}
    timing = policy_of(wire, validity, hold).timing
    count = sum(1 for m in request.messages for d in m.destinations if destination_problem(d.to) is None)
    pace = Pace(start_at(now, send_at), speed.amount if speed else None, speed.timeUnit if speed else None)
    result = dry_run(pace, count, timing)
    return {
        "messages": count,
        "firstSendAt": _instant(result.first_send_at),
        "lastSendAt": _instant(result.last_send_at),
        "expireBeforeSending": result.expire_before_sending,
        "perHour": [{"hour": format_ms(hour), "messages": n} for hour, n in result.per_hour],
    }


def _instant(ms: int | None) -> str | None:
    return format_ms(ms) if ms is not None else None
