"""`kakao-gateway senders ...`: an account's Kakao senders (channels), straight in the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ..service import catalog
from .local import for_account
from .nhn import credentials_app
from .options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .output import JsonOpt, print_result

app = typer.Typer(help="Kakao senders (channels) of an account, straight in the database.", no_args_is_help=True)
console = Console()


@app.command("add")
def senders_add(
    sender: Annotated[str, typer.Argument(help="Sender key (the channel's id used in send requests).")],
    name: Annotated[str, typer.Argument(help="Display name of the channel.")],
    targeting_eligible: Annotated[
        bool | None,
        typer.Option(
            "--targeting-eligible/--no-targeting-eligible",
            show_default=False,
            help="Brand: may use ALL_CONSENT / NON_FRIENDS targeting \\[default: unchanged; new senders: no]",
        ),
    ] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Register a sender, or rename an existing one."""

    print_result(
        console,
        for_account(
            database_url,
            config,
            create,
            account,
            lambda ctx, acct: catalog.add_sender(ctx, acct, sender, name, targeting_eligible),
        ),
        as_json,
    )


@app.command("list")
def senders_list(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List the senders of an account."""

    print_result(
        console,
        for_account(database_url, config, create, account, lambda ctx, acct: catalog.list_senders(ctx, acct)),
        as_json,
    )


app.add_typer(credentials_app, name="credentials")
