"""Campaigns from the console: a recipient file (CSV in UTF-8 or CP949/EUC-KR, as Korean Excel saves it, or an Excel
workbook) uploaded and kept, its columns mapped to the phone number and to an approved Alim template's variables,
then sent as one bulk through the same send path as `POST /kakao-alim/1/messages`."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from ..domain.recipients import Recipient, RowProblem, guess_destination, guess_variables, recipients
from ..domain.rollups import DAY_MS
from ..domain.templates import alim_content, placeholders
from ..schemas.alim import AlimRequest
from ..store import campaigns as store
from ..store.campaigns import Campaign as Campaign
from . import alim, bulks, catalog
from .context import Context
from .errors import Conflict, InvalidRequest, NotFound

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_ROWS = 100_000  # a send request's limit
MAX_COLUMNS = 256
MAX_BLANK_ROWS = 10_000  # blank rows tolerated between recipients
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
KEEP_UNSENT_MS = 7 * DAY_MS
ENCODINGS = ("utf-8-sig", "cp949")  # UTF-8 with or without a BOM, else what Korean Excel saves (EUC-KR's superset)


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    rows: list[list[str]]  # after the header, blank ones included (row numbers are positions)
    filled: int  # rows that are not blank: the recipients at most


def _cell(value: Any) -> str:
    """A spreadsheet cell as text: a whole number without `.0` (a phone number typed as a number), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _unpacked_size(content: bytes) -> int:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidRequest([("file", "not a readable Excel workbook")]) from None


def _xlsx(content: bytes) -> list[list[str]]:
    """The first sheet's rows, at most MAX_ROWS + 1 of them and MAX_COLUMNS wide. A workbook's own word on its size
    (its dimension) is not trusted, nor is a zip that would unpack to more than MAX_UNPACKED_BYTES."""
    if _unpacked_size(content) > MAX_UNPACKED_BYTES:
        raise InvalidRequest([("file", "the workbook unpacks to more than 256 MB: save fewer rows or columns")])
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # read the cells there are, not the size the file claims
            rows: list[list[str]] = []
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                rows.append([_cell(v) for v in values])
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        finally:
            book.close()
    except InvalidRequest:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, SyntaxError, OSError) as exc:
        # ElementTree's ParseError is a SyntaxError: a sheet of broken XML
        raise InvalidRequest([("file", f"not a readable Excel workbook ({exc.__class__.__name__})")]) from None


def _csv(content: bytes) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        rows: list[list[str]] = []
        try:
            for cells in csv.reader(io.StringIO(text, newline="")):
                rows.append(cells[:MAX_COLUMNS])
                if len(rows) > MAX_ROWS + 1 + MAX_BLANK_ROWS:
                    break
        except csv.Error as exc:
            raise InvalidRequest([("file", f"not a readable CSV file (line {len(rows) + 1}: {exc})")]) from None
        return rows
    raise InvalidRequest([("file", "a CSV file must be UTF-8 or CP949 (EUC-KR), as Excel saves it")])


def read_table(content: bytes) -> Table:
    """The file's first sheet (an .xlsx) or its rows (a CSV): the header and the rows after it, blank ones kept so
    that rows are numbered as a spreadsheet shows them."""
    if not content:
        raise InvalidRequest([("file", "choose a CSV or Excel (.xlsx) file")])
    if len(content) > MAX_FILE_BYTES:
        raise InvalidRequest([("file", f"must be at most {MAX_FILE_BYTES // (1024 * 1024)} MB")])
    rows = _xlsx(content) if content.startswith(b"PK\x03\x04") else _csv(content)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()  # trailing blank lines
    filled = sum(1 for r in rows[1:] if any(c.strip() for c in r))
    if not rows or filled == 0:
        raise InvalidRequest([("file", "needs a header row and at least one recipient")])
    if filled > MAX_ROWS or len(rows) > MAX_ROWS + 1 + MAX_BLANK_ROWS:
        raise InvalidRequest([("file", f"holds more than {MAX_ROWS:,} recipients: split it")])
    header = [h.strip() for h in rows[0]]
    return Table(header, rows[1:], filled)


async def upload(ctx: Context, account_id: str, file_name: str, content: bytes) -> str:
    """Keep an uploaded recipient file (read once, to refuse a broken one now); returns the campaign's id."""
    table = await asyncio.to_thread(read_table, content)
    now = ctx.clock.now_ms()
    campaign_id = ctx.ids.message_id(now)
    await ctx.db.write(store.purge_unsent(account_id, now - KEEP_UNSENT_MS))
    await ctx.db.write(store.add(campaign_id, account_id, file_name[:200] or "recipients", content, table.filled, now))
    return campaign_id


@dataclass(frozen=True, slots=True)
class Draft:
    campaign: Campaign
    table: Table | None  # None once sent


async def draft(ctx: Context, account_id: str, campaign_id: str) -> Draft:
    found = await ctx.db.read(store.get(account_id, campaign_id))
    if found is None:
        raise NotFound("campaign not found", "campaignId")
    campaign, content = found
    table = await asyncio.to_thread(read_table, content) if content is not None else None
    return Draft(campaign, table)


async def recent(ctx: Context, account_id: str, limit: int = 50) -> list[Campaign]:
    return await ctx.db.read(store.recent(account_id, limit))


