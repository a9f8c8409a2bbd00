"""Webhook signing secrets of an account (Standard Webhooks): set, generate, rotate, turn off, show (never the
secret, except a generated one, once, in the answer that made it)."""

from __future__ import annotations

import secrets
from typing import Any

from ..domain.times import format_ms
from ..domain.webhook_signing import ROTATION_MS, format_secret, secret_bytes
from ..store import webhook_secrets as store
from .context import Context
from .errors import InvalidRequest
from .secrets import new_id

GENERATED_BYTES = 32


async def put_secret(ctx: Context, account_id: str, secret: str | None) -> dict[str, Any]:
    """Set the account's secret (`secret`), or generate one (None). A secret that replaces another rotates: both
    sign for 24 hours."""
    if secret is None:
        secret = format_secret(secrets.token_bytes(GENERATED_BYTES))
        generated = True
    else:
        try:
            secret_bytes(secret)
        except ValueError as exc:
            raise InvalidRequest([("secret", str(exc))]) from None
        generated = False
    now = ctx.clock.now_ms()
    await ctx.db.write(store.put_secret(account_id, new_id(), secret, now, ROTATION_MS))
    answer = await get_signing(ctx, account_id)
    if generated:
        answer["secret"] = secret
    return answer


async def delete_secrets(ctx: Context, account_id: str) -> None:
    await ctx.db.write(store.delete_secrets(account_id))


async def get_signing(ctx: Context, account_id: str) -> dict[str, Any]:
    found = await ctx.db.read(store.list_secrets(account_id, ctx.clock.now_ms()))
    return {
        "enabled": bool(found),
        "secrets": [
            {
                "id": s.id,
                "createdAt": format_ms(s.created_at),
                "expiresAt": format_ms(s.expires_at) if s.expires_at is not None else None,
            }
            for s in found
        ],
    }
