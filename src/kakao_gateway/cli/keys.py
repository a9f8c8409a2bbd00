"""`kakao-gateway keys ...`: an account's API keys, straight in the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ..service import accounts
from .errors import fail
from .local import for_account
from .options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .output import JsonOpt, print_result

app = typer.Typer(help="API keys of an account, straight in the database.", no_args_is_help=True)
console = Console()


@app.command("create")
def keys_create(
    account: AccountOpt = "default",
    name: Annotated[str, typer.Option(help="Key name.")] = "key",
    scope: Annotated[
        list[str] | None,
        typer.Option(help=f"Scope, repeat for several: {', '.join(accounts.SCOPES)} \\[default: all of them]"),
    ] = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key; it is shown once."""
    unknown = [s for s in scope or [] if s not in accounts.SCOPES]
    if unknown:
        fail(f"unknown scope {unknown[0]!r}", f"use one or more of {', '.join(accounts.SCOPES)}")

    key = for_account(
        database_url, config, create, account, lambda ctx, acct: accounts.create_key(ctx, acct, name, scope or None)
    )
    if as_json:
        print_result(
            console, {"id": key.id, "key": key.key, "scopes": sorted(scope or accounts.DEFAULT_SCOPES)}, as_json
        )
        return
    typer.echo(f"Key {key.id} (shown once): {key.key}")


@app.command("list")
def keys_list(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List the keys of an account (revoked ones too)."""

    found = for_account(database_url, config, create, account, lambda ctx, acct: accounts.list_keys(ctx, acct))
    if as_json:
        keys = [{"id": k.id, "name": k.name, "scopes": sorted(k.scopes), "revoked": bool(k.revoked_at)} for k in found]
        print_result(console, keys, as_json)
        return
    table = Table("id", "name", "scopes", "revoked")
    table.columns[0].no_wrap = True  # ids are for copying: never cut or folded (32 characters: fits at 80 columns)
    table.columns[0].min_width = max((len(k.id) for k in found), default=2)
    table.columns[2].min_width = max(len(s) for s in accounts.SCOPES)
    table.columns[3].no_wrap = True
    # Rich shrinks the widest column first, and would cut "revoked": the name gets what is left, folded.
    fixed = table.columns[0].min_width + table.columns[2].min_width + len("revoked") + 13  # 13: borders, padding
    table.columns[1].max_width = max(4, console.width - fixed)
    table.columns[1].overflow = "fold"
    for k in found:
        table.add_row(k.id, k.name, " ".join(sorted(k.scopes)), "yes" if k.revoked_at else "no")
    console.print(table)


@app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Id of the key (`keys list` shows them).")],
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a key: it stops working at once in this process, within seconds in others."""

    for_account(database_url, config, create, account, lambda ctx, acct: accounts.revoke_key(ctx, acct, key_id))
    if as_json:
        print_result(console, {"id": key_id, "revoked": True}, as_json)
        return
    console.print(f"Revoked {key_id}")