@dataclass(frozen=True, slots=True)
class Mapping:
    """How the table's columns feed the messages (column indexes), and the send's options."""

    sender: str
    template_code: str
    to_column: int | None
    variable_columns: dict[str, int]
    send_at: str | None = None  # ISO-8601 with an offset
    speed: tuple[int, str] | None = None  # (amount, MINUTE | HOUR | DAY)
    campaign_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What a mapping makes of the table: the template's variables, the columns guessed or chosen, and the rows."""

    template: dict[str, Any]
    variables: list[str]
    to_column: int | None
    variable_columns: dict[str, int]
    recipients: list[Recipient]
    problems: list[RowProblem]
    unmapped: list[str] = field(default_factory=list)  # variables no column fills yet

    def preview(self) -> dict[str, Any] | None:
        """The first recipient's message content."""
        return alim_content(self.template, self.recipients[0].values) if self.recipients else None


async def plan(ctx: Context, account_id: str, table: Table, mapping: Mapping) -> Plan:
    template = await catalog.get_template(ctx, account_id, mapping.sender, mapping.template_code)
    names = placeholders(template)
    to_column = mapping.to_column if mapping.to_column is not None else guess_destination(table.header)
    columns = {**guess_variables(table.header, names), **mapping.variable_columns}
    columns = {n: c for n, c in columns.items() if n in names and 0 <= c < len(table.header)}
    if to_column is None or not 0 <= to_column < len(table.header):
        return Plan(template, names, None, columns, [], [])
    unmapped = [n for n in names if n not in columns]
    if unmapped:
        return Plan(template, names, to_column, columns, [], [], unmapped)
    found, problems = await asyncio.to_thread(recipients, table.rows, to_column, columns)
    return Plan(template, names, to_column, columns, found, problems)


def _body(campaign_id: str, mapping: Mapping, p: Plan) -> dict[str, Any]:
    message_options = {"campaignReferenceId": mapping.campaign_ref} if mapping.campaign_ref else None
    messages = []
    for r in p.recipients:
        message: dict[str, Any] = {
            "sender": mapping.sender,
            "destinations": [{"to": r.to, "messageId": f"{campaign_id}-{r.row}"}],
            "content": alim_content(p.template, r.values),
        }
        if message_options:
            message["options"] = message_options
        messages.append(message)
    schedule: dict[str, Any] = {"bulkId": f"campaign-{campaign_id}"}
    if mapping.send_at:
        schedule["sendAt"] = mapping.send_at
    if mapping.speed:
        schedule["sendingSpeedLimit"] = {"amount": mapping.speed[0], "timeUnit": mapping.speed[1]}
    return {"messages": messages, "options": {"schedule": schedule}}


async def _request(ctx: Context, account_id: str, campaign_id: str, mapping: Mapping) -> tuple[Plan, AlimRequest]:
    """The send request a campaign makes under `mapping`, checked as the API checks one."""
    d = await draft(ctx, account_id, campaign_id)
    if d.table is None:
        raise Conflict("this campaign was sent already", "campaignId")
    p = await plan(ctx, account_id, d.table, mapping)
    if p.template.get("status") != "APPROVED":
        raise InvalidRequest([("templateCode", f"the template is {p.template.get('status')}, not APPROVED")])
    if p.to_column is None:
        raise InvalidRequest([("to", "choose the column of phone numbers")])
    if p.unmapped:
        raise InvalidRequest([(f"var_{name}", "choose the column that fills it") for name in p.unmapped])
    if not p.recipients:
        told = "; ".join(f"row {x.row}: {x.problem}" for x in p.problems[:3])
        raise InvalidRequest([("file", f"no row can be sent: {told}")])
    body = _body(campaign_id, mapping, p)
    try:
        request = await asyncio.to_thread(AlimRequest.model_validate, body, context={"now_ms": ctx.clock.now_ms()})
    except ValidationError as exc:
        raise InvalidRequest([(_where(e["loc"]), e["msg"]) for e in exc.errors()[:5]]) from None
    return p, request


async def dry_run(ctx: Context, account_id: str, campaign_id: str, mapping: Mapping) -> dict[str, Any]:
    """When the campaign would leave, without sending (`POST /kakao/1/bulks/plan`'s answer)."""
    _, request = await _request(ctx, account_id, campaign_id, mapping)
    return await bulks.plan(ctx, account_id, request)


async def send(ctx: Context, account_id: str, campaign_id: str, mapping: Mapping) -> tuple[str, int, list[RowProblem]]:
    """Send the campaign's recipients as one bulk; returns its bulkId, the messages accepted and the rows left out."""
    p, request = await _request(ctx, account_id, campaign_id, mapping)
    if not await ctx.db.write(store.claim(account_id, campaign_id, ctx.clock.now_ms())):
        raise Conflict("this campaign was sent already", "campaignId")
    try:
        answer = await alim.send(ctx, account_id, request)
    except BaseException:
        await ctx.db.write(store.release(account_id, campaign_id))
        raise
    accepted = sum(1 for m in answer["messages"] if m["status"]["groupName"] == "PENDING")
    bulk_id = str(answer["bulkId"])
    sent = store.record_sent(
        account_id, campaign_id, bulk_id, mapping.sender, mapping.template_code, mapping.campaign_ref, accepted
    )
    await ctx.db.write(sent)
    return bulk_id, accepted, p.problems


def _where(loc: tuple[int | str, ...]) -> str:
    """A validation error's place, as the form names it (options.schedule.sendAt -> sendAt)."""
    return str(loc[-1]) if loc else ""
