"""Options shared by the commands: those of every command working straight on the database (which database, which
TOML file, whether to create a missing SQLite file, and which account), and those of every command working over the
HTTP API of a running gateway (its URL and an API key)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..config import DEFAULT_DATABASE_URL

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="KAKAO_GATEWAY_DATABASE_URL",
        help=f"SQLite path/URL or postgresql://... \\[default: {DEFAULT_DATABASE_URL}]",
        rich_help_panel="Database",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        envvar="KAKAO_GATEWAY_CONFIG",
        help="TOML settings file. \\[default: none]",
        rich_help_panel="Database",
    ),
]
CreateOpt = Annotated[
    bool,
    typer.Option(
        "--create",
        help="Create the database if there is none at --database-url (otherwise the command refuses, so a typo or "
        "the wrong directory does not silently make an empty one).",
        rich_help_panel="Database",
    ),
]
AccountOpt = Annotated[str, typer.Option("--account", help="Account name.")]

DEFAULT_URL = "http://127.0.0.1:8000"  # a gateway `serve` started with its defaults
UrlOpt = Annotated[str, typer.Option("--url", envvar="KAKAO_GATEWAY_URL", help="Base URL of the gateway.")]
KeyOpt = Annotated[
    str,
    typer.Option(
        "--api-key",
        envvar="KAKAO_GATEWAY_API_KEY",
        show_default=False,
        help="App key of the account \\[default: none; required]",
    ),
]
