"""`kakao-gateway templates sync` and `kakao-gateway senders credentials ...`: NHN Cloud's templates into our
catalogue, and senders' upstream credentials (encrypted with the server's secret key). templates.py and senders.py
put them in their groups."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from ..config import Settings
from ..connectors.credentials import SenderCredentials as NhnCredentials
from ..service import sender_credentials, template_sync
from ..service.context import Context
from .errors import fail
from .local import account_id, load_settings, with_context
from .output import JsonOpt, print_result

console = Console()


credentials_app = typer.Typer(help="A sender's upstream credentials (NHN Cloud), write-only.", no_args_is_help=True)


def templates_sync(
    sender: Annotated[
        str | None, typer.Option(help="Only this sender \\[default: every sender with credentials]")
    ] = None,
    account: Annotated[str, typer.Option(help="Account name.")] = "default",
    database_url: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_DATABASE_URL")] = None,
    config: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_CONFIG")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import the AlimTalk templates of NHN Cloud, with their inspection status, into the catalogue."""
    settings = load_settings(database_url, config)
    box = _box(settings)

    async def work(ctx: Context) -> dict[str, Any]:
        ctx.kakao_upstream = settings.kakao_upstream
        return await template_sync.sync_templates(ctx, box, await account_id(ctx, account), sender)

    print_result(console, with_context(settings, False, work), as_json)


@credentials_app.command("set")
def credentials_set(
    sender: Annotated[str, typer.Argument(help="Our sender (registered with `senders add`).")],
    account: Annotated[str, typer.Option(help="Account name.")] = "default",
    database_url: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_DATABASE_URL")] = None,
    config: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_CONFIG")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Store the sender's NHN app key, secret key and sender key (asked for, never echoed), encrypted."""
    settings = load_settings(database_url, config)
    box = _box(settings)
    creds = NhnCredentials(
        typer.prompt("NHN app key", hide_input=True),
        typer.prompt("NHN secret key (X-Secret-Key)", hide_input=True),
        typer.prompt("NHN sender key", hide_input=True),
    )

    async def work(ctx: Context) -> dict[str, Any]:
        return await sender_credentials.put_credentials(ctx, box, await account_id(ctx, account), sender, creds)

    print_result(console, with_context(settings, False, work), as_json)


@credentials_app.command("remove")
def credentials_remove(
    sender: Annotated[str, typer.Argument(help="Our sender.")],
    account: Annotated[str, typer.Option(help="Account name.")] = "default",
    database_url: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_DATABASE_URL")] = None,
    config: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_CONFIG")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Forget the sender's upstream credentials."""
    settings = load_settings(database_url, config)

    async def work(ctx: Context) -> dict[str, Any]:
        return await sender_credentials.delete_credentials(ctx, await account_id(ctx, account), sender)

    print_result(console, with_context(settings, False, work), as_json)


def _box(settings: Settings) -> sender_credentials.SecretBox:
    if not settings.secret_key:
        fail("no secret key to encrypt or decrypt credentials", f"set {sender_credentials.SETTING}")
    try:
        return sender_credentials.SecretBox(settings.secret_key)
    except ValueError as exc:
        fail(str(exc), f"set a longer {sender_credentials.SETTING}")
