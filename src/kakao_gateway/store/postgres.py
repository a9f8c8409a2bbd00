"""PostgreSQL adapter: asyncpg pool, one transaction per operation, SKIP LOCKED claims."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import asyncpg

from .sql import Execute, ExecuteMany, Fetch, InsertMany, Op, Query, T

_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=1024)
def _translate(sql: str) -> str:
    counter = iter(range(1, 10_000))
    sql = sql.replace("{skip_locked}", " FOR UPDATE SKIP LOCKED").replace("{for_update}", " FOR UPDATE")
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def _insert_sql(q: InsertMany) -> str:
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(q.types, start=1))
    conflict = f" ON CONFLICT ({','.join(q.conflict)}) DO NOTHING" if q.conflict else ""
    returning = f" RETURNING {q.returning}" if q.returning else ""
    return f"INSERT INTO {q.table} ({','.join(q.columns)}) SELECT * FROM unnest({arrays}){conflict}{returning}"


async def _run_query(conn: asyncpg.Connection, q: Query) -> Any:
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
    return [r[0] for r in rows] if q.returning else []


async def run_async(conn: asyncpg.Connection, op: Op[T]) -> T:
    try:
        query = next(op)
        while True:
            query = op.send(await _run_query(conn, query))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, dsn: str, *, min_size: int = 2, max_size: int = 10) -> None:
        self.dsn = dsn
        self._min = min_size
        self._max = max_size
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self.dsn, min_size=self._min, max_size=self._max)

    async def close(self) -> None:
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
