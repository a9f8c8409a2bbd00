"""`kakao-gateway`: serve the gateway, run migrations, and manage accounts, keys, senders and templates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from . import __version__
from .app import Gateway, create_app
from .cli_bulks import app as bulks_app
from .clock import SystemClock
from .config import DEFAULT_DATABASE_URL, ConfigError, Settings, resolve
from .schemas.extensions import AlimTemplateBody, SubscriptionsBody
from .service import accounts, catalog, database
from .service.context import Context

app = typer.Typer(
    help="Kakao Gateway: KakaoTalk Business messaging, wire-compatible with Infobip's Kakao API.", no_args_is_help=True
)
accounts_app = typer.Typer(help="Accounts (tenants).", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of an account.", no_args_is_help=True)
senders_app = typer.Typer(help="Kakao senders (channels) of an account.", no_args_is_help=True)
templates_app = typer.Typer(help="Alim templates of an account.", no_args_is_help=True)
subs_app = typer.Typer(help="Report and inbound webhook subscriptions of an account.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(senders_app, name="senders")
app.add_typer(templates_app, name="templates")
app.add_typer(subs_app, name="subscriptions")
app.add_typer(bulks_app, name="bulks")
console = Console()
T = TypeVar("T")

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="KAKAO_GATEWAY_DATABASE_URL",
        help=f"SQLite path/URL or postgresql://... [default: {DEFAULT_DATABASE_URL}]",
    ),
]
ConfigOpt = Annotated[str | None, typer.Option("--config", envvar="KAKAO_GATEWAY_CONFIG", help="TOML settings file.")]
AccountOpt = Annotated[str, typer.Option("--account", help="Account name.")]
# Engine flags: `serve` and `worker` take the same ones.
SandboxLatencyOpt = Annotated[
    int | None, typer.Option(envvar="KAKAO_GATEWAY_SANDBOX_LATENCY_MS", help="Sandbox result latency [default: 0]")
]
LogLevelOpt = Annotated[
    str | None, typer.Option(envvar="KAKAO_GATEWAY_LOG_LEVEL", help="debug, info, warning or error [default: info]")
]
MaxSubmitRateOpt = Annotated[
    float | None,
    typer.Option(
        envvar="KAKAO_GATEWAY_MAX_SUBMIT_RATE", help="Upstream submits per second, all senders [default: no limit]"
    ),
]
MaxSubmitRatePerSenderOpt = Annotated[
    float | None,
    typer.Option(
        envvar="KAKAO_GATEWAY_MAX_SUBMIT_RATE_PER_SENDER",
        help="Upstream submits per second per sender [default: no limit]",
    ),
]

DEMO_SENDER = "DEMO-SENDER"
DEMO_TEMPLATE = {
    "sender": DEMO_SENDER,
    "templateCode": "DEMO_ORDER",
    "name": "Order shipped",
    "text": "Hello #{name}, your order #{order} has shipped.",
}


def _settings(database_url: str | None, config: str | None, **overrides: Any) -> Settings:
    try:
        return resolve({"database_url": database_url, **overrides}, config)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _with_context(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    """Migrate, open the database, run one use case, close."""
    database.migrate(settings.database_url)

    async def run() -> T:
        async with database.opened(settings.database_url, SystemClock()) as ctx:
            return await work(ctx)

    return asyncio.run(run())


async def _account_id(ctx: Context, name: str) -> str:
    account = await accounts.find_account(ctx, name)
    if account is None and name == accounts.DEFAULT_ACCOUNT:  # exists from the first `serve` on; or made here,
        account = await accounts.create_account(ctx, name)  # without a key: `serve` creates and prints one
    if account is None:
        raise typer.BadParameter(f"no account named {name!r}")
    return account.id


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(envvar="KAKAO_GATEWAY_HOST", help="[default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(envvar="KAKAO_GATEWAY_PORT", help="[default: 8000]")] = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", envvar="KAKAO_GATEWAY_DEMO", help="Register a demo sender and template; print a curl command."
        ),
    ] = False,
    sandbox_latency_ms: SandboxLatencyOpt = None,
    template_approval_delay_s: Annotated[
        float | None,
        typer.Option(
            envvar="KAKAO_GATEWAY_TEMPLATE_APPROVAL_DELAY_S", help="Sandbox template inspection time [default: 0]"
        ),
    ] = None,
    log_level: LogLevelOpt = None,
    public_url: Annotated[
        str | None,
        typer.Option(envvar="KAKAO_GATEWAY_PUBLIC_URL", help="Base URL of short links [default: http://<host>:<port>]"),
    ] = None,
    virtual_clock: Annotated[
        bool,
        typer.Option(
            "--virtual-clock",
            envvar="KAKAO_GATEWAY_VIRTUAL_CLOCK",
            help="Sandbox: time moves only via POST /sandbox/1/clock/advance.",
        ),
    ] = False,
    max_submit_rate: MaxSubmitRateOpt = None,
    max_submit_rate_per_sender: MaxSubmitRatePerSenderOpt = None,
    engine: Annotated[
        bool | None,
        typer.Option(
            "--engine/--no-engine",
            envvar="KAKAO_GATEWAY_ENGINE",
            help="Run the delivery engine in this process [default: on]; PostgreSQL only can turn it off.",
        ),
    ] = None,
) -> None:
    """Start the HTTP API and the delivery engine in one process (migrations run first)."""
    settings = _settings(
        database_url,
        config,
        host=host,
        port=port,
        demo=demo or None,
        sandbox_latency_ms=sandbox_latency_ms,
        template_approval_delay_s=template_approval_delay_s,
        log_level=log_level,
        api_key=_env("API_KEY"),
        admin_key=_env("ADMIN_KEY"),
        engine=engine,
        virtual_clock=virtual_clock or None,
        public_url=public_url,
        max_submit_rate=max_submit_rate,
        max_submit_rate_per_sender=max_submit_rate_per_sender,
    )
    if not settings.engine and not database.is_postgres(settings.database_url):
        raise typer.BadParameter("--no-engine needs PostgreSQL: on SQLite the API and the engine share one process")
    if settings.demo:
        settings = _with_demo(settings)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database.migrate(settings.database_url)
    gateway = Gateway(settings)
    asgi = create_app(gateway)
    server = uvicorn.Server(
        uvicorn.Config(
            asgi,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            lifespan="on",
            access_log=settings.log_level == "debug",  # one log line per request costs 8-20 % of throughput
        )
    )
    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets)
        await _announce(gateway, settings)

    server.startup = startup  # type: ignore[method-assign]
    server.run()


def _env(name: str) -> str | None:
    import os

    return os.environ.get(f"KAKAO_GATEWAY_{name}") or None


def _with_demo(settings: Settings) -> Settings:
    from dataclasses import replace

    senders = [*settings.senders, {"sender": DEMO_SENDER, "name": "Demo channel"}]
    templates = [*settings.alim_templates, DEMO_TEMPLATE]
    return replace(settings, senders=senders, alim_templates=templates)


async def _announce(gateway: Gateway, settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    key = gateway.printed.get("api_key") or settings.api_key
    if gateway.printed.get("api_key"):
        typer.echo(f"API key of the default account (shown once): {gateway.printed['api_key']}")
    if gateway.printed.get("admin_key"):
        typer.echo(f"Operator key for /admin/1 (shown once): {gateway.printed['admin_key']}")
    if not settings.demo:
        return
    if key is None:
        key = (await accounts.create_key(gateway.ctx, gateway.default_account_id, "demo")).key
        typer.echo(f"New demo API key (shown once): {key}")
    body = {
        "messages": [
            {
                "sender": DEMO_SENDER,
                "destinations": [{"to": "821000000001"}],
                "content": {
                    "type": "TEMPLATE",
                    "templateCode": "DEMO_ORDER",
                    "text": "Hello Jimin, your order 1234 has shipped.",
                },
            }
        ]
    }
    console.print("[bold]Demo ready.[/bold] Send an Alim message to the sandbox:")
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


@app.command()
def worker(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    sandbox_latency_ms: SandboxLatencyOpt = None,
    log_level: LogLevelOpt = None,
    max_submit_rate: MaxSubmitRateOpt = None,
    max_submit_rate_per_sender: MaxSubmitRatePerSenderOpt = None,
) -> None:
    """Run only the delivery engine (no HTTP API). On PostgreSQL, run as many as you like beside `serve`
    processes: workers claim rows with leases and SKIP LOCKED and need no other coordination."""
    settings = _settings(
        database_url,
        config,
        sandbox_latency_ms=sandbox_latency_ms,
        log_level=log_level,
        api_key=_env("API_KEY"),
        admin_key=_env("ADMIN_KEY"),
        max_submit_rate=max_submit_rate,
        max_submit_rate_per_sender=max_submit_rate_per_sender,
    )
    if not database.is_postgres(settings.database_url):
        raise typer.BadParameter("workers need PostgreSQL; on SQLite `serve` runs the engine itself")
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database.migrate(settings.database_url)

    async def run() -> None:
        gateway = Gateway(settings)
        await gateway.start()
        console.print(f"Engine running on {settings.database_url} (Ctrl+C stops it)")
        try:
            await asyncio.Event().wait()
        finally:
            await gateway.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@app.command()
def migrate(database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    """Run database migrations and exit."""
    settings = _settings(database_url, config)
    database.migrate(settings.database_url)
    console.print(f"Database is at the latest schema: {settings.database_url}")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@accounts_app.command("create")
def accounts_create(name: str, database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    account = _with_context(_settings(database_url, config), lambda ctx: accounts.create_account(ctx, name))
    console.print(f"Created account {account.name} ({account.id})")


@accounts_app.command("list")
def accounts_list(database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    found = _with_context(_settings(database_url, config), accounts.list_accounts)
    table = Table("id", "name")
    for a in found:
        table.add_row(a.id, a.name)
    console.print(table)


@keys_app.command("create")
def keys_create(
    account: AccountOpt = "default",
    name: Annotated[str, typer.Option(help="Key name.")] = "key",
    scope: Annotated[list[str] | None, typer.Option(help="Scope (repeat); default all.")] = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
) -> None:
    async def work(ctx: Context) -> accounts.NewKey:
        return await accounts.create_key(ctx, await _account_id(ctx, account), name, scope or None)

    key = _with_context(_settings(database_url, config), work)
    typer.echo(f"Key {key.id} (shown once): {key.key}")


@keys_app.command("list")
def keys_list(account: AccountOpt = "default", database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    async def work(ctx: Context) -> list[accounts.KeyRecord]:
        return await accounts.list_keys(ctx, await _account_id(ctx, account))

    table = Table("id", "name", "scopes", "revoked")
    for k in _with_context(_settings(database_url, config), work):
        table.add_row(k.id, k.name, " ".join(sorted(k.scopes)), "yes" if k.revoked_at else "no")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: str, account: AccountOpt = "default", database_url: DatabaseOpt = None, config: ConfigOpt = None
) -> None:
    async def work(ctx: Context) -> None:
        await accounts.revoke_key(ctx, await _account_id(ctx, account), key_id)

    _with_context(_settings(database_url, config), work)
    console.print(f"Revoked {key_id}")


@senders_app.command("add")
def senders_add(
    sender: str,
    name: str,
    targeting_eligible: Annotated[
        bool | None,
        typer.Option(
            "--targeting-eligible/--no-targeting-eligible",
            help="Brand: may use ALL_CONSENT / NON_FRIENDS targeting [default: unchanged; new senders: no]",
        ),
    ] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
) -> None:
    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.add_sender(ctx, await _account_id(ctx, account), sender, name, targeting_eligible)

    console.print_json(data=_with_context(_settings(database_url, config), work))


@senders_app.command("list")
def senders_list(account: AccountOpt = "default", database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    async def work(ctx: Context) -> list[dict[str, Any]]:
        return await catalog.list_senders(ctx, await _account_id(ctx, account))

    console.print_json(data=_with_context(_settings(database_url, config), work))


@templates_app.command("add")
def templates_add(
    sender: Annotated[str, typer.Option()],
    code: Annotated[str, typer.Option(help="templateCode")],
    name: Annotated[str, typer.Option()],
    text: Annotated[str, typer.Option(help="Template text with #{variable} placeholders.")],
    title: Annotated[str | None, typer.Option()] = None,
    buttons: Annotated[str | None, typer.Option(help="Buttons as a JSON array.")] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
) -> None:
    body = AlimTemplateBody.model_validate(
        {
            "sender": sender,
            "templateCode": code,
            "name": name,
            "text": text,
            "title": title,
            "buttons": json.loads(buttons) if buttons else None,
        }
    )

    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.create_template(ctx, await _account_id(ctx, account), body)

    console.print_json(data=_with_context(_settings(database_url, config), work))


@templates_app.command("list")
def templates_list(
    sender: Annotated[str | None, typer.Option()] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
) -> None:
    async def work(ctx: Context) -> list[dict[str, Any]]:
        return await catalog.list_templates(ctx, await _account_id(ctx, account), sender)

    console.print_json(data=_with_context(_settings(database_url, config), work))


@subs_app.command("set")
def subscriptions_set(
    channel: Annotated[str, typer.Option(help="ALIM, BRAND or SANGDAM")] = "ALIM",
    report_url: Annotated[str | None, typer.Option()] = None,
    inbound_url: Annotated[str | None, typer.Option()] = None,
    content_type: Annotated[str, typer.Option()] = "application/json",
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
) -> None:
    body = SubscriptionsBody.model_validate(
        {channel.upper(): {"reportUrl": report_url, "inboundUrl": inbound_url, "contentType": content_type}}
    )

    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.put_subscriptions(ctx, await _account_id(ctx, account), body)

    console.print_json(data=_with_context(_settings(database_url, config), work))


@subs_app.command("show")
def subscriptions_show(
    account: AccountOpt = "default", database_url: DatabaseOpt = None, config: ConfigOpt = None
) -> None:
    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.get_subscriptions(ctx, await _account_id(ctx, account))

    console.print_json(data=_with_context(_settings(database_url, config), work))


def main() -> None:
    app()
