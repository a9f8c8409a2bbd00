"""Store operations as generators that yield queries and receive their results (sans-I/O).

Each operation is written once and runs unchanged on both adapters: the SQLite writer thread drives it synchronously
inside a savepoint, the PostgreSQL adapter drives it with `await` inside a transaction. SQL uses `?` placeholders and
the `{skip_locked}`, `{for_update}`, `{lock:TABLE}` (PostgreSQL: FOR UPDATE OF TABLE) and `{index:NAME}` tokens;
adapters translate them. `{index:NAME}` after a table name makes SQLite use that index (its planner, even with sampled
statistics, would rather walk every queued row by state than use a partial index); PostgreSQL plans well without it.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, overload

T = TypeVar("T")


class Row(Protocol):
    """A result row as both drivers return it (`sqlite3.Row`, `asyncpg.Record`): values by column name or position.

    The values are whatever the driver decoded, so they are `Any`; decoders give them their types."""

    @overload
    def __getitem__(self, key: str, /) -> Any: ...

    @overload
    def __getitem__(self, key: int, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Fetch:
    """Run one statement and receive its rows (each indexable by column name)."""

    sql: str
    params: Sequence[Any] = ()


@dataclass(frozen=True, slots=True)
class Execute:
    """Run one statement and receive the number of rows it changed."""

    sql: str
    params: Sequence[Any] = ()


@dataclass(frozen=True, slots=True)
class ExecuteMany:
    sql: str
    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True, slots=True)
class InsertMany:
    """Insert many rows; receive the `returning` columns (a tuple each, in no particular order) of the rows actually
    inserted (conflicts skipped), or nothing without them.

    `types` are PostgreSQL type names used to pass the rows as arrays in one statement.
    """

    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: Sequence[Sequence[Any]]
    conflict: tuple[str, ...] = field(default=())
    returning: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class UpdateMany:
    """Update many rows in one statement; receive the rows of `sql`'s RETURNING clause (or the count without one).

    `sql` is an UPDATE whose `FROM v` names the given rows as a table `v` with `columns`, e.g.
    `UPDATE messages SET status_id = v.status_id FROM v WHERE messages.seq = v.seq RETURNING messages.seq`.
    The adapters bind the rows as one `WITH v(columns) AS (...)` (VALUES on SQLite, `unnest` of typed arrays on
    PostgreSQL, where `types` name the column types).
    """

    sql: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: Sequence[Sequence[Any]]
    params: Sequence[Any] = ()  # for `?` placeholders in `sql`, bound after the rows

    @property
    def returns_rows(self) -> bool:
        return " RETURNING " in self.sql.upper()


@dataclass(frozen=True, slots=True)
class Notify:
    """Tell the engines of other processes that work is due (PostgreSQL NOTIFY, sent at commit; a no-op on SQLite,
    whose engine runs in the accepting process and is woken directly)."""

    channel: str = "kakao_gateway"
    payload: str = ""


Query = Fetch | Execute | ExecuteMany | InsertMany | UpdateMany | Notify
Op = Generator[Query, Any, T]

UPDATE_CHUNK = 1000  # rows per UpdateMany statement: under SQLite's 32,766 bound variables for up to 32 columns


def claim_rows(
    table: str,
    pick: str,
    order: str,
    assign: str,
    returning: str,
    pick_params: Sequence[Any],
    limit: int,
    assign_params: Sequence[Any] = (),
) -> Op[list[Any]]:
    """`UPDATE table SET assign` on at most `limit` rows picked by `pick` in `order` (empty: any order); returns
    their `returning` columns (which must include `seq`) in pick order.

    The pick is a statement of its own (`FOR UPDATE SKIP LOCKED` on PostgreSQL: concurrent workers pick disjoint
    rows; the one writer on SQLite), and the update joins the picked rows by primary key alone. Repeating the
    pick's condition in the update (say `state = 'queued'`) let both planners walk every row matching it and
    compare it with the picked ones, a cost that grew with the backlog (1.3 s per claim at 50k finished rows on
    PostgreSQL); as one statement, PostgreSQL could re-run the pick per row and update more than `limit`. With
    nothing due, a claim costs one index probe.
    """
    ordered = f" ORDER BY {order}" if order else ""
    picked = yield Fetch(
        f"SELECT seq FROM {table} WHERE {pick}{ordered} LIMIT ? {{skip_locked}}", (*pick_params, limit)
    )
    return (yield from claim_picked(table, [r["seq"] for r in picked], assign, returning, assign_params))


def claim_picked(
    table: str, seqs: Sequence[int], assign: str, returning: str, assign_params: Sequence[Any] = ()
) -> Op[list[Any]]:
    """The update half of `claim_rows`, for rows a pick of the caller's own found (and locked, on PostgreSQL):
    `UPDATE table SET assign` joined by primary key alone; their `returning` columns in the order of `seqs`."""
    if not seqs:
        return []
    rows = yield UpdateMany(
        f"UPDATE {table} SET {assign} FROM v WHERE {table}.seq = v.v_seq RETURNING {returning}",
        ("v_seq",),
        ("bigint",),
        [(seq,) for seq in seqs],
        assign_params,
    )
    position = {seq: index for index, seq in enumerate(seqs)}
    return sorted(rows, key=lambda r: position[r["seq"]])
