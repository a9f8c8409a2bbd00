"""SQLite adapter: one writer thread with group commit and a savepoint per operation, read-only readers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from .sql import UPDATE_CHUNK, Execute, ExecuteMany, Fetch, InsertMany, Notify, Op, Query, T, UpdateMany

log = logging.getLogger(__name__)
_MAX_GROUP = 512

# An operation queued for the writer thread: the op, the future its result settles and the loop that owns it.
_Job = tuple[Op[Any], asyncio.Future[Any], asyncio.AbstractEventLoop]
# What the writer settles a job's future with: (future, loop, result, exception).
_Settlement = tuple[asyncio.Future[Any], asyncio.AbstractEventLoop, Any, BaseException | None]


_INDEX = re.compile(r"\{index:(\w+)\}")
_LOCK = re.compile(r"\{lock:\w+\}")  # one writer: nothing to lock


def _translate(sql: str) -> str:
    sql = _LOCK.sub("", sql.replace("{skip_locked}", "").replace("{for_update}", ""))
    return _INDEX.sub(r"INDEXED BY \1", sql)


def _insert_many(conn: sqlite3.Connection, q: InsertMany) -> list[tuple[Any, ...]]:
    conflict = f" ON CONFLICT ({','.join(q.conflict)}) DO NOTHING" if q.conflict else ""
    sql = f"INSERT INTO {q.table} ({','.join(q.columns)}) VALUES ({','.join('?' * len(q.columns))}){conflict}"
    if not q.returning:
        conn.executemany(sql, q.rows)
        return []
    # executemany drops RETURNING rows, and one statement of many rows parses slowly. With one writer, the rows this
    # statement inserted are those above the table's highest rowid before it (SQLite gives a new row max + 1).
    before = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {q.table}").fetchone()[0]
    conn.executemany(sql, q.rows)
    found = conn.execute(f"SELECT {','.join(q.returning)} FROM {q.table} WHERE rowid > ?", (before,))
    return [tuple(r) for r in found]


def _update_many(conn: sqlite3.Connection, q: UpdateMany) -> list[sqlite3.Row] | int:
    rows: list[sqlite3.Row] = []
    count = 0
    row_marks = "(" + ",".join("?" * len(q.columns)) + ")"
    for start in range(0, len(q.rows), UPDATE_CHUNK):
        chunk = q.rows[start : start + UPDATE_CHUNK]
        sql = f"WITH v({','.join(q.columns)}) AS (VALUES {','.join([row_marks] * len(chunk))}) {q.sql}"
        cursor = conn.execute(_translate(sql), [value for row in chunk for value in row] + list(q.params))
        if q.returns_rows:
            rows.extend(cursor.fetchall())
        else:
            count += cursor.rowcount
    return rows if q.returns_rows else count


def _run_query(conn: sqlite3.Connection, q: Query) -> list[Any] | int | None:
    """What the op receives for `q`: rows (or inserted ids), a count, or nothing."""
    if isinstance(q, Notify):
        return None
    if isinstance(q, UpdateMany):
        return _update_many(conn, q) if q.rows else ([] if q.returns_rows else 0)
    if isinstance(q, Fetch):
        return conn.execute(_translate(q.sql), q.params).fetchall()
    if isinstance(q, Execute):
        return conn.execute(_translate(q.sql), q.params).rowcount
    if isinstance(q, ExecuteMany):
        conn.executemany(_translate(q.sql), q.rows)
        return None
    return _insert_many(conn, q) if q.rows else []


def run_sync(conn: sqlite3.Connection, op: Op[T]) -> T:
    """Drive an operation; a failing statement is thrown into it, so its traceback shows the op's line and the op
    may handle it (a constraint violation, say)."""
    try:
        query = next(op)
        while True:
            try:
                result = _run_query(conn, query)
            except sqlite3.Error as exc:
                query = op.throw(exc)
            else:
                query = op.send(result)
    except StopIteration as stop:
        return cast(T, stop.value)  # StopIteration.value is Any: it carries the op's return value


def _optimize() -> Op[None]:
    # ANALYZE rather than PRAGMA optimize: SQLite 3.40's optimize skips tables that were never analyzed.
    # analysis_limit (see _connect) keeps it to a sample of each index, a few milliseconds at any size.
    yield Execute("ANALYZE")


def _connect(path: str, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA journal_size_limit=67108864")
        conn.execute("PRAGMA analysis_limit=1000")  # bounds the cost of ANALYZE on large tables
    conn.execute("PRAGMA busy_timeout=10000")
    # Page caches large enough for the message indexes (64 MiB writer, 16 MiB per reader): with SQLite's 2 MiB
    # default, random-id inserts into a table of a few hundred thousand rows keep re-reading index pages.
    conn.execute(f"PRAGMA cache_size={-16384 if readonly else -65536}")
    conn.row_factory = sqlite3.Row
    return conn


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()  # None stops the writer
        self._writer: threading.Thread | None = None
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite-reader")
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def start(self) -> None:
        if self._writer is not None:
            return
        conn = _connect(self.path)
        self._writer = threading.Thread(target=self._write_loop, args=(conn,), name="sqlite-writer", daemon=True)
        self._writer.start()

    async def close(self) -> None:
        if self._writer is None:
            return
        self._queue.put(None)
        await asyncio.to_thread(self._writer.join)
        self._writer = None
        self._readers.shutdown(wait=True)
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    async def write(self, op: Op[T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((op, future, loop))
        return await future

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        return None  # one process: the engine is woken directly by whoever queued work

    async def optimize(self) -> None:
        """SQLite gathers planner statistics only when asked: without them the claim and expiry queries could not
        tell a queue of a million scheduled rows from an empty one."""
        await self.write(_optimize())

    async def read(self, op: Op[T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._read, op)

    def _read(self, op: Op[T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, readonly=True)
            self._local.conn = conn
            with self._lock:
                self._reader_conns.append(conn)
        return run_sync(conn, op)

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                group = [item]
                stop = False
                while len(group) < _MAX_GROUP:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop = True
                        break
                    group.append(nxt)
                self._commit_group(conn, group)
                if stop:
                    return
        finally:
            conn.close()

    def _commit_group(self, conn: sqlite3.Connection, group: Sequence[_Job]) -> None:
        outcomes: list[_Settlement] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for op, future, loop in group:
                conn.execute("SAVEPOINT op")
                try:
                    result = run_sync(conn, op)
                except Exception as exc:  # one failing operation never takes the others (or the thread) down
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    outcomes.append((future, loop, None, exc))
                else:
                    conn.execute("RELEASE op")
                    outcomes.append((future, loop, result, None))
            conn.execute("COMMIT")
        except Exception as exc:
            log.exception("SQLite group commit failed")
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            outcomes = [(future, loop, None, exc) for _, future, loop in group]
        for future, loop, result, error in outcomes:
            loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
