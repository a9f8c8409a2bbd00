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
