"""`kakao-gateway`: serve the gateway, run migrations, and manage accounts, keys, senders and templates.

One module per command group: serve.py (`serve`, `worker`, `migrate`), accounts, keys, senders, templates (with
nhn.py's `templates sync` and `senders credentials`), subscriptions, sign_in (`users`, `oauth-clients`) work straight
on the database through local.py; bulks, send, sangdam, upstream and opt_outs talk to a running gateway over its
HTTP API (errors.ApiClient). options.py and settings_options.py declare the shared options, output.py prints results.
"""

from __future__ import annotations

import typer
from rich.console import Console

from .. import __version__
from . import (
    accounts,
    bulks,
    keys,
    opt_outs,
    sangdam,
    send,
    senders,
    serve,
    sign_in,
    subscriptions,
    templates,
    upstream,
)

app = typer.Typer(
    help="Kakao Gateway: KakaoTalk Business messaging, wire-compatible with Infobip's Kakao API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold API keys
)
console = Console()

app.command(help=serve.SERVE_HELP)(serve.serve)
app.command(help=serve.WORKER_HELP)(serve.worker)
app.command()(serve.migrate)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


app.add_typer(accounts.app, name="accounts")
app.add_typer(keys.app, name="keys")
app.add_typer(senders.app, name="senders")
app.add_typer(templates.app, name="templates")
app.add_typer(subscriptions.app, name="subscriptions")
app.add_typer(bulks.app, name="bulks")
app.add_typer(send.app, name="send")
app.add_typer(sangdam.app, name="sangdam")
app.add_typer(upstream.app, name="upstream")
app.add_typer(opt_outs.app, name="opt-outs")
app.add_typer(sign_in.users_app, name="users")
app.add_typer(sign_in.clients_app, name="oauth-clients")


def main() -> None:
    app()
