"""`kakao-gateway send alim --csv FILE`: an Alim campaign from a CSV file, over the HTTP API of a running gateway.

Each row is one message: its `destination` column (or `to`) is the phone number, and the other columns fill the
approved template's `#{variables}` (in the text, the title and the buttons). Rows go in requests of up to 10,000
messages, all under one bulkId. Ids are deterministic, so an interrupted run is resumed by running the same command
again: the run id is `--run-id` or derived from the file's content, the bulkId is `csv-<run id>`, and each row's
messageId is derived from the run id, the row's number and the row's content. Rows the gateway accepted before are
answered REJECTED_DUPLICATE_MESSAGE_ID, which the summary counts as "already sent".
"""

from __future__ import annotations

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

from .cli_bulks import DEFAULT_URL, KeyOpt, UrlOpt
from .cli_errors import ApiClient, fail, note
from .cli_progress import ProgressReport
from .domain.templates import variables

app = typer.Typer(help="Send messages over the HTTP API of a running gateway.", no_args_is_help=True)
console = Console()

MAX_BATCH = 10_000
DESTINATION_COLUMNS = ("destination", "to")
DUPLICATE = "REJECTED_DUPLICATE_MESSAGE_ID"
SHOWN_REJECTIONS = 10
_VARIABLE = re.compile(r"#\{([^}]*)\}")


@dataclass
class Tally:
    accepted: int = 0
    already_sent: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.accepted + self.already_sent + sum(self.rejected.values())

    def line(self) -> str:
        return f"{self.accepted} accepted · {self.already_sent} already sent · {sum(self.rejected.values())} rejected"


@dataclass(frozen=True)
class Row:
    number: int  # 1 = the first row after the header
    destination: str
    values: dict[str, str]
    message_id: str


def fill(pattern: str, values: dict[str, str]) -> str:
    """`#{name}` replaced by the row's value (a placeholder without a column stays as it is)."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)


def run_id_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def message_id(run_id: str, number: int, cells: list[str]) -> str:
    digest = hashlib.sha256(json.dumps([run_id, number, cells], ensure_ascii=False).encode()).hexdigest()
    return f"csv-{digest[:32]}"


def read_rows(content: bytes, run_id: str, needed: list[str], source: str) -> list[Row]:
    """The CSV's rows, checked for the destination column and a column per template variable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{source} is not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8 CSV")
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
        to = values[destination].strip()
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


def _placeholders(template: dict[str, Any]) -> list[str]:
    texts = [template["text"], template.get("title") or ""]
    for button in template.get("buttons") or []:
        texts.extend(str(v) for v in button.values() if isinstance(v, str))
    found: list[str] = []
    for text in texts:
        found.extend(v for v in variables(text) if v not in found)
    return found


def _message(template: dict[str, Any], sender: str, row: Row, campaign: str) -> dict[str, Any]:
    content: dict[str, Any] = {
        "type": "TEMPLATE",
        "templateCode": template["templateCode"],
        "text": fill(template["text"], row.values),
    }
    if template.get("title"):
        content["title"] = fill(template["title"], row.values)
    if template.get("buttons"):
        content["buttons"] = [
            {k: fill(v, row.values) if isinstance(v, str) else v for k, v in b.items()} for b in template["buttons"]
        ]
    return {
        "sender": sender,
        "destinations": [{"to": row.destination, "messageId": row.message_id}],
        "content": content,
        "options": {"campaignReferenceId": campaign},
    }


def _count(answer: dict[str, Any], batch: list[Row], tally: Tally) -> None:
    by_id = {row.message_id: row for row in batch}
    for result in answer.get("messages", []):
        status = result.get("status") or {}
        name = str(status.get("name", "?"))
        if status.get("groupName") == "PENDING":
            tally.accepted += 1
        elif name == DUPLICATE:
            tally.already_sent += 1
        else:
            reason = f"{name}: {status.get('description', '')}".rstrip(": ")
            tally.rejected[reason] += 1
            row = by_id.get(str(result.get("messageId")))
            if row is not None and len(tally.examples) < SHOWN_REJECTIONS:
                tally.examples.append(f"row {row.number} ({row.destination or 'no destination'}): {name}")


def _summary(tally: Tally, bulk_id: str, run_id: str, total: int, interrupted: bool) -> None:
    console.print(f"[bold]{'Interrupted' if interrupted else 'Done'}[/bold]: {tally.done} of {total} rows answered")
    console.print(f"  accepted:     {tally.accepted}")
    console.print(f"  already sent: {tally.already_sent} (handled by an earlier run with the same ids)")
    console.print(f"  rejected:     {sum(tally.rejected.values())}")
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
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
) -> None:
    """Send an Alim campaign from a CSV file: one message per row, the approved template's text with #{variables}
    filled from the row. Shows progress, ends with a summary; exits 1 if any row was rejected. Interrupted? Run the
    same command again: rows already accepted are counted as already sent, not sent twice."""
    content = csv_file.read_bytes()
    run = run_id or run_id_of(content)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,80}", run):
        fail(f"invalid --run-id {run!r}", "use 1 to 80 letters, digits, dots, dashes or underscores")
    bulk_id = f"csv-{run}"
    with ApiClient(url, api_key, timeout=300.0) as api:
        found = _template(api, sender, template)
        rows = read_rows(content, run, _placeholders(found), str(csv_file))
        if not rows:
            fail(f"{csv_file} has no rows after its header", "add one row per recipient")
        note(f"{len(rows)} rows from {csv_file}; bulkId {bulk_id}; {url}")
        tally = Tally()
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
                    _count(api.call("POST", "/kakao-alim/1/messages", body=body), batch, tally)
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
