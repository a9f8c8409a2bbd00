"""`kakao-gateway bulks ...`: bulk control over the HTTP API of a running gateway, with a live progress bar."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console

from .errors import ApiClient
from .options import DEFAULT_URL, KeyOpt, UrlOpt
from .output import JsonOpt, print_result
from .progress import ProgressReport

app = typer.Typer(
    help="Scheduled and running bulks, over the HTTP API of a running gateway: status, pause, resume, cancel, "
    "reschedule, re-pace, watch.",
    no_args_is_help=True,
)
console = Console()

BulkArg = Annotated[str, typer.Argument(help="The bulkId (from the send answer, or options.schedule.bulkId).")]


def _call(method: str, url: str, key: str, path: str, bulk_id: str, body: dict[str, Any] | None = None) -> Any:
    with ApiClient(url, key) as api:
        missing = (f"no bulk {bulk_id!r} on this account", "check the bulkId of the send answer")
        return api.call(method, path, params={"bulkId": bulk_id}, body=body, missing=missing)


@app.command()
def show(bulk_id: BulkArg, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "", as_json: JsonOpt = False) -> None:
    """The bulk's scheduled send time."""
    print_result(console, _call("GET", url, api_key, "/kakao/1/bulks", bulk_id), as_json)


@app.command()
def status(bulk_id: BulkArg, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "", as_json: JsonOpt = False) -> None:
    """Status and progress counts."""
    print_result(console, _call("GET", url, api_key, "/kakao/1/bulks/status", bulk_id), as_json)


def _set_status(bulk_id: str, wanted: str, url: str, key: str, as_json: bool) -> None:
    print_result(console, _call("PUT", url, key, "/kakao/1/bulks/status", bulk_id, {"status": wanted}), as_json)


@app.command()
def pause(bulk_id: BulkArg, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "", as_json: JsonOpt = False) -> None:
    """Hold what has not left yet."""
    _set_status(bulk_id, "PAUSED", url, api_key, as_json)


@app.command()
def resume(bulk_id: BulkArg, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "", as_json: JsonOpt = False) -> None:
    """Go on from now, at the bulk's pace."""
    _set_status(bulk_id, "PROCESSING", url, api_key, as_json)


@app.command()
def cancel(bulk_id: BulkArg, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "", as_json: JsonOpt = False) -> None:
    """Cancel what has not left yet (each gets a final report, EC_MESSAGE_CANCELED)."""
    _set_status(bulk_id, "CANCELED", url, api_key, as_json)


@app.command()
def reschedule(
    bulk_id: BulkArg,
    send_at: Annotated[str, typer.Option(help="ISO instant, e.g. 2026-12-01T09:00:00+09:00")],
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Move what has not left yet to a new send time."""
    print_result(console, _call("PUT", url, api_key, "/kakao/1/bulks", bulk_id, {"sendAt": send_at}), as_json)


@app.command()
def speed(
    bulk_id: BulkArg,
    amount: Annotated[int, typer.Option(help="Messages per unit.")],
    unit: Annotated[str, typer.Option(help="MINUTE, HOUR or DAY")] = "MINUTE",
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Re-pace the remainder of a bulk."""
    body = {"amount": amount, "timeUnit": unit.upper()}
    print_result(console, _call("PUT", url, api_key, "/kakao/1/bulks/speed", bulk_id, body), as_json)


def progress_detail(state: dict[str, Any]) -> tuple[int, int, str]:
    """(finished, total, one line of counts) of a bulk status answer."""
    p = state["progress"]
    done = int(p["delivered"] + p["failed"] + p["expired"] + p["canceled"])
    detail = (
        f"{state['status']} · {p['delivered']} delivered · {p['failed']} failed · {p['expired']} expired · "
        f"{p['canceled']} canceled · {p['pending']} pending · {p['sent']} awaiting result"
    )
    return done, int(p["total"]), detail


@app.command()
def watch(
    bulk_id: BulkArg,
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between polls.")] = 1.0,
) -> None:
    """Progress until the bulk is finished or canceled (Ctrl+C stops watching, not the bulk): a live bar on a
    terminal, a plain line per change otherwise."""
    with ApiClient(url, api_key) as api, ProgressReport(console, bulk_id) as report:
        missing = (f"no bulk {bulk_id!r} on this account", "check the bulkId of the send answer")
        while True:
            state = api.call("GET", "/kakao/1/bulks/status", params={"bulkId": bulk_id}, missing=missing)
            report.update(*progress_detail(state))
            if state["status"] in ("FINISHED", "CANCELED"):
                break
            time.sleep(interval)
