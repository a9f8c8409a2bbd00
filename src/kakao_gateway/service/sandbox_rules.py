"""Sandbox rules of an account (README, "Sandbox rules"): kept in the database, so the engine of every process
reads them (per batch, through `rules_for`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ..domain.sandbox_rules import Rule, rule_of
from ..schemas.sandbox_rules import RulesWire
from ..store import sandbox_rules as store
from ..store.database import Database
from .context import Context


def _wire(body: RulesWire) -> list[dict[str, Any]]:
    return [rule.model_dump(exclude_none=True) for rule in body.rules]


async def put_rules(ctx: Context, account_id: str, body: RulesWire) -> dict[str, Any]:
    rules = _wire(body)
    if rules:
        await ctx.db.write(store.put_rules(account_id, orjson.dumps(rules).decode(), ctx.clock.now_ms()))
    else:
        await ctx.db.write(store.delete_rules(account_id))
    return {"rules": rules}


async def get_rules(ctx: Context, account_id: str) -> dict[str, Any]:
    found = await ctx.db.read(store.rules_of([account_id]))
    return {"rules": orjson.loads(found[account_id]) if account_id in found else []}


async def delete_rules(ctx: Context, account_id: str) -> None:
    await ctx.db.write(store.delete_rules(account_id))


async def rules_for(db: Database, account_ids: Sequence[str]) -> dict[str, list[Rule]]:
    """The rules of those of `account_ids` that have some, for the sandbox upstreams."""
    found = await db.read(store.rules_of(account_ids))
    return {account_id: [rule_of(r) for r in orjson.loads(text)] for account_id, text in found.items()}
