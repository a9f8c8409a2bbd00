"""`kakao-gateway templates ...`: an account's Alim templates, straight in the database (`sync`: from NHN Cloud)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from ..schemas.extensions import AlimTemplateBody
from ..service import catalog
from .errors import fail, violations
from .local import for_account
from .nhn import templates_sync
from .options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .output import JsonOpt, print_result

app = typer.Typer(help="Alim templates of an account, straight in the database.", no_args_is_help=True)
console = Console()


def _buttons(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(
            f"--buttons is not valid JSON ({exc})",
            """give a JSON array, e.g. '[{"type": "WEB_LINK", "name": "Track", "urlMobile": "https://..."}]'""",
        )
    if not isinstance(value, list):
        fail(
            "--buttons must be a JSON array",
            """e.g. '[{"type": "WEB_LINK", "name": "Track", "urlMobile": "https://..."}]'""",
        )
    return value


@app.command("add")
def templates_add(
    sender: Annotated[str, typer.Option(help="Sender the template belongs to.")],
    code: Annotated[str, typer.Option(help="templateCode (at most 30 characters).")],
    name: Annotated[str, typer.Option(help="Template name.")],
    text: Annotated[str, typer.Option(help="Template text with #{variable} placeholders.")],
    title: Annotated[str | None, typer.Option(help="Emphasized title \\[default: none]")] = None,
    buttons: Annotated[
        str | None,
        typer.Option(help="""Buttons as a JSON array, e.g. '[{"type": "WEB_LINK", ...}]' \\[default: none]"""),
    ] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Register (or re-register) an Alim template; it goes to inspection (the sandbox approves it)."""
    try:
        body = AlimTemplateBody.model_validate(
            {
                "sender": sender,
                "templateCode": code,
                "name": name,
                "text": text,
                "title": title,
                "buttons": _buttons(buttons),
            }
        )
    except ValidationError as exc:
        fail(f"invalid template: {violations(exc)}", "fix the values and try again")

    print_result(
        console,
        for_account(database_url, config, create, account, lambda ctx, acct: catalog.create_template(ctx, acct, body)),
        as_json,
    )


@app.command("list")
def templates_list(
    sender: Annotated[str | None, typer.Option(help="Only this sender's templates \\[default: all senders]")] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List Alim templates with their inspection status."""

    print_result(
        console,
        for_account(database_url, config, create, account, lambda ctx, acct: catalog.list_templates(ctx, acct, sender)),
        as_json,
    )


app.command("sync")(templates_sync)
