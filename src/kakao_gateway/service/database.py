"""The database for processes and one-off commands: migrations, the kind of URL, a Context on a fresh connection."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..clock import Clock
from ..store.database import is_postgres_url, open_database
from ..store.migrate import upgrade
from .context import Context


def migrate(database_url: str) -> None:
    """Bring the schema to the latest revision."""
    upgrade(database_url)


SCHEMES = ("sqlite", "postgresql", "postgres")


def url_problem(database_url: str) -> str | None:
    """Why this database URL cannot be used (an unknown scheme), or None. A string without `://` is a file path."""
    scheme, sep, _ = database_url.partition("://")
    if not sep or scheme.lower() in SCHEMES:
        return None
    return (
        f"unsupported database URL scheme {scheme + '://'!r}: use sqlite:///PATH (or a file path) or postgresql://..."
    )


def is_postgres(database_url: str) -> bool:
    return is_postgres_url(database_url)


@contextlib.asynccontextmanager
async def opened(database_url: str, clock: Clock) -> AsyncIterator[Context]:
    """A Context on a database opened for the duration of the block."""
    db = open_database(database_url)
    await db.start()
    try:
        yield Context(db, clock)
    finally:
        await db.close()
