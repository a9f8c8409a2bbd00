"""Opt-out (do-not-send) lists per account: add (idempotent), list, remove; the check a Brand request's
destinations pass at accept; and the sandbox's user who calls the 080 number and opts out.

Numbers are stored in the API's international form (`821012345678`). The API takes that form only, and names the
number a local form meant (`010-1234-5678` → `821012345678`) in its 400; the CLI's import and the console convert
what people type (domain/korean_numbers.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from ..domain.korean_numbers import meant, to_international
from ..domain.phone import is_valid_destination
from ..domain.times import format_ms
from ..store import opt_outs as store
from .context import Context
from .errors import InvalidRequest, NotFound

MAX_PER_CALL = 100_000


def destination_problem(destination: str) -> str | None:
    if is_valid_destination(destination):
        return None
    local = meant(destination)
    if local is not None:
        return f"must be in international format: {local}"
    return "must be a phone number in international format, e.g. 821012345678"


def _checked(destinations: Sequence[str], path: str = "destinations") -> None:
    problems = [(f"{path}[{i}]", p) for i, d in enumerate(destinations) if (p := destination_problem(d))]
    if problems:
        raise InvalidRequest(problems)


async def add(
    ctx: Context, account_id: str, destinations: Sequence[str], sender: str | None, source: str = "API"
) -> dict[str, int]:
    """List the numbers (for `sender`, else for all the account's senders); those listed already stay as they
    were. The answer counts both."""
    _checked(destinations)
    unique = len(set(destinations))
    added = await ctx.db.write(
        store.add(account_id, destinations, sender or store.ALL_SENDERS, ctx.clock.now_ms(), source, ctx.db.dialect)
    )
    return {"added": added, "alreadyListed": unique - added}


def _cursor(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(f"{after[0]}\t{after[1]}".encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[str, str]:
    try:
        destination, tab, sender = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("\t")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidRequest([("cursor", "is not a cursor this list gave")]) from None
    if not tab:
        raise InvalidRequest([("cursor", "is not a cursor this list gave")])
    return destination, sender


def entry_wire(entry: store.OptOut) -> dict[str, Any]:
    return {
        "destination": entry.destination,
        "sender": entry.sender or None,
        "createdAt": format_ms(entry.created_at),
        "source": entry.source,
    }


async def listed(
    ctx: Context, account_id: str, destination: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A page of the list in number order (one number's entries with `destination`), and the next page's cursor."""
    after = _after(cursor) if cursor else None
    found = await ctx.db.read(store.page(account_id, destination, after, limit + 1))
    more = len(found) > limit
    shown = found[:limit]
    last = shown[-1] if more else None
    return {
        "results": [entry_wire(e) for e in shown],
        "cursor": {"limit": limit, "nextCursor": _cursor((last.destination, last.sender)) if last else None},
    }


def typed_numbers(text: str) -> tuple[list[str], list[str]]:
    """Numbers as people type them, one a line or separated by commas: (the international numbers, the entries that
    are no phone number)."""
    entries = [e.strip() for line in text.splitlines() for e in line.split(",") if e.strip()]
    converted = [(e, to_international(e)) for e in entries]
    return [n for _, n in converted if n], [e for e, n in converted if not n]


async def add_typed(
    ctx: Context, account_id: str, text: str, sender: str | None, source: str = "CONSOLE"
) -> dict[str, Any]:
    """The console's form: numbers typed any way (010-1234-5678, +82 10 …), listed; the answer also names the
    entries that are no phone number."""
    numbers, unreadable = typed_numbers(text)
    if len(numbers) > MAX_PER_CALL:
        raise InvalidRequest([("destinations", f"at most {MAX_PER_CALL} numbers at a time")])
    counts = await add(ctx, account_id, numbers, sender, source) if numbers else {"added": 0, "alreadyListed": 0}
    return {**counts, "unreadable": unreadable}


async def search(ctx: Context, account_id: str, typed: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the list, or one number's entries (typed any way)."""
    if typed is None or not typed.strip():
        return await listed(ctx, account_id, None, limit, cursor)
    number = to_international(typed)
    if number is None:
        raise InvalidRequest([("destination", f"{typed.strip()!r} is no phone number")])
    return await listed(ctx, account_id, number, limit, cursor)


async def remove(ctx: Context, account_id: str, destination: str, sender: str | None) -> None:
    """Remove the number's entry for `sender`, or all its entries; NotFound when there was none."""
    wanted = None if sender is None else sender or store.ALL_SENDERS
    if not await ctx.db.write(store.remove(account_id, destination, wanted)):
        raise NotFound("destination not on the opt-out list", "destination")


async def refused_senders(ctx: Context, account_id: str, destinations: Sequence[str]) -> dict[str, set[str]]:
    """For each listed one of a request's destinations, the senders it may not receive advertising from
    (`store.ALL_SENDERS` for all): one indexed lookup for the whole request."""
    return await ctx.db.read(store.senders_of(account_id, destinations, ctx.db.dialect))


async def sandbox_opt_out(ctx: Context, account_id: str, destination: str, sender: str | None) -> dict[str, Any]:
    """The sandbox's user calls the account's 080 number: the number is listed, and an OPT_OUT event goes to the
    account's OPT_OUT subscription."""
    if problem := destination_problem(destination):
        raise InvalidRequest([("destination", problem)])
    now = ctx.clock.now_ms()
    event = {"type": "OPT_OUT", "destination": destination, "sender": sender, "at": format_ms(now)}
    entry_sender = sender or store.ALL_SENDERS
    await ctx.db.write(store.user_opted_out(account_id, destination, entry_sender, now, event, ctx.db.dialect))
    ctx.wake_engine()
    return event
