"""What the commands working straight on the database share: settings from flags, environment and file; the
database as people read it; opening it (refusing to make a new SQLite file unless asked); running one use case; the
account a name means. Every refusal ends in one line and exit status 1."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import sqlalchemy.exc

from ..clock import SystemClock
from ..config import ConfigError, Settings, resolve
from ..service import accounts, database
from ..service.context import Context
from ..service.errors import ServiceError
from .errors import fail, note, service_failure

T = TypeVar("T")


def load_settings(database_url: str | None, config: str | None, **overrides: Any) -> Settings:
    """Flags (and the environment, which Typer read with them) over the --config file; a bad file or database URL
    ends the command."""
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


def sqlite_file(database_url: str) -> Path | None:
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
    file = sqlite_file(database_url)
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
    file = sqlite_file(settings.database_url)
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
    with database_errors(settings):
        database.migrate(settings.database_url)


@contextlib.contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """A database that cannot be opened (or migrated) ends the command in one line."""
    try:
        yield
    except (OSError, sqlite3.Error, sqlalchemy.exc.SQLAlchemyError, asyncpg.PostgresError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(
            f"cannot open the database {describe_database(settings.database_url)}: {reason}",
            "check --database-url / KAKAO_GATEWAY_DATABASE_URL",
        )


def with_context(settings: Settings, create: bool, work: Callable[[Context], Awaitable[T]]) -> T:
    """Open the database (see `_open_database`), run one use case, close. Refusals end in one line, exit 1."""
    _open_database(settings, create)

    async def run() -> T:
        async with database.opened(settings.database_url, SystemClock()) as ctx:
            return await work(ctx)

    with database_errors(settings):
        try:
            return asyncio.run(run())
        except ServiceError as exc:
            service_failure(exc)


def for_account(
    database_url: str | None,
    config: str | None,
    create: bool,
    account: str,
    use: Callable[[Context, str], Awaitable[T]],
) -> T:
    """Run one use case of the account named `account` (its id found first, see `account_id`), as `with_context`."""

    async def work(ctx: Context) -> T:
        return await use(ctx, await account_id(ctx, account))

    return with_context(load_settings(database_url, config), create, work)


async def account_id(ctx: Context, name: str) -> str:
    """The id of the account named `name`; the default account is made on first use (without a key: `serve`
    creates and prints one); another name that is not there ends the command."""
    account = await accounts.find_account(ctx, name)
    if account is None and name == accounts.DEFAULT_ACCOUNT:
        account = await accounts.create_account(ctx, name)
    if account is None:
        fail(f"no account named {name!r}", "`kakao-gateway accounts list` shows the accounts of this database")
    return account.id
