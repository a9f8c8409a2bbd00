"""`kakao-gateway accounts ...`: accounts (tenants) and their upstreams, straight in the database."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..service import accounts, sms, upstreams
from ..service.context import Context
from .local import account_id, load_settings, with_context
from .options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .output import JsonOpt, print_result

app = typer.Typer(help="Accounts (tenants), straight in the database.", no_args_is_help=True)
console = Console()


@app.command("create")
def accounts_create(
    name: Annotated[str, typer.Argument(help="Name of the new account (used in Basic auth as the user).")],
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account (it has no key yet: `keys create --account NAME` makes one)."""
    account = with_context(load_settings(database_url, config), create, lambda ctx: accounts.create_account(ctx, name))
    if as_json:
        print_result(console, {"id": account.id, "name": account.name}, as_json)
        return
    console.print(f"Created account {account.name} ({account.id})")


@app.command("list")
def accounts_list(
    database_url: DatabaseOpt = None, config: ConfigOpt = None, create: CreateOpt = False, as_json: JsonOpt = False
) -> None:
    """List the accounts."""
    found = with_context(load_settings(database_url, config), create, accounts.list_accounts)
    if as_json:
        print_result(console, [{"id": a.id, "name": a.name} for a in found], as_json)
        return
    table = Table("id", "name")
    for a in found:
        table.add_row(a.id, a.name)
    console.print(table)


@app.command("sms")
def accounts_sms(
    account: AccountOpt = "default",
    sender: Annotated[
        str | None, typer.Option(help='Default sender of the account\'s SMS hops ("" clears it) \\[default: unchanged]')
    ] = None,
    upstream: Annotated[
        str | None,
        typer.Option(
            help="The account's own SMS upstream URL (\"\" returns it to the server's) \\[default: unchanged]"
        ),
    ] = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show or change an account's SMS failover settings."""

    async def work(ctx: Context) -> dict[str, Any]:
        account_of = await account_id(ctx, account)
        if sender is not None:
            await sms.set_default_sender(ctx, account_of, sender or None)
        if upstream is not None:
            await sms.set_upstream(ctx, account_of, upstream or None)
        return await sms.get_settings(ctx, account_of)

    print_result(console, with_context(load_settings(database_url, config), create, work), as_json)


@app.command("kakao")
def accounts_kakao(
    account: AccountOpt = "default",
    upstream: Annotated[
        str | None,
        typer.Option(
            help="The account's own Kakao upstream URL (\"\" returns it to the server's) \\[default: unchanged]"
        ),
    ] = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show or change which Kakao upstream an account's messages take."""

    async def work(ctx: Context) -> dict[str, Any]:
        account_of = await account_id(ctx, account)
        if upstream is not None:
            await upstreams.set_upstream(ctx, account_of, "kakao", upstream or None)
        return await upstreams.kakao_settings(ctx, account_of)

    print_result(console, with_context(load_settings(database_url, config), create, work), as_json)
