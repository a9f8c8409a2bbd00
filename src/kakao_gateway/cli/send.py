"""`kakao-gateway send alim --csv FILE`: an Alim campaign from a CSV file, over the HTTP API of a running gateway.

Each row is one message: its `destination` column (or `to`) is the phone number, as people type it (`010-1234-5678`,
`01012345678`, `+82 10-1234-5678`, `82-10-1234-5678`: sent as `821012345678`), and the other columns fill the
approved template's `#{variables}` (in the text, the title and the buttons). The file is UTF-8 (with or without a
BOM) or, failing that, CP949/EUC-KR as Korean Excel saves it; `--encoding` names another. Rows go in requests of up
to 10,000 messages, all under one bulkId. Ids are deterministic, so an interrupted run is resumed by running the same
command again: the run id is `--run-id` or derived from the file's content, the bulkId is `csv-<run id>`, and each
row's messageId is derived from the run id, the row's number and the row's content. Rows the gateway handled before
are answered REJECTED_DUPLICATE_MESSAGE_ID: the summary counts those it accepted as "already sent" and those it
rejected (read from the bulk's logs) as rejected again, so a run exits 1 while any row of the file is rejected.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..domain.korean_numbers import to_international
from ..domain.templates import alim_content, placeholders
from .errors import ApiClient, fail, note
from .options import DEFAULT_URL, KeyOpt, UrlOpt
from .progress import ProgressReport

app = typer.Typer(help="Send messages over the HTTP API of a running gateway.", no_args_is_help=True)
console = Console()

MAX_BATCH = 10_000
DESTINATION_COLUMNS = ("destination", "to")
DUPLICATE = "REJECTED_DUPLICATE_MESSAGE_ID"
SHOWN_REJECTIONS = 10
LOG_PAGE = 1000  # the logs' largest page
DETECTED = ("utf-8-sig", "cp949")  # UTF-8, with or without a BOM; else what Korean Excel saves (a superset of EUC-KR)


@dataclass
class Tally:
    accepted: int = 0
    already_sent: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_before: int = 0  # of the rejected: rows an earlier run with the same ids sent and the gateway rejected
    examples: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.accepted + self.already_sent + sum(self.rejected.values())

    def reject(self, status: dict[str, Any], row: Row | None, before: bool = False) -> None:
        name = str(status.get("name", "?"))
        self.rejected[f"{name}: {status.get('description', '')}".rstrip(": ")] += 1
        self.rejected_before += before
        if row is not None and len(self.examples) < SHOWN_REJECTIONS:
            earlier = " (in an earlier run)" if before else ""
            self.examples.append(f"row {row.number} ({row.destination or 'no destination'}): {name}{earlier}")

    def line(self) -> str:
        return f"{self.accepted} accepted · {self.already_sent} already sent · {sum(self.rejected.values())} rejected"


@dataclass(frozen=True)
class Row:
    number: int  # 1 = the first row after the header
    destination: str
    values: dict[str, str]
    message_id: str


def run_id_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def message_id(run_id: str, number: int, cells: list[str]) -> str:
    digest = hashlib.sha256(json.dumps([run_id, number, cells], ensure_ascii=False).encode()).hexdigest()
    return f"csv-{digest[:32]}"


def decoded(content: bytes, encoding: str | None, source: str) -> str:
    """The file's text: in `encoding` when given, else UTF-8 (strictly, with or without a BOM) or else CP949."""
    if encoding is None:
        for name in DETECTED:
            try:
                return content.decode(name)
            except UnicodeDecodeError:
                continue
        fail(
            f"{source} is neither UTF-8 nor CP949/EUC-KR", "save it as UTF-8 CSV, or name its encoding with --encoding"
        )
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        fail(f"unknown encoding {encoding!r}", "use --encoding utf-8, cp949 or euc-kr (or leave it out to detect)")
    try:
        return content.decode("utf-8-sig" if codec.name == "utf-8" else codec.name)
    except UnicodeDecodeError as exc:
        fail(f"{source} is not {encoding} ({exc.reason} at byte {exc.start})", "check --encoding, or leave it out")


