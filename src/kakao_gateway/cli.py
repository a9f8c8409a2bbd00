"""`kakao-gateway`: serve the gateway, run migrations, and manage accounts, keys, senders and templates."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import shlex
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import sqlalchemy.exc
import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from . import __version__
from .app import Gateway, create_app
from .cli_bulks import app as bulks_app
from .cli_errors import fail, note, service_failure
from .cli_opt_outs import app as opt_outs_app
from .cli_options import AccountOpt, ConfigOpt, CreateOpt, DatabaseOpt
from .cli_output import JsonOpt, print_result
from .cli_sangdam import app as sangdam_app
from .cli_send import app as send_app
from .cli_sign_in import register as register_sign_in_commands
from .cli_templates_sync import register as register_nhn_commands
from .cli_upstream import app as upstream_app
from .clock import SystemClock
from .config import ConfigError, Settings, resolve
from .connectors.sandbox import ROUTE as SANDBOX_ROUTE
from .http_server import listen, server_config
from .logs import configure_logging
from .schemas.extensions import SUBSCRIPTION_CHANNELS, AlimTemplateBody, SubscriptionsBody
from .service import accounts, catalog, database, sender_credentials, sms, upstreams
from .service.context import Context
from .service.errors import ServiceError

app = typer.Typer(
    help="Kakao Gateway: KakaoTalk Business messaging, wire-compatible with Infobip's Kakao API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold API keys
)
accounts_app = typer.Typer(help="Accounts (tenants), straight in the database.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of an account, straight in the database.", no_args_is_help=True)
senders_app = typer.Typer(
    help="Kakao senders (channels) of an account, straight in the database.", no_args_is_help=True
)
templates_app = typer.Typer(help="Alim templates of an account, straight in the database.", no_args_is_help=True)
subs_app = typer.Typer(
    help="Report and inbound webhook subscriptions of an account, straight in the database.", no_args_is_help=True
)
app.add_typer(accounts_app, name="accounts")
app.add_typer(keys_app, name="keys")
app.add_typer(senders_app, name="senders")
app.add_typer(templates_app, name="templates")
app.add_typer(subs_app, name="subscriptions")
app.add_typer(bulks_app, name="bulks")
app.add_typer(send_app, name="send")
app.add_typer(sangdam_app, name="sangdam")
app.add_typer(upstream_app, name="upstream")
app.add_typer(opt_outs_app, name="opt-outs")
console = Console()
T = TypeVar("T")


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def _setting(name: str, help_text: str, panel: str, *decls: str, **more: Any) -> Any:
    """An option of `serve`/`worker`: its environment variable is KAKAO_GATEWAY_<NAME> (the commands' help says so,
    rather than each option: the names would not fit at 80 columns)."""
    return typer.Option(
        *decls, envvar=f"KAKAO_GATEWAY_{name}", help=help_text, rich_help_panel=panel, show_envvar=False, **more
    )


SERVER, ENGINE, UPSTREAMS, WEBHOOKS, RETENTION, LOGGING, SANDBOX = (
    "Server",
    "Engine",
    "Upstreams",
    "Webhooks",
    "Retention",
    "Logging",
    "Sandbox",
)
SETTINGS_NOTE = (
    "\n\nEvery option is also read from the environment (KAKAO_GATEWAY_ and its name in capitals, e.g. "
    "KAKAO_GATEWAY_MAX_SUBMIT_RATE) and from the \\[gateway] table of the --config file; flags win, then the "
    "environment, then the file."
)
SERVE_HELP = (
    "Start the HTTP API and the delivery engine in one process (creates the database and runs migrations first)."
    + SETTINGS_NOTE
)
WORKER_HELP = (
    "Run only the delivery engine (no HTTP API). On PostgreSQL, run as many as you like beside `serve` processes: "
    "workers claim rows with leases and SKIP LOCKED and need no other coordination." + SETTINGS_NOTE
)

# Engine flags: `serve` and `worker` take the same ones.
SandboxLatencyOpt = Annotated[
    int | None, _setting("SANDBOX_LATENCY_MS", "Sandbox result latency in ms \\[default: 0]", SANDBOX)
]
LogLevelOpt = Annotated[str | None, _setting("LOG_LEVEL", "debug, info, warning or error \\[default: info]", LOGGING)]
LogFormatOpt = Annotated[
    LogFormat | None,
    _setting(
        "LOG_FORMAT",
        "text, or json: one JSON object per line, with messageId, bulkId and accountId where they apply "
        "\\[default: text]",
        LOGGING,
        case_sensitive=False,
    ),
]
MaxSubmitRateOpt = Annotated[
    float | None,
    _setting("MAX_SUBMIT_RATE", "Upstream submits per second, all senders \\[default: no limit]", UPSTREAMS),
]
MaxSubmitRatePerSenderOpt = Annotated[
    float | None,
    _setting("MAX_SUBMIT_RATE_PER_SENDER", "Upstream submits per second per sender \\[default: no limit]", UPSTREAMS),
]
WebhookAllowPrivateOpt = Annotated[
    bool | None,
    _setting(
        "WEBHOOK_ALLOW_PRIVATE",
        "Allow webhook targets on loopback, private, link-local and metadata addresses "
        "\\[default: per account: allowed while its Kakao and SMS routes are the sandbox, refused once one is real]",
        WEBHOOKS,
        "--webhook-allow-private/--no-webhook-allow-private",
        show_default=False,
    ),
]
LinkRetentionOpt = Annotated[
    int | None,
    _setting(
        "LINK_RETENTION_DAYS",
        "Days a short link (and its redirect) is kept after its creation \\[default: 90]",
        RETENTION,
        min=1,
        metavar="DAYS",
    ),
]
ClickRetentionOpt = Annotated[
    int | None,
    _setting("CLICK_RETENTION_DAYS", "Days a recorded click is kept \\[default: 90]", RETENTION, min=1, metavar="DAYS"),
]
TranscriptRetentionOpt = Annotated[
    int | None,
    _setting(
        "TRANSCRIPT_RETENTION_DAYS",
        "Days a closed Sangdam session and its transcript are kept after closing \\[default: 90]",
        RETENTION,
        min=1,
        metavar="DAYS",
    ),
]
HistoryRetentionOpt = Annotated[
    int | None,
    _setting(
        "HISTORY_RETENTION_DAYS",
        "Days a finished message and its events stay searchable (GET /kakao/1/messages) \\[default: 30]",
        RETENTION,
        min=2,
        metavar="DAYS",
    ),
]
StatsRetentionOpt = Annotated[
    int | None,
    _setting(
        "STATS_RETENTION_DAYS",
        "Days the statistics rollups (GET /kakao/1/stats) are kept \\[default: 400]",
        RETENTION,
        min=1,
        metavar="DAYS",
    ),
]
SmsUpstreamOpt = Annotated[
    str | None,
    _setting(
        "SMS_UPSTREAM",
        "Upstream of SMS failover hops: sandbox, smpp://ID:PASSWORD@HOST:PORT, "
        "infobip-sms://API_KEY@HOST (an account may have its own: `accounts sms`) \\[default: sandbox]",
        UPSTREAMS,
    ),
]
KakaoUpstreamOpt = Annotated[
    str | None,
    _setting(
        "KAKAO_UPSTREAM",
        'Upstream of Kakao hops: sandbox, or a real one (README, "Kakao upstreams"); an account may have its '
        "own: `accounts kakao` \\[default: sandbox]",
        UPSTREAMS,
    ),
]
SmsSenderOpt = Annotated[
    str | None,
    _setting(
        "SMS_SENDER",
        "Default sender of the default account's SMS hops, when smsFailover names none \\[default: none]",
        UPSTREAMS,
    ),
]
HostOpt = Annotated[str | None, _setting("HOST", "Address to listen on \\[default: 127.0.0.1]", SERVER)]
PortOpt = Annotated[int | None, _setting("PORT", "Port to listen on \\[default: 8000]", SERVER)]
PublicUrlOpt = Annotated[
    str | None, _setting("PUBLIC_URL", "Base URL of short links \\[default: http://<host>:<port>]", SERVER)
]
MaxHeaderBytesOpt = Annotated[
    int | None,
    _setting(
        "MAX_HEADER_BYTES",
        f"Most bytes of a request's line and headers; more is answered 431 \\[default: {Settings.max_header_bytes}]",
        SERVER,
        min=1024,
        metavar="BYTES",
    ),
]
HeaderTimeoutOpt = Annotated[
    float | None,
    _setting(
        "HEADER_TIMEOUT_S",
        "Seconds a client has to send a request's line and headers, then the connection is closed "
        f"\\[default: {Settings.header_timeout_s:g}]",
        SERVER,
        min=0.1,
        metavar="SECONDS",
    ),
]
MaxConnectionsOpt = Annotated[
    int | None,
    _setting(
        "MAX_CONNECTIONS",
        f"Most open HTTP connections; more are answered 503 \\[default: {Settings.max_connections}]",
        SERVER,
        min=1,
        metavar="N",
    ),
]

LogsRateLimitOpt = Annotated[
    int | None,
    _setting(
        "LOGS_RATE_LIMIT",
        "Requests a minute per account on the three logs operations, as Infobip limits them; more are answered "
        f"429 with Retry-After; 0 turns the limit off \\[default: {Settings.logs_rate_limit}]",
        SERVER,
        min=0,
        metavar="N",
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
        settings = resolve({"database_url": database_url, **overrides}, config)
    except ConfigError as exc:
        fail(str(exc), "fix the config file or the flag")
    except TypeError as exc:  # a value of the wrong type in the TOML file
        fail(f"invalid setting in the config file: {exc}", "fix the config file")
    problem = database.url_problem(settings.database_url)
    if problem is not None:
        fail(problem, "fix --database-url, KAKAO_GATEWAY_DATABASE_URL or database_url in the config file")
    return settings


def _sqlite_file(database_url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL and in-memory databases)."""
    if database.is_postgres(database_url):
        return None
    path = database_url
    for prefix in ("sqlite:///", "sqlite://"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
            break
    return None if path in ("", ":memory:") else Path(path)


def describe_database(database_url: str) -> str:
    """The database as people should read it: an absolute SQLite path, or a PostgreSQL URL without its password."""
    file = _sqlite_file(database_url)
    if file is not None:
        return f"{file.resolve()} (SQLite)"
    if not database.is_postgres(database_url):
        return f"{database_url} (SQLite)"
    parts = urlsplit(database_url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        parts = parts._replace(netloc=netloc)
    return f"{urlunsplit(parts)} (PostgreSQL)"


def _open_database(settings: Settings, create: bool) -> None:
    """Say which database this is; refuse to make a new SQLite file unless asked; bring the schema up to date."""
    file = _sqlite_file(settings.database_url)
    if file is not None and not file.exists():
        if not create:
            fail(
                f"no database at {file.resolve()}",
                "start the server first (`kakao-gateway serve`), pass --database-url (or set "
                "KAKAO_GATEWAY_DATABASE_URL) to use another, or pass --create to make a new one here",
            )
        note(f"Creating a new database: {describe_database(settings.database_url)}")
    else:
        note(f"Database: {describe_database(settings.database_url)}")
    with _database_errors(settings):
        database.migrate(settings.database_url)


@contextlib.contextmanager
def _database_errors(settings: Settings) -> Iterator[None]:
    try:
        yield
    except (OSError, sqlite3.Error, sqlalchemy.exc.SQLAlchemyError, asyncpg.PostgresError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(
            f"cannot open the database {describe_database(settings.database_url)}: {reason}",
            "check --database-url / KAKAO_GATEWAY_DATABASE_URL",
        )


def _with_context(settings: Settings, create: bool, work: Callable[[Context], Awaitable[T]]) -> T:
    """Open the database (see `_open_database`), run one use case, close. Refusals end in one line, exit 1."""
    _open_database(settings, create)

    async def run() -> T:
        async with database.opened(settings.database_url, SystemClock()) as ctx:
            return await work(ctx)

    with _database_errors(settings):
        try:
            return asyncio.run(run())
        except ServiceError as exc:
            service_failure(exc)


async def _account_id(ctx: Context, name: str) -> str:
    account = await accounts.find_account(ctx, name)
    if account is None and name == accounts.DEFAULT_ACCOUNT:  # exists from the first `serve` on; or made here,
        account = await accounts.create_account(ctx, name)  # without a key: `serve` creates and prints one
    if account is None:
        fail(f"no account named {name!r}", "`kakao-gateway accounts list` shows the accounts of this database")
    return account.id


def _check_upstreams(settings: Settings) -> None:
    problem = upstreams.upstream_problem("sms", settings.sms_upstream)
    if problem is not None:
        fail(f"--sms-upstream: {problem}", 'fix the upstream URL (README, "SMS failover")')
    problem = upstreams.upstream_problem("kakao", settings.kakao_upstream)
    if problem is not None:
        fail(f"--kakao-upstream: {problem}", 'fix the upstream URL (README, "Kakao upstreams")')
    if settings.secret_key is not None and len(settings.secret_key) < sender_credentials.MIN_SECRET_LENGTH:
        fail(
            f"KAKAO_GATEWAY_SECRET_KEY has {len(settings.secret_key)} characters",
            f"use a random string of at least {sender_credentials.MIN_SECRET_LENGTH}",
        )


def _configure_logging(settings: Settings) -> None:
    try:
        configure_logging(settings.log_level, settings.log_format)
    except ValueError as exc:
        fail(str(exc), "fix --log-level / KAKAO_GATEWAY_LOG_LEVEL")


@app.command(help=SERVE_HELP)
def serve(
    host: HostOpt = None,
    port: PortOpt = None,
    public_url: PublicUrlOpt = None,
    max_header_bytes: MaxHeaderBytesOpt = None,
    header_timeout_s: HeaderTimeoutOpt = None,
    max_connections: MaxConnectionsOpt = None,
    logs_rate_limit: LogsRateLimitOpt = None,
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    engine: Annotated[
        bool | None,
        _setting(
            "ENGINE",
            "Run the delivery engine in this process \\[default: on]; PostgreSQL only can turn it off.",
            ENGINE,
            "--engine/--no-engine",
            show_default=False,
        ),
    ] = None,
    max_submit_rate: MaxSubmitRateOpt = None,
    max_submit_rate_per_sender: MaxSubmitRatePerSenderOpt = None,
    kakao_upstream: KakaoUpstreamOpt = None,
    sms_upstream: SmsUpstreamOpt = None,
    sms_sender: SmsSenderOpt = None,
    webhook_allow_private: WebhookAllowPrivateOpt = None,
    link_retention_days: LinkRetentionOpt = None,
    click_retention_days: ClickRetentionOpt = None,
    transcript_retention_days: TranscriptRetentionOpt = None,
    history_retention_days: HistoryRetentionOpt = None,
    stats_retention_days: StatsRetentionOpt = None,
    log_level: LogLevelOpt = None,
    log_format: LogFormatOpt = None,
    demo: Annotated[
        bool,
        _setting(
            "DEMO",
            "Register a demo sender and template; print a demo API key (kept beside the database and reused at "
            "every start) and a curl command.",
            SANDBOX,
            "--demo",
        ),
    ] = False,
    sandbox_latency_ms: SandboxLatencyOpt = None,
    template_approval_delay_s: Annotated[
        float | None,
        _setting("TEMPLATE_APPROVAL_DELAY_S", "Sandbox template inspection time in s \\[default: 0]", SANDBOX),
    ] = None,
    virtual_clock: Annotated[
        bool,
        _setting(
            "VIRTUAL_CLOCK", "Sandbox: time moves only via POST /sandbox/1/clock/advance.", SANDBOX, "--virtual-clock"
        ),
    ] = False,
) -> None:
    settings = _settings(
        database_url,
        config,
        host=host,
        port=port,
        max_header_bytes=max_header_bytes,
        header_timeout_s=header_timeout_s,
        max_connections=max_connections,
        logs_rate_limit=logs_rate_limit,
        demo=demo or None,
        sandbox_latency_ms=sandbox_latency_ms,
        template_approval_delay_s=template_approval_delay_s,
        log_level=log_level,
        log_format=log_format.value if log_format else None,
        api_key=_env("API_KEY"),
        admin_key=_env("ADMIN_KEY"),
        engine=engine,
        virtual_clock=virtual_clock or None,
        public_url=public_url,
        max_submit_rate=max_submit_rate,
        max_submit_rate_per_sender=max_submit_rate_per_sender,
        webhook_allow_private=webhook_allow_private,
        link_retention_days=link_retention_days,
        click_retention_days=click_retention_days,
        transcript_retention_days=transcript_retention_days,
        history_retention_days=history_retention_days,
        stats_retention_days=stats_retention_days,
        sms_upstream=sms_upstream,
        sms_sender=sms_sender,
        kakao_upstream=kakao_upstream,
    )
    _check_upstreams(settings)
    if not settings.engine and not database.is_postgres(settings.database_url):
        fail("--no-engine needs PostgreSQL", "on SQLite the API and the engine share one process: drop --no-engine")
    listening = _listen(settings)  # before the database and its keys are made: a taken port changes nothing
    with listening:  # closed whatever happens: uvicorn closes it too on its way out
        if settings.demo:
            settings = _with_demo(settings)
        _configure_logging(settings)
        note(f"Database: {describe_database(settings.database_url)}")
        with _database_errors(settings):
            database.migrate(settings.database_url)
        gateway = Gateway(settings)
        server = uvicorn.Server(server_config(create_app(gateway), settings))
        original_startup = server.startup

        async def startup(sockets: Any = None) -> None:
            await original_startup(sockets)
            await _announce(gateway, settings)

        server.startup = startup  # type: ignore[method-assign]
        server.run(sockets=[listening])


def _listen(settings: Settings) -> socket.socket:
    """The server's listening socket; a taken port or an address not ours ends in one line."""
    try:
        return listen(settings.host, settings.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"port {settings.port} is in use",
                f"stop what listens on {settings.host}:{settings.port}, or pass --port (or set KAKAO_GATEWAY_PORT) "
                "to use another",
            )
        fail(f"cannot listen on {settings.host}:{settings.port} ({exc.strerror or exc})", "check --host and --port")


def _env(name: str) -> str | None:
    return os.environ.get(f"KAKAO_GATEWAY_{name}") or None


def _with_demo(settings: Settings) -> Settings:
    senders = [*settings.senders, {"sender": DEMO_SENDER, "name": "Demo channel"}]
    templates = [*settings.alim_templates, DEMO_TEMPLATE]
    return replace(settings, senders=senders, alim_templates=templates)


def demo_key_file(database_url: str) -> Path:
    """Where `serve --demo` keeps its key: beside the SQLite file, or in the working directory for PostgreSQL."""
    file = _sqlite_file(database_url)
    if file is not None:
        return file.with_name(file.name + ".demo-key")
    return Path("kakao-gateway.demo-key")


async def _demo_key(gateway: Gateway, settings: Settings) -> str:
    """The demo's key: the chosen one (KAKAO_GATEWAY_API_KEY), else the one kept from an earlier start while it
    still works for the default account, else a new one (the first start's bootstrap key, or a new `demo` key),
    kept for the next start."""
    if settings.api_key:
        return settings.api_key
    file = demo_key_file(settings.database_url)
    new = gateway.printed.get("api_key")
    if new is None:
        with contextlib.suppress(OSError):
            kept = file.read_text().strip()
            who = await gateway.auth.principal(f"App {kept}") if kept else None
            if who is not None and who.account_id == gateway.default_account_id:
                typer.echo(f"Demo API key (kept in {file}): {kept}")
                return kept
        new = (await accounts.create_key(gateway.ctx, gateway.default_account_id, "demo")).key
        typer.echo(f"New demo API key (kept in {file} for the next start): {new}")
    try:
        file.touch(mode=0o600)
        file.write_text(new + "\n")
    except OSError as exc:
        note(f"Could not keep the demo key in {file} ({exc}); the next start makes a new one.")
    return new


async def _announce(gateway: Gateway, settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    if gateway.printed.get("api_key"):
        typer.echo(f"API key of the default account (shown once): {gateway.printed['api_key']}")
    if gateway.printed.get("admin_key"):
        typer.echo(f"Operator key for /admin/1 (shown once): {gateway.printed['admin_key']}")
    if not settings.demo:
        return
    key = await _demo_key(gateway, settings)
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
    route = await upstreams.kakao_route_of(gateway.ctx, gateway.default_account_id)  # the account's, else the server's
    if route == SANDBOX_ROUTE:
        console.print("[bold]Demo ready.[/bold] Send an Alim message to the sandbox:")
    else:  # the sample goes to a real phone number through a real upstream
        console.print(
            f"[bold]Demo ready.[/bold] The Kakao upstream is {route}, not the sandbox: "
            "the message below would go to a real phone. Replace 821000000001 with your own number.",
            soft_wrap=True,
            highlight=False,
        )
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
    console.print(
        f"Web console: {base}/console (sign in with the key above; the sandbox phone is there too)\n"
        f"API reference: {base}/docs (the whole API, from {base}/openapi.json)",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )


@app.command(help=WORKER_HELP)
def worker(
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    sandbox_latency_ms: SandboxLatencyOpt = None,
    log_level: LogLevelOpt = None,
    log_format: LogFormatOpt = None,
    max_submit_rate: MaxSubmitRateOpt = None,
    max_submit_rate_per_sender: MaxSubmitRatePerSenderOpt = None,
    webhook_allow_private: WebhookAllowPrivateOpt = None,
    link_retention_days: LinkRetentionOpt = None,
    click_retention_days: ClickRetentionOpt = None,
    transcript_retention_days: TranscriptRetentionOpt = None,
    history_retention_days: HistoryRetentionOpt = None,
    stats_retention_days: StatsRetentionOpt = None,
    sms_upstream: SmsUpstreamOpt = None,
    sms_sender: SmsSenderOpt = None,
    kakao_upstream: KakaoUpstreamOpt = None,
) -> None:
    settings = _settings(
        database_url,
        config,
        sandbox_latency_ms=sandbox_latency_ms,
        log_level=log_level,
        log_format=log_format.value if log_format else None,
        api_key=_env("API_KEY"),
        admin_key=_env("ADMIN_KEY"),
        max_submit_rate=max_submit_rate,
        max_submit_rate_per_sender=max_submit_rate_per_sender,
        webhook_allow_private=webhook_allow_private,
        link_retention_days=link_retention_days,
        click_retention_days=click_retention_days,
        transcript_retention_days=transcript_retention_days,
        history_retention_days=history_retention_days,
        stats_retention_days=stats_retention_days,
        sms_upstream=sms_upstream,
        sms_sender=sms_sender,
        kakao_upstream=kakao_upstream,
    )
    _check_upstreams(settings)
    if not database.is_postgres(settings.database_url):
        fail("workers need PostgreSQL", "on SQLite `kakao-gateway serve` runs the engine itself")
    _configure_logging(settings)
    with _database_errors(settings):
        database.migrate(settings.database_url)

    async def run() -> None:
        gateway = Gateway(settings)
        await gateway.start()
        console.print(f"Engine running on {describe_database(settings.database_url)} (Ctrl+C stops it)")
        try:
            await asyncio.Event().wait()
        finally:
            await gateway.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@app.command()
def migrate(database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    """Create the database if needed, run its migrations, and exit."""
    settings = _settings(database_url, config)
    with _database_errors(settings):
        database.migrate(settings.database_url)
    console.print(f"Database is at the latest schema: {describe_database(settings.database_url)}")


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@accounts_app.command("create")
def accounts_create(
    name: Annotated[str, typer.Argument(help="Name of the new account (used in Basic auth as the user).")],
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account (it has no key yet: `keys create --account NAME` makes one)."""
    account = _with_context(_settings(database_url, config), create, lambda ctx: accounts.create_account(ctx, name))
    if as_json:
        print_result(console, {"id": account.id, "name": account.name}, as_json)
        return
    console.print(f"Created account {account.name} ({account.id})")


@accounts_app.command("list")
def accounts_list(
    database_url: DatabaseOpt = None, config: ConfigOpt = None, create: CreateOpt = False, as_json: JsonOpt = False
) -> None:
    """List the accounts."""
    found = _with_context(_settings(database_url, config), create, accounts.list_accounts)
    if as_json:
        print_result(console, [{"id": a.id, "name": a.name} for a in found], as_json)
        return
    table = Table("id", "name")
    for a in found:
        table.add_row(a.id, a.name)
    console.print(table)


@accounts_app.command("sms")
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
        account_id = await _account_id(ctx, account)
        if sender is not None:
            await sms.set_default_sender(ctx, account_id, sender or None)
        if upstream is not None:
            await sms.set_upstream(ctx, account_id, upstream or None)
        return await sms.get_settings(ctx, account_id)

    settings = _settings(database_url, config)
    print_result(console, _with_context(settings, create, work), as_json)


@accounts_app.command("kakao")
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
        account_id = await _account_id(ctx, account)
        if upstream is not None:
            await upstreams.set_upstream(ctx, account_id, "kakao", upstream or None)
        return await upstreams.kakao_settings(ctx, account_id)

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


@keys_app.command("create")
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

    async def work(ctx: Context) -> accounts.NewKey:
        return await accounts.create_key(ctx, await _account_id(ctx, account), name, scope or None)

    key = _with_context(_settings(database_url, config), create, work)
    if as_json:
        print_result(
            console, {"id": key.id, "key": key.key, "scopes": sorted(scope or accounts.DEFAULT_SCOPES)}, as_json
        )
        return
    typer.echo(f"Key {key.id} (shown once): {key.key}")


@keys_app.command("list")
def keys_list(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List the keys of an account (revoked ones too)."""

    async def work(ctx: Context) -> list[accounts.KeyRecord]:
        return await accounts.list_keys(ctx, await _account_id(ctx, account))

    found = _with_context(_settings(database_url, config), create, work)
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


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="Id of the key (`keys list` shows them).")],
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a key: it stops working at once in this process, within seconds in others."""

    async def work(ctx: Context) -> None:
        await accounts.revoke_key(ctx, await _account_id(ctx, account), key_id)

    _with_context(_settings(database_url, config), create, work)
    if as_json:
        print_result(console, {"id": key_id, "revoked": True}, as_json)
        return
    console.print(f"Revoked {key_id}")


@senders_app.command("add")
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

    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.add_sender(ctx, await _account_id(ctx, account), sender, name, targeting_eligible)

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


@senders_app.command("list")
def senders_list(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List the senders of an account."""

    async def work(ctx: Context) -> list[dict[str, Any]]:
        return await catalog.list_senders(ctx, await _account_id(ctx, account))

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


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


def _violations(exc: ValidationError) -> str:
    found = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        found.append(f"{path}: {str(error['msg']).removeprefix('Value error, ')}" if path else str(error["msg"]))
    return "; ".join(found)


@templates_app.command("add")
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
        fail(f"invalid template: {_violations(exc)}", "fix the values and try again")

    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.create_template(ctx, await _account_id(ctx, account), body)

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


@templates_app.command("list")
def templates_list(
    sender: Annotated[str | None, typer.Option(help="Only this sender's templates \\[default: all senders]")] = None,
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List Alim templates with their inspection status."""

    async def work(ctx: Context) -> list[dict[str, Any]]:
        return await catalog.list_templates(ctx, await _account_id(ctx, account), sender)

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


@subs_app.command("set")
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
        fail(f"invalid subscription: {_violations(exc)}", "fix the values and try again")

    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.put_subscriptions(ctx, await _account_id(ctx, account), body)

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


@subs_app.command("show")
def subscriptions_show(
    account: AccountOpt = "default",
    database_url: DatabaseOpt = None,
    config: ConfigOpt = None,
    create: CreateOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the subscriptions of an account."""

    async def work(ctx: Context) -> dict[str, Any]:
        return await catalog.get_subscriptions(ctx, await _account_id(ctx, account))

    print_result(console, _with_context(_settings(database_url, config), create, work), as_json)


register_nhn_commands(templates_app, senders_app, lambda s, w: _with_context(s, False, w), _account_id, _settings)
register_sign_in_commands(app, _with_context, _account_id, _settings)


def main() -> None:
    app()
