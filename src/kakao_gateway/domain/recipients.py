"""A campaign's recipients from a table (a CSV or spreadsheet's rows): which column holds the phone number and which
fill each template variable, and each row as a recipient or a problem. Rows are numbered as a spreadsheet shows them
(the header is row 1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .korean_numbers import to_international

# Header names a phone number column goes by (compared without case and spaces).
DESTINATION_HEADERS = (
    "to",
    "destination",
    "phone",
    "mobile",
    "전화번호",
    "휴대폰",
    "휴대폰번호",
    "핸드폰",
    "연락처",
    "수신번호",
)


@dataclass(frozen=True, slots=True)
class Recipient:
    row: int
    to: str  # international: 821012345678
    values: dict[str, str]  # template variable -> its value


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    problem: str


def _key(name: str) -> str:
    return "".join(name.split()).lower()


def guess_destination(header: Sequence[str]) -> int | None:
    keys = [_key(h) for h in header]
    return next((keys.index(k) for k in DESTINATION_HEADERS if k in keys), None)


def guess_variables(header: Sequence[str], names: Sequence[str]) -> dict[str, int]:
    """Each variable's column: the one named like it (`#{name}` and `name` both match)."""
    keys = [_key(h).removeprefix("#{").removesuffix("}") for h in header]
    return {name: keys.index(_key(name)) for name in names if _key(name) in keys}


def recipients(
    rows: Iterable[Sequence[str]], to_column: int, variables: dict[str, int]
) -> tuple[list[Recipient], list[RowProblem]]:
    """The rows (after the header) as recipients, and the problem of each row that cannot be sent. Blank rows are
    skipped; a number may be typed any way people write it (010-1234-5678, +82 10-…, 1012345678)."""
    found: list[Recipient] = []
    problems: list[RowProblem] = []
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        typed = cells[to_column].strip() if to_column < len(cells) else ""
        to = to_international(typed) if typed else None
        if to is None:
            problems.append(RowProblem(number, f"{typed!r} is no phone number we send to" if typed else "no number"))
            continue
        values: dict[str, str] = {}
        missing = []
        for name, column in variables.items():
            value = cells[column].strip() if column < len(cells) else ""
            if not value:
                missing.append(name)
            values[name] = value
        if missing:
            problems.append(RowProblem(number, f"no value for {', '.join(missing)}"))
            continue
        found.append(Recipient(number, to, values))
    return found, problems
