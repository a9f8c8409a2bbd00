"""PostgreSQL adapter: asyncpg pool, one transaction per operation, SKIP LOCKED claims."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from .sql import UPDATE_CHUNK, Execute, ExecuteMany, Fetch, InsertMany, Notify, Op, Query, T, UpdateMany

_PLACEHOLDER = re.compile(r"\?")
_INDEX = re.compile(r"\{index:\w+\}")
_LOCK = re.compile(r"\{lock:(\w+)\}")
# A connection of its own (the listener) or one borrowed from the pool: both run the statements of an op.
_Connection = asyncpg.Connection | PoolConnectionProxy


@lru_cache(maxsize=1024)
def _translate(sql: str, first: int = 1) -> str:
    counter = iter(range(first, 10_000))
    sql = sql.replace("{skip_locked}", " FOR UPDATE SKIP LOCKED").replace("{for_update}", " FOR UPDATE")
    sql = _LOCK.sub(r" FOR UPDATE OF \1", _INDEX.sub("", sql))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def _insert_sql(q: InsertMany) -> str:
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(q.types, start=1))
    conflict = f" ON CONFLICT ({','.join(q.conflict)}) DO NOTHING" if q.conflict else ""
    returning = f" RETURNING {', '.join(q.returning)}" if q.returning else ""
    return f"INSERT INTO {q.table} ({','.join(q.columns)}) SELECT * FROM unnest({arrays}){conflict}{returning}"


@lru_cache(maxsize=256)
def _update_sql(q_sql: str, columns: tuple[str, ...], types: tuple[str, ...]) -> str:
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, start=1))
    values = f"WITH v({','.join(columns)}) AS (SELECT * FROM unnest({arrays})) "
    return values + _translate(q_sql, len(types) + 1)


async def _update_many(conn: _Connection, q: UpdateMany) -> list[asyncpg.Record] | int:
    sql = _update_sql(q.sql, q.columns, q.types)
    rows: list[asyncpg.Record] = []
    count = 0
    for start in range(0, len(q.rows), UPDATE_CHUNK):
        arrays = [list(col) for col in zip(*q.rows[start : start + UPDATE_CHUNK], strict=True)]
        if q.returns_rows:
            rows.extend(await conn.fetch(sql, *arrays, *q.params))
        else:
            status = await conn.execute(sql, *arrays, *q.params)
            count += int(status.rsplit(" ", 1)[-1])
    return rows if q.returns_rows else count


async def _run_query(conn: _Connection, q: Query) -> list[Any] | int | None:
    """What the op receives for `q`: rows (or inserted ids), a count, or nothing."""
    if isinstance(q, Notify):
        await conn.execute("SELECT pg_notify($1, $2)", q.channel, q.payload)
        return None
    if isinstance(q, UpdateMany):
        return await _update_many(conn, q) if q.rows else ([] if q.returns_rows else 0)
    if isinstance(q, Fetch):
        return await conn.fetch(_translate(q.sql), *q.params)
    if isinstance(q, Execute):
        status = await conn.execute(_translate(q.sql), *q.params)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0
    if isinstance(q, ExecuteMany):
        if q.rows:
            await conn.executemany(_translate(q.sql), q.rows)
        return None
    if not q.rows:
        return []
    columns = [list(col) for col in zip(*q.rows, strict=True)]
    rows = await conn.fetch(_insert_sql(q), *columns)
    return [tuple(r) for r in rows] if q.returning else []


async def run_async(conn: _Connection, op: Op[T]) -> T:
    """Drive an operation; a failing statement is thrown into it (see sqlite.run_sync). An op that handles the
    error must not go on in the same transaction: PostgreSQL has aborted it."""
    try:
        query = next(op)
        while True:
            try:
                result = await _run_query(conn, query)
            except asyncpg.PostgresError as exc:
                query = op.throw(exc)
            else:
                query = op.send(result)
    except StopIteration as stop:
        return cast(T, stop.value)  # StopIteration.value is Any: it carries the op's return value


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 10) -> None:
        self.dsn = dsn
        self._min = min_size
        self._max = max_size
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self.dsn, min_size=self._min, max_size=self._max)

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """One connection of its own receives NOTIFY; if it drops, the engine's polling still finds the work."""
        if self._listener is None:
            self._listener = await asyncpg.connect(self.dsn)
        await self._listener.add_listener(channel, lambda _conn, _pid, _channel, payload: callback(payload))

    async def optimize(self) -> None:
        return None  # autovacuum keeps the statistics

    async def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _require_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database not started")
        return self._pool

    async def write(self, op: Op[T]) -> T:
        async with self._require_pool().acquire() as conn, conn.transaction():
            return await run_async(conn, op)

    async def read(self, op: Op[T]) -> T:
        async with self._require_pool().acquire() as conn:
            return await run_async(conn, op)
