"""Accounts, API keys, operator keys, and the bootstrap of a default account."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..domain.ids import hash_key
from ..store import accounts as store
from ..store.accounts import Account as Account  # re-exported for the API and the CLI
from ..store.accounts import AdminKeyRecord as AdminKeyRecord
from ..store.accounts import KeyRecord as KeyRecord
from .context import Context
from .errors import Conflict, InvalidRequest, NotFound
from .secrets import new_api_key, new_id

log = logging.getLogger(__name__)

SANDBOX_SCOPE = "sandbox:manage"  # move the sandbox's virtual clock
CONSOLE_SCOPE = "console"  # sign in to the web console (agents: the inbox, and read the account's messages)
# What a key may hold; a new key holds DEFAULT_SCOPES unless told otherwise.
DEFAULT_SCOPES = ("message:send", "kakao:message:send", "kakao:manage", "kakao:logs:read")
SCOPES = (*DEFAULT_SCOPES, SANDBOX_SCOPE, CONSOLE_SCOPE)
# The default account's bootstrap key (given by KAKAO_GATEWAY_API_KEY, or generated at first start) on a sandbox
# server: every scope. All servers are sandbox servers until a real upstream exists.
BOOTSTRAP_SCOPES = list(SCOPES)
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True, slots=True)
class NewKey:
    id: str
    key: str


async def list_accounts(ctx: Context) -> list[Account]:
    return await ctx.db.read(store.list_accounts())


async def find_account(ctx: Context, name: str) -> Account | None:
    return await ctx.db.read(store.find_account_by_name(name))


async def create_account(ctx: Context, name: str) -> Account:
    if not name.strip():
        raise InvalidRequest([("name", "must not be empty")])
    account = await ctx.db.write(store.create_account(new_id(), name.strip(), ctx.clock.now_ms()))
    if account is None:
        raise Conflict(f"an account named {name!r} exists", "name")
    return account


async def create_key(
    ctx: Context,
    account_id: str,
    name: str,
    scopes: list[str] | None = None,
    key: str | None = None,
    source: str | None = None,
) -> NewKey:
    chosen = list(scopes) if scopes is not None else list(DEFAULT_SCOPES)
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown or not chosen:
        raise InvalidRequest([("scopes", f"must be a non-empty list of {', '.join(SCOPES)}")])
    if await ctx.db.read(store.get_account(account_id)) is None:
        raise NotFound("account not found", "id")
    key = key or new_api_key()
    key_id = new_id()
    now = ctx.clock.now_ms()
    await ctx.db.write(store.add_key(key_id, account_id, name or "key", hash_key(key), chosen, now, source))
    return NewKey(key_id, key)


async def list_keys(ctx: Context, account_id: str) -> list[KeyRecord]:
    """The keys of an account, revoked ones too; none for an unknown account."""
    return await ctx.db.read(store.list_keys(account_id))


async def revoke_key(ctx: Context, account_id: str, key_id: str) -> None:
    if not await ctx.db.write(store.revoke_key(account_id, key_id, ctx.clock.now_ms())):
        raise NotFound("key not found or already revoked", "keyId")


async def ensure_default_account(ctx: Context, api_key: str | None) -> tuple[Account, str | None]:
    """The default account exists; with `api_key` it holds that key. Returns a key to print once, if new."""
    account = await ctx.db.read(store.find_account_by_name(DEFAULT_ACCOUNT))
    if account is None:
        account = await ctx.db.write(store.create_account(new_id(), DEFAULT_ACCOUNT, ctx.clock.now_ms()))
        assert account is not None
    if api_key:
        # The environment's key replaces the one given before: earlier environment keys are retired.
        if not await ctx.db.read(store.key_hash_exists(hash_key(api_key))):
            await create_key(ctx, account.id, "bootstrap", BOOTSTRAP_SCOPES, key=api_key, source="env")
        retired = await ctx.db.write(
            store.adopt_env_key(account.id, hash_key(api_key), BOOTSTRAP_SCOPES, ctx.clock.now_ms())
        )
        if retired:
            log.info("retired %d earlier KAKAO_GATEWAY_API_KEY key(s) of the default account", retired)
        return account, None
    if await ctx.db.read(store.list_keys(account.id)):
        return account, None
    return account, (await create_key(ctx, account.id, "bootstrap", BOOTSTRAP_SCOPES, source="generated")).key


async def ensure_admin_key(ctx: Context, admin_key: str | None) -> str | None:
    """With `admin_key`, that operator key exists and replaces the one the environment gave before; without, one is
    generated if no working operator key exists. Returns a new key to print once."""
    now = ctx.clock.now_ms()
    if admin_key:
        await ctx.db.write(store.add_admin_key(new_id(), "bootstrap", hash_key(admin_key), now, "env"))
        retired = await ctx.db.write(store.adopt_env_admin_key(hash_key(admin_key), now))
        if retired:
            log.info("retired %d earlier KAKAO_GATEWAY_ADMIN_KEY operator key(s)", retired)
        return None
    if await ctx.db.read(store.count_admin_keys()):
        return None
    key = new_api_key()
    await ctx.db.write(store.add_admin_key(new_id(), "bootstrap", hash_key(key), now, "generated"))
    return key


async def create_admin_key(ctx: Context, name: str) -> NewKey:
    """A new operator key (shown once): rotate by creating one, then revoking the old one."""
    key = new_api_key()
    key_id = new_id()
    await ctx.db.write(store.add_admin_key(key_id, name or "operator", hash_key(key), ctx.clock.now_ms()))
    return NewKey(key_id, key)


async def list_admin_keys(ctx: Context) -> list[AdminKeyRecord]:
    return await ctx.db.read(store.list_admin_keys())


async def revoke_admin_key(ctx: Context, key_id: str) -> None:
    outcome = await ctx.db.write(store.revoke_admin_key(key_id, ctx.clock.now_ms()))
    if outcome == "missing":
        raise NotFound("operator key not found or already revoked", "keyId")
    if outcome == "last":
        raise Conflict("the last working operator key cannot be revoked: create another one first", "keyId")
