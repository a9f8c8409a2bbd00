"""`kakao-gateway bulks ...`: bulk control over the HTTP API of a running gateway, with a live progress bar."""

from __future__ import annotations

import time
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(
    help="Scheduled and running bulks: status, pause, resume, cancel, reschedule, re-pace, watch.", no_args_is_help=True
)
console = Console()

UrlOpt = Annotated[str, typer.Option("--url", envvar="KAKAO_GATEWAY_URL", help="Base URL of the gateway.")]
KeyOpt = Annotated[str, typer.Option("--api-key", envvar="KAKAO_GATEWAY_API_KEY", help="App key of the account.")]
DEFAULT_URL = "http://127.0.0.1:8000"


def _call(method: str, url: str, key: str, path: str, bulk_id: str, body: dict[str, Any] | None = None) -> Any:
    with httpx.Client(base_url=url, headers={"Authorization": f"App {key}"}, timeout=30) as client:
        response = client.request(method, path, params={"bulkId": bulk_id}, json=body)
    if response.status_code >= 400:
        detail = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        problems = "; ".join(f"{v['property']}: {v['violation']}" for v in detail.get("violations", []))
        console.print(f"[red]{response.status_code} {detail.get('description', response.text)}[/red] {problems}")
        raise typer.Exit(1)
    return response.json()


@app.command()
def show(bulk_id: str, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "") -> None:
    """The bulk's scheduled send time."""
    console.print_json(data=_call("GET", url, api_key, "/kakao/1/bulks", bulk_id))


@app.command()
def status(bulk_id: str, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "") -> None:
    """Status and progress counts."""
    console.print_json(data=_call("GET", url, api_key, "/kakao/1/bulks/status", bulk_id))


def _set_status(bulk_id: str, wanted: str, url: str, key: str) -> None:
    console.print_json(data=_call("PUT", url, key, "/kakao/1/bulks/status", bulk_id, {"status": wanted}))


@app.command()
def pause(bulk_id: str, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "") -> None:
    """Hold what has not left yet."""
    _set_status(bulk_id, "PAUSED", url, api_key)


@app.command()
def resume(bulk_id: str, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "") -> None:
    """Go on from now, at the bulk's pace."""
    _set_status(bulk_id, "PROCESSING", url, api_key)


@app.command()
def cancel(bulk_id: str, url: UrlOpt = DEFAULT_URL, api_key: KeyOpt = "") -> None:
    """Cancel what has not left yet (each gets a final report, EC_MESSAGE_CANCELED)."""
    _set_status(bulk_id, "CANCELED", url, api_key)


@app.command()
def reschedule(
    bulk_id: str,
    send_at: Annotated[str, typer.Option(help="ISO instant, e.g. 2026-12-01T09:00:00+09:00")],
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
) -> None:
    """Move what has not left yet to a new send time."""
    console.print_json(data=_call("PUT", url, api_key, "/kakao/1/bulks", bulk_id, {"sendAt": send_at}))


@app.command()
def speed(
    bulk_id: str,
    amount: Annotated[int, typer.Option()],
    unit: Annotated[str, typer.Option(help="MINUTE, HOUR or DAY")] = "MINUTE",
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
) -> None:
    """Re-pace the remainder of a bulk."""
    body = {"amount": amount, "timeUnit": unit.upper()}
    console.print_json(data=_call("PUT", url, api_key, "/kakao/1/bulks/speed", bulk_id, body))


@app.command()
def watch(
    bulk_id: str,
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 1.0,
) -> None:
    """A live progress bar until the bulk is finished or canceled (Ctrl+C stops watching, not the bulk)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(bulk_id, total=None, detail="")
        while True:
            state = _call("GET", url, api_key, "/kakao/1/bulks/status", bulk_id)
            p = state["progress"]
            done = p["delivered"] + p["failed"] + p["expired"] + p["canceled"]
            detail = (
                f"{state['status']}: {p['delivered']} delivered, {p['failed']} failed, {p['expired']} expired, "
                f"{p['canceled']} canceled, {p['pending']} pending, {p['sent']} awaiting result"
            )
            bar.update(task, total=p["total"], completed=done, detail=detail)
            if state["status"] in ("FINISHED", "CANCELED"):
                break
            time.sleep(interval)
