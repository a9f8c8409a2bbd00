"""Store operations as generators that yield queries and receive their results (sans-I/O).

Each operation is written once and runs unchanged on both adapters: the SQLite writer thread drives it
synchronously inside a savepoint, the PostgreSQL adapter drives it with `await` inside a transaction.
SQL uses `?` placeholders and the `{skip_locked}` and `{for_update}` tokens; adapters translate them.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fetch:
    """Run one statement and receive its rows (each indexable by position and by column name)."""

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
    """Insert many rows; receive the `returning` column of the rows actually inserted (conflicts skipped).

    `types` are PostgreSQL type names used to pass the rows as arrays in one statement.
    """

    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: Sequence[Sequence[Any]]
    conflict: tuple[str, ...] = field(default=())
    returning: str | None = None


Query = Fetch | Execute | ExecuteMany | InsertMany
Op = Generator[Query, Any, T]


def claim_sql(table: str, pick: str, order: str, assign: str, guard: str, returning: str) -> str:
    """`UPDATE table SET assign` on at most `?` rows picked by `pick` in `order`, still matching `guard`.

    The picked rows are a MATERIALIZED CTE: with `UPDATE … WHERE seq IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`
    PostgreSQL may re-run the subquery per outer row and update far more than n rows. Parameters: those of `pick`,
    the limit, those of `assign`, those of `guard`.
    """
    return (
        f"WITH picked AS MATERIALIZED (SELECT seq FROM {table} WHERE {pick} ORDER BY {order} LIMIT ? {{skip_locked}}) "
        f"UPDATE {table} SET {assign} WHERE seq IN (SELECT seq FROM picked) AND {guard} RETURNING {returning}"
    )
