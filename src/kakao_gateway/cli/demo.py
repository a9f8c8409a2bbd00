"""`serve --demo`: a demo sender and template, a demo API key kept beside the database, and the curl commands to
try them."""

from __future__ import annotations

import contextlib
import json
import shlex
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console

from ..app import Gateway
from ..config import Settings
from ..connectors.sandbox import ROUTE as SANDBOX_ROUTE
from ..service import accounts, upstreams
from ..service.demo import DEMO_SENDER_BODY, DEMO_TEMPLATE, demo_alim_body
from .errors import note
from .local import sqlite_file

console = Console()


def with_demo(settings: Settings) -> Settings:
    senders = [*settings.senders, dict(DEMO_SENDER_BODY)]
    templates = [*settings.alim_templates, DEMO_TEMPLATE]
    return replace(settings, senders=senders, alim_templates=templates)


def demo_key_file(database_url: str) -> Path:
    """Where `serve --demo` keeps its key: beside the SQLite file, or in the working directory for PostgreSQL."""
    file = sqlite_file(database_url)
    if file is not None:
        return file.with_name(file.name + ".demo-key")
    return Path("kakao-gateway.demo-key")


async def demo_key(gateway: Gateway, settings: Settings) -> str:
    """The demo's key: the chosen one (KAKAO_GATEWAY_API_KEY), else the one kept from an earlier start while it
    still works for the default account, else a new one (the first start's bootstrap key, or a new `demo` key),
    kept for the next start."""
    if settings.api_key:
        return settings.api_key
    file = demo_key_file(settings.database_url)
    new = gateway.printed.get("api_key")
    if new is None:
        with contextlib.suppress(OSError):
            kept = file.read_text().strip()
            who = await gateway.auth.principal(f"App {kept}") if kept else None
            if who is not None and who.account_id == gateway.default_account_id:
                typer.echo(f"Demo API key (kept in {file}): {kept}")
                return kept
        new = (await accounts.create_key(gateway.ctx, gateway.default_account_id, "demo")).key
        typer.echo(f"New demo API key (kept in {file} for the next start): {new}")
    try:
        file.touch(mode=0o600)
        file.write_text(new + "\n")
    except OSError as exc:
        note(f"Could not keep the demo key in {file} ({exc}); the next start makes a new one.")
    return new


async def announce(gateway: Gateway, settings: Settings) -> None:
    """Once the server listens: the keys made at this start (shown once), and with --demo how to try it."""
    base = f"http://{settings.host}:{settings.port}"
    if gateway.printed.get("api_key"):
        typer.echo(f"API key of the default account (shown once): {gateway.printed['api_key']}")
    if gateway.printed.get("admin_key"):
        typer.echo(f"Operator key for /admin/1 (shown once): {gateway.printed['admin_key']}")
    if not settings.demo:
        return
    key = await demo_key(gateway, settings)
    body = demo_alim_body()
    route = await upstreams.kakao_route_of(gateway.ctx, gateway.default_account_id)  # the account's, else the server's
    if route == SANDBOX_ROUTE:
        console.print("[bold]Demo ready.[/bold] Send an Alim message to the sandbox:")
    else:  # the sample goes to a real phone number through a real upstream
        console.print(
            f"[bold]Demo ready.[/bold] The Kakao upstream is {route}, not the sandbox: "
            "the message below would go to a real phone. Replace 821000000001 with your own number.",
            soft_wrap=True,
            highlight=False,
        )
    console.print(
        f"curl -s {base}/kakao-alim/1/messages -H {shlex.quote('Authorization: App ' + key)} "
        f"-H 'Content-Type: application/json' -d {shlex.quote(json.dumps(body))}",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    console.print(
        f"curl -s {base}/kakao-alim/1/reports -H {shlex.quote('Authorization: App ' + key)}",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    console.print(
        f"Web console: {base}/console (sign in with the key above; the sandbox phone is there too)\n"
        f"API reference: {base}/docs (the whole API, from {base}/openapi.json)",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
