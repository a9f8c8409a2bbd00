"""What commands print: human-readable tables and lines by default, or with `--json` the JSON a script reads."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table or lines.")]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _rows(data: Any) -> list[dict[str, Any]] | None:
    """The rows of a list answer: a list of objects, or an object whose `results` is one."""
    if isinstance(data, dict) and set(data) <= {"results", "paging"} and isinstance(data.get("results"), list):
        data = data["results"]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return data
    return None


def print_result(console: Console, data: Any, as_json: bool) -> None:
    """`data` as JSON, or as a table (a list of objects) or `name: value` lines (an object)."""
    if as_json:
        console.print_json(data=data)
        return
    rows = _rows(data)
    if rows is not None:
        if not rows:
            console.print("(none)", highlight=False)
            return
        columns = list(dict.fromkeys(key for row in rows for key in row))
        table = Table(*columns)
        for row in rows:
            table.add_row(*(_cell(row.get(column)) for column in columns))
        console.print(table)
        return
    if isinstance(data, dict):
        width = max((len(str(k)) for k in data), default=0)
        for key, value in data.items():
            console.print(
                f"{str(key) + ':':<{width + 1}} {_cell(value)}", markup=False, highlight=False, soft_wrap=True
            )
        return
    console.print(_cell(data), markup=False, highlight=False, soft_wrap=True)
