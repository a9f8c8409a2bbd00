"""The store port: what the rest of the gateway needs from a database, and the factory for adapters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .sql import Op, T


class Database(Protocol):
    dialect: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def write(self, op: Op[T]) -> T:
        """Run an operation atomically (its own transaction or savepoint)."""
        ...

    async def read(self, op: Op[T]) -> T:
        """Run a read-only operation."""
        ...

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call `callback(payload)` when another process sends a `Notify` on `channel` (no-op where one process
        does all the work)."""
        ...

    async def optimize(self) -> None:
        """Refresh the planner's statistics where the database does not do it by itself."""
        ...


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    for prefix in ("sqlite:///", "sqlite://"):
        if url.startswith(prefix):
            return url[len(prefix) :]
    return url


def open_database(url: str) -> Database:
    if is_postgres_url(url):
        from .postgres import PostgresDatabase

        return PostgresDatabase(url)
    from .sqlite import SqliteDatabase

    return SqliteDatabase(sqlite_path(url))
