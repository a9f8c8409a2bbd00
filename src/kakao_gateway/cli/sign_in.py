"""`kakao-gateway users ...` and `kakao-gateway oauth-clients ...`: an account's login users (IBSSO sessions) and
OAuth clients (Bearer tokens), straight in the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ..domain.times import format_ms
from ..service import accounts, sign_in
from ..service.auth import Authenticator
from .errors import fail
from .local import for_account
from .options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .output import JsonOpt, print_result

console = Console()


ScopeOpt = Annotated[
    list[str] | None,
    typer.Option(
        help=f"Scope its tokens carry, repeat for several: {', '.join(accounts.SCOPES)} \\[default: the four Kakao "
        "scopes]"
    ),
]


def _check_scopes(scope: list[str] | None) -> None:
    unknown = [s for s in scope or [] if s not in accounts.SCOPES]
    if unknown:
        fail(f"unknown scope {unknown[0]!r}", f"use one or more of {', '.join(accounts.SCOPES)}")


users_app = typer.Typer(
    help="Login users of an account (sign in at /auth/1/session for IBSSO tokens), straight in the database.",
    no_args_is_help=True,
)
clients_app = typer.Typer(
    help="OAuth clients of an account (Bearer tokens from /auth/1/oauth2/token), straight in the database.",
    no_args_is_help=True,
)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Username (unique over every account).")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="KAKAO_GATEWAY_USER_PASSWORD",
            help="Password, at least 8 characters \\[default: asked for]",
        ),
    ],
    account: AccountOpt = "default",
    scope: ScopeOpt = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a login user; its password is stored as a scrypt hash."""
    _check_scopes(scope)

    user = for_account(
        database_url,
        config,
        create,
        account,
        lambda ctx, acct: sign_in.create_user(ctx, acct, username, password, scope or None),
    )
    print_result(console, {"id": user.id, "username": user.username, "scopes": sorted(user.scopes)}, as_json)


@users_app.command("list")
def users_list(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List the login users of an account (disabled ones too)."""

    found = for_account(database_url, config, create, account, lambda ctx, acct: sign_in.list_users(ctx, acct))
    rows = [
        {
            "id": u.id,
            "username": u.username,
            "scopes": sorted(u.scopes) if as_json else " ".join(sorted(u.scopes)),
            "createdAt": format_ms(u.created_at),
            "disabled": u.disabled_at is not None,
        }
        for u in found
    ]
    print_result(console, rows, as_json)


@users_app.command("disable")
def users_disable(
    user_id: Annotated[str, typer.Argument(help="Id of the user (`users list` shows them).")],
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Disable a user: its sessions end at once in this process, within seconds in others."""

    for_account(
        database_url,
        config,
        create,
        account,
        lambda ctx, acct: sign_in.disable_user(ctx, Authenticator(ctx), acct, user_id),
    )
    print_result(console, {"id": user_id, "disabled": True}, as_json)


@clients_app.command("create")
def clients_create(
    account: AccountOpt = "default",
    name: Annotated[str, typer.Option(help="Client name.")] = "oauth-client",
    scope: ScopeOpt = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an OAuth client; its secret is shown once."""
    _check_scopes(scope)

    new = for_account(
        database_url, config, create, account, lambda ctx, acct: sign_in.create_client(ctx, acct, name, scope or None)
    )
    body = {"clientId": new.client_id, "clientSecret": new.client_secret, "name": new.name}
    print_result(console, {**body, "scopes": sorted(new.scopes)} if as_json else body, as_json)
    if not as_json:
        console.print("The secret is shown once: keep it now.", highlight=False)


@clients_app.command("list")
def clients_list(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List the OAuth clients of an account (revoked ones too)."""

    found = for_account(database_url, config, create, account, lambda ctx, acct: sign_in.list_clients(ctx, acct))
    rows = [
        {
            "clientId": c.id,
            "name": c.name,
            "scopes": sorted(c.scopes) if as_json else " ".join(sorted(c.scopes)),
            "createdAt": format_ms(c.created_at),
            "revoked": c.revoked_at is not None,
        }
        for c in found
    ]
    print_result(console, rows, as_json)


@clients_app.command("revoke")
def clients_revoke(
    client_id: Annotated[str, typer.Argument(help="The clientId (`oauth-clients list` shows them).")],
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a client: its tokens end at once in this process, within seconds in others."""

    for_account(
        database_url,
        config,
        create,
        account,
        lambda ctx, acct: sign_in.revoke_client(ctx, Authenticator(ctx), acct, client_id),
    )
    print_result(console, {"clientId": client_id, "revoked": True}, as_json)
