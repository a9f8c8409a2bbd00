"""`kakao-gateway opt-outs import FILE`: an opt-out (do-not-send) list from a file, over the HTTP API of a running
gateway (`POST /kakao/1/opt-outs`).

The file is a CSV whose header names the number column (`destination`, `to`, `phone`, `number`, `mobile`,
`전화번호`, `휴대폰`, `휴대폰번호`, `수신번호`), or a list with one number a line and no header. Numbers may be typed
as people do (`010-1234-5678`, `01012345678`, `+82 10-1234-5678`, `821012345678`, and the leading 0 a spreadsheet
dropped): each becomes the international form the gateway keeps (domain/korean_numbers.py). The file may be UTF-8
or, as Korean Excel saves CSV, CP949. Numbers go in requests of up to 10,000; adding is idempotent, so an interrupted
import is finished by running it again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..domain.korean_numbers import to_international
from .errors import ApiClient, fail, note
from .options import DEFAULT_URL, KeyOpt, UrlOpt
from .progress import ProgressReport

app = typer.Typer(
    help="The account's opt-out (do-not-send) list, over the HTTP API of a running gateway.", no_args_is_help=True
)
console = Console()

MAX_BATCH = 100_000
NUMBER_COLUMNS = ("destination", "to", "phone", "number", "mobile", "전화번호", "휴대폰", "휴대폰번호", "수신번호")
SHOWN_UNREADABLE = 10


@dataclass
class Tally:
    added: int = 0
    already: int = 0
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.added} added · {self.already} already listed · {len(self.unreadable)} unreadable"


def _text(content: bytes, source: str) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    fail(f"{source} is neither UTF-8 nor CP949 text", "save it as CSV (UTF-8)")


def _column(header: list[str]) -> int | None:
    """The number column a header names; None when the first row is no header (it holds a number)."""
    if any(to_international(cell) for cell in header):
        return None
    names = [cell.strip().lower() for cell in header]
    for name in NUMBER_COLUMNS:
        if name in names:
            return names.index(name)
    if len(header) == 1:
        return 0
    fail(
        f"no number column in the header ({', '.join(header)})",
        f"name it one of {', '.join(NUMBER_COLUMNS)}, or give one number a line",
    )


def read_numbers(content: bytes, source: str = "the file") -> tuple[list[str], list[tuple[int, str]]]:
    """The international numbers of a file, each once and in order, and the (line, text) of those that are none."""
    rows = list(csv.reader(io.StringIO(_text(content, source), newline="")))
    if not rows:
        return [], []
    column = _column(rows[0])
    start = 1 if column is not None else 0
    numbers: dict[str, None] = {}
    unreadable: list[tuple[int, str]] = []
    for line, cells in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in cells):
            continue
        cell = cells[column or 0].strip() if len(cells) > (column or 0) else ""
        number = to_international(cell)
        if number is None:
            unreadable.append((line, cell))
        else:
            numbers[number] = None
    return list(numbers), unreadable


def _summary(tally: Tally, total: int, interrupted: bool) -> None:
    console.print(f"[bold]{'Interrupted' if interrupted else 'Done'}[/bold]: {total} numbers read")
    console.print(tally.line(), markup=False, highlight=False)
    for line, text in tally.unreadable[:SHOWN_UNREADABLE]:
        console.print(f"  row {line}: {text!r} is no phone number", markup=False, highlight=False)
    if len(tally.unreadable) > SHOWN_UNREADABLE:
        console.print(f"  … and {len(tally.unreadable) - SHOWN_UNREADABLE} more", markup=False, highlight=False)
    if interrupted:
        console.print("Run the same command again to finish: numbers already listed are not added twice.")


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(help="CSV with a number column, or one number a line.", show_default=False),
    ],
    sender: Annotated[
        str | None,
        typer.Option(help="Only for this sender (Kakao channel) \\[default: all the account's senders]"),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=MAX_BATCH, help="Numbers per request (at most 100,000).")
    ] = 10_000,
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
) -> None:
    """Add every number of a file to the account's opt-out list: Brand messages to them are then refused
    (REJECTED_DND). Shows progress, ends with a summary; exits 1 if a row held no phone number."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file} ({exc.strerror or exc})", "check the file's path")
    numbers, unreadable = read_numbers(content, str(file))
    if not numbers and not unreadable:
        fail(f"{file} has no numbers", "give one number a line, or a CSV with a number column")
    tally = Tally(unreadable=unreadable)
    stopped: typer.Exit | None = None
    note(f"{len(numbers)} numbers from {file}; {url}")
    with ApiClient(url, api_key, timeout=300.0) as api, ProgressReport(console, "opt-outs") as report:
        report.update(0, len(numbers), tally.line())
        try:
            for start in range(0, len(numbers), batch_size):
                body: dict[str, object] = {"destinations": numbers[start : start + batch_size]}
                if sender is not None:
                    body["sender"] = sender
                answer = api.call("POST", "/kakao/1/opt-outs", body=body)
                tally.added += int(answer["added"])
                tally.already += int(answer["alreadyListed"])
                report.update(tally.added + tally.already, len(numbers), tally.line())
        except KeyboardInterrupt:
            stopped = typer.Exit(130)
        except typer.Exit as failed:
            stopped = failed
    _summary(tally, len(numbers), stopped is not None)
    if stopped is not None:
        raise stopped
    if unreadable:
        raise typer.Exit(1)
