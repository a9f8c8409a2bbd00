"""`kakao-gateway subscriptions ...`: an account's report and inbound webhook subscriptions, straight in the
database."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from ..schemas.extensions import SUBSCRIPTION_CHANNELS, SubscriptionsBody
from ..service import catalog
from .errors import fail, violations
from .local import for_account
from .options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .output import JsonOpt, print_result

app = typer.Typer(
    help="Report and inbound webhook subscriptions of an account, straight in the database.", no_args_is_help=True
)
console = Console()


@app.command("set")
def subscriptions_set(
    channel: Annotated[str, typer.Option(help=f"Channel: {', '.join(SUBSCRIPTION_CHANNELS)}")] = "ALIM",
    report_url: Annotated[
        str | None, typer.Option(help="URL receiving delivery reports (CLICK: click events) \\[default: none]")
    ] = None,
    inbound_url: Annotated[str | None, typer.Option(help="URL receiving inbound messages \\[default: none]")] = None,
    content_type: Annotated[str, typer.Option(help="application/json or application/xml")] = "application/json",
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set (replace) the subscription of one channel."""
    if channel.upper() not in SUBSCRIPTION_CHANNELS:
        fail(f"unknown channel {channel!r}", f"use one of {', '.join(SUBSCRIPTION_CHANNELS)}")
    try:
        body = SubscriptionsBody.model_validate(
            {channel.upper(): {"reportUrl": report_url, "inboundUrl": inbound_url, "contentType": content_type}}
        )
    except ValidationError as exc:
        fail(f"invalid subscription: {violations(exc)}", "fix the values and try again")

    print_result(
        console,
        for_account(
            database_url, config, create, account, lambda ctx, acct: catalog.put_subscriptions(ctx, acct, body)
        ),
        as_json,
    )


@app.command("show")
def subscriptions_show(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the subscriptions of an account."""

    print_result(
        console,
        for_account(database_url, config, create, account, lambda ctx, acct: catalog.get_subscriptions(ctx, acct)),
        as_json,
    )