def destination_of(typed: str) -> str:
    """The number to send to: the international form of what was typed, or the text itself (the gateway then
    rejects that row as REJECTED_DESTINATION, and the summary names it)."""
    return to_international(typed) or typed


def read_rows(text: str, run_id: str, needed: list[str], source: str) -> list[Row]:
    """The CSV's rows, checked for the destination column and a column per template variable."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    destination = next((c for c in DESTINATION_COLUMNS if c in header), None)
    if destination is None:
        fail(f"{source} has no 'destination' column", "name the phone number column 'destination' (or 'to')")
    missing = [v for v in needed if v not in header]
    if missing:
        fail(
            f"{source} has no column for the template variable(s) {', '.join(missing)}",
            f"add columns named {', '.join(missing)} (the header now has {', '.join(header)})",
        )
    rows = []
    for number, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue  # blank lines are not recipients
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}
        to = destination_of(values[destination].strip())
        rows.append(Row(number, to, values, message_id(run_id, number, cells)))
    return rows


def _template(api: ApiClient, sender: str, code: str) -> dict[str, Any]:
    senders = api.call("GET", "/kakao/1/senders")
    if sender not in {s.get("sender") for s in senders.get("results", [])}:
        fail(
            f"unknown sender {sender!r} (not registered on this account)",
            f"register it with `kakao-gateway senders add {sender} NAME`, or check --sender",
        )
    template: dict[str, Any] = api.call(
        "GET",
        f"/kakao-alim/1/templates/{code}",
        params={"sender": sender},
        missing=(
            f"unknown template {code!r} of sender {sender!r}",
            f"`kakao-gateway templates list --sender {sender}` shows its templates; check --template",
        ),
    )
    if template.get("status") != "APPROVED":
        fail(
            f"template {code!r} is {template.get('status')}, not APPROVED",
            "send once its inspection has passed (`kakao-gateway templates list` shows its status)",
        )
    return template


def _message(template: dict[str, Any], sender: str, row: Row, campaign: str) -> dict[str, Any]:
    return {
        "sender": sender,
        "destinations": [{"to": row.destination, "messageId": row.message_id}],
        "content": alim_content(template, row.values),
        "options": {"campaignReferenceId": campaign},
    }


class EarlierRejections:
    """The rows of a bulk the gateway rejected (messageId -> status), from its logs: read once, when a row is first
    answered as a duplicate, so that a re-run reports them as rejected, not as already sent."""

    def __init__(self, api: ApiClient, bulk_id: str) -> None:
        self.api = api
        self.bulk_id = bulk_id
        self._found: dict[str, dict[str, Any]] | None = None

    def get(self, message_id: str) -> dict[str, Any] | None:
        if self._found is None:
            self._found = self._read()
        return self._found.get(message_id)

    def _read(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        params = {"bulkId": self.bulk_id, "generalStatus": "REJECTED", "limit": str(LOG_PAGE), "useCursor": "true"}
        while True:
            page = self.api.call("GET", "/kakao-alim/1/logs", params=params)
            for entry in page.get("results", []):
                found[str(entry.get("messageId"))] = entry.get("status") or {}
            cursor = (page.get("cursor") or {}).get("nextCursor")
            if not cursor:
                return found
            params["cursor"] = cursor


def _count(answer: dict[str, Any], batch: list[Row], tally: Tally, earlier: EarlierRejections) -> None:
    by_id = {row.message_id: row for row in batch}
    for result in answer.get("messages", []):
        status = result.get("status") or {}
        message = str(result.get("messageId"))
        if status.get("groupName") == "PENDING":
            tally.accepted += 1
        elif status.get("name") != DUPLICATE:
            tally.reject(status, by_id.get(message))
        elif (before := earlier.get(message)) is not None:
            tally.reject(before, by_id.get(message), before=True)
        else:
            tally.already_sent += 1


def _summary(tally: Tally, bulk_id: str, run_id: str, total: int, interrupted: bool) -> None:
    console.print(f"[bold]{'Interrupted' if interrupted else 'Done'}[/bold]: {tally.done} of {total} rows answered")
    console.print(f"  accepted:     {tally.accepted}")
    console.print(f"  already sent: {tally.already_sent} (accepted in an earlier run with the same ids)")
    before = f" ({tally.rejected_before} of them in an earlier run)" if tally.rejected_before else ""
    console.print(f"  rejected:     {sum(tally.rejected.values())}{before}")
    for reason, count in tally.rejected.most_common():
        console.print(f"    {count} × {reason}", markup=False, highlight=False)
    for example in tally.examples:
        console.print(f"    {example}", markup=False, highlight=False)
    console.print(f"  bulkId:       {bulk_id}", markup=False, highlight=False)
    if interrupted or tally.done < total:
        console.print(
            f"Resume with the same command (same file, --run-id {run_id}): rows already accepted are not sent again.",
            markup=False,
            highlight=False,
        )
    elif tally.rejected:
        console.print(
            f"Fix the rejected rows and run again with --run-id {run_id}: a changed row is sent, the others are not "
            "sent twice.",
            markup=False,
            highlight=False,
        )


@app.command("alim")
def alim(
    csv_file: Annotated[
        Path,
        typer.Option(
            "--csv",
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV file with a header: 'destination' (or 'to') and one column per template variable.",
        ),
    ],
    template: Annotated[str, typer.Option("--template", help="templateCode of an APPROVED Alim template.")],
    sender: Annotated[str, typer.Option("--sender", help="Sender the template belongs to.")],
    run_id: Annotated[
        str | None,
        typer.Option(
            "--run-id",
            help="Names this run: bulkId csv-<run id>, and the messageIds. Run again with the same id to resume "
            "\\[default: derived from the file's content]",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=MAX_BATCH, help="Messages per request (at most 10,000).")
    ] = MAX_BATCH,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="The file's encoding (utf-8, cp949, euc-kr, …) \\[default: UTF-8, else CP949/EUC-KR as Korean "
            "Excel saves it]",
        ),
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
) -> None:
    """Send an Alim campaign from a CSV file: one message per row, the approved template's text with #{variables}
    filled from the row; numbers as people type them (010-1234-5678) are sent as 821012345678. Shows progress, ends
    with a summary; exits 1 if any row was rejected, in this run or an earlier one. Interrupted? Run the same command
    again: rows already accepted are counted as already sent, not sent twice."""
    content = csv_file.read_bytes()
    run = run_id or run_id_of(content)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", run):
        fail(f"invalid --run-id {run!r}", "use 1 to 80 letters, digits, dots, dashes or underscores")
    bulk_id = f"csv-{run}"
    with ApiClient(url, api_key, timeout=300.0) as api:
        found = _template(api, sender, template)
        rows = read_rows(decoded(content, encoding, str(csv_file)), run, placeholders(found), str(csv_file))
        if not rows:
            fail(f"{csv_file} has no rows after its header", "add one row per recipient")
        note(f"{len(rows)} rows from {csv_file}; bulkId {bulk_id}; {url}")
        tally = Tally()
        earlier = EarlierRejections(api, bulk_id)
        stopped: typer.Exit | None = None
        with ProgressReport(console, bulk_id) as report:
            report.update(0, len(rows), tally.line())
            try:
                for start in range(0, len(rows), batch_size):
                    batch = rows[start : start + batch_size]
                    body = {
                        "messages": [_message(found, sender, row, bulk_id) for row in batch],
                        "options": {"schedule": {"bulkId": bulk_id}},
                    }
                    _count(api.call("POST", "/kakao-alim/1/messages", body=body), batch, tally, earlier)
                    report.update(tally.done, len(rows), tally.line())
            except KeyboardInterrupt:
                stopped = typer.Exit(130)
            except typer.Exit as failed:  # the gateway went away or refused: its line is printed, then the summary
                stopped = failed
    _summary(tally, bulk_id, run, len(rows), stopped is not None)
    if stopped is not None:
        raise stopped
    if tally.rejected:
        raise typer.Exit(1)
