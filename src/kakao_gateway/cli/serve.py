"""`kakao-gateway serve`, `worker` and `migrate`: run the gateway (the HTTP API and the engine, or the engine alone)
and bring a database's schema up to date. The root command (cli/__init__.py) registers them."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
from typing import Any

import uvicorn
from rich.console import Console

from ..app import Gateway, create_app
from ..config import Settings
from ..http_server import listen, server_config
from ..logs import configure_logging
from ..service import database, sender_credentials, upstreams
from .demo import announce, with_demo
from .errors import fail, note
from .local import database_errors, describe_database, load_settings
from .options import ConfigOpt, DatabaseOpt
from .settings_options import SETTINGS_NOTE, takes_settings

console = Console()

SERVE_HELP = (
    "Start the HTTP API and the delivery engine in one process (creates the database and runs migrations first)."
    + SETTINGS_NOTE
)
WORKER_HELP = (
    "Run only the delivery engine (no HTTP API). On PostgreSQL, run as many as you like beside `serve` processes: "
    "workers claim rows with leases and SKIP LOCKED and need no other coordination." + SETTINGS_NOTE
)


def _env(name: str) -> str | None:
    return os.environ.get(f"KAKAO_GATEWAY_{name}") or None


def _keys() -> dict[str, str | None]:
    """The keys to bootstrap with: environment only (no flag, so a key never shows in a process list)."""
    return {"api_key": _env("API_KEY"), "admin_key": _env("ADMIN_KEY")}


def _check_upstreams(settings: Settings) -> None:
    for url in (settings.sms_upstream, *settings.sms_fallbacks):
        problem = upstreams.upstream_problem("sms", url)
        if problem is not None:
            fail(f"--sms-upstream: {problem}", 'fix the upstream URL (README, "SMS failover")')
    for url in (settings.kakao_upstream, *settings.kakao_fallbacks):
        problem = upstreams.upstream_problem("kakao", url)
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


@takes_settings(
    "host",
    "port",
    "public_url",
    "max_header_bytes",
    "header_timeout_s",
    "max_connections",
    "logs_rate_limit",
    "database_url",
    "config",
    "engine",
    "max_submit_rate",
    "max_submit_rate_per_sender",
    "kakao_upstream",
    "sms_upstream",
    "upstream_failures",
    "upstream_open_s",
    "sms_sender",
    "webhook_allow_private",
    "link_retention_days",
    "click_retention_days",
    "transcript_retention_days",
    "history_retention_days",
    "stats_retention_days",
    "log_level",
    "log_format",
    "demo",
    "sandbox_latency_ms",
    "template_approval_delay_s",
    "virtual_clock",
)
def serve(given: dict[str, Any], database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    settings = load_settings(database_url, config, **given, **_keys())
    _check_upstreams(settings)
    if not settings.engine and not database.is_postgres(settings.database_url):
        fail("--no-engine needs PostgreSQL", "on SQLite the API and the engine share one process: drop --no-engine")
    listening = _listen(settings)  # before the database and its keys are made: a taken port changes nothing
    with listening:  # closed whatever happens: uvicorn closes it too on its way out
        if settings.demo:
            settings = with_demo(settings)
        _configure_logging(settings)
        note(f"Database: {describe_database(settings.database_url)}")
        with database_errors(settings):
            database.migrate(settings.database_url)
        gateway = Gateway(settings)
        server = uvicorn.Server(server_config(create_app(gateway), settings))
        original_startup = server.startup

        async def startup(sockets: Any = None) -> None:
            await original_startup(sockets)
            await announce(gateway, settings)

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


@takes_settings(
    "database_url",
    "config",
    "sandbox_latency_ms",
    "log_level",
    "log_format",
    "max_submit_rate",
    "max_submit_rate_per_sender",
    "webhook_allow_private",
    "link_retention_days",
    "click_retention_days",
    "transcript_retention_days",
    "history_retention_days",
    "stats_retention_days",
    "sms_upstream",
    "sms_sender",
    "kakao_upstream",
    "upstream_failures",
    "upstream_open_s",
)
def worker(given: dict[str, Any], database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    settings = load_settings(database_url, config, **given, **_keys())
    _check_upstreams(settings)
    if not database.is_postgres(settings.database_url):
        fail("workers need PostgreSQL", "on SQLite `kakao-gateway serve` runs the engine itself")
    _configure_logging(settings)
    with database_errors(settings):
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


def migrate(database_url: DatabaseOpt = None, config: ConfigOpt = None) -> None:
    """Create the database if needed, run its migrations, and exit."""
    settings = load_settings(database_url, config)
    with database_errors(settings):
        database.migrate(settings.database_url)
    console.print(f"Database is at the latest schema: {describe_database(settings.database_url)}")
