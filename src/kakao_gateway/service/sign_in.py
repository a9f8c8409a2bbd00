"""Signing in as Infobip's clients do, besides API keys: login users (username and password) open IBSSO sessions
(`POST /auth/1/session`), and OAuth 2.0 clients (or login users, as Infobip documents) get Bearer access tokens by
the client credentials grant (`POST /auth/1/oauth2/token`). A token carries the scopes of the user or client behind
it, as they stand when it is used; disabling the user or revoking the client ends its tokens.

Passwords are stored as scrypt hashes (service/passwords.py), client secrets and tokens as SHA-256 hashes (they are
random and long, as API keys are). Failed sign-ins are throttled like wrong keys (service/throttle.py)."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import uuid
from dataclasses import dataclass

from ..domain.ids import hash_key
from ..store import accounts as account_store
from ..store import sign_in as store
from ..store.sign_in import LoginUser as LoginUser  # re-exported for the API and the CLI
from ..store.sign_in import OAuthClient as OAuthClient
from .accounts import DEFAULT_SCOPES, SCOPES
from .auth import BEARER, IBSSO, SESSION_IDLE_MS, Authenticator
from .context import Context
from .errors import Conflict, InvalidRequest, NotFound
from .passwords import check_password, hash_password
from .secrets import new_id

ACCESS_TOKEN_S = 3600  # a Bearer access token's lifetime (`expires_in`)
MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class NewClient:
    """A new OAuth client: its secret is shown once."""

    client_id: str
    client_secret: str
    name: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class AccessToken:
    access_token: str
    expires_in: int


def _scopes(scopes: list[str] | None) -> frozenset[str]:
    chosen = list(scopes) if scopes is not None else list(DEFAULT_SCOPES)
    if not chosen or any(s not in SCOPES for s in chosen):
        raise InvalidRequest([("scopes", f"must be a non-empty list of {', '.join(SCOPES)}")])
    return frozenset(chosen)


async def _account(ctx: Context, account_id: str) -> None:
    if await ctx.db.read(account_store.get_account(account_id)) is None:
        raise NotFound("account not found", "id")


async def create_user(
    ctx: Context, account_id: str, username: str, password: str, scopes: list[str] | None = None
) -> LoginUser:
    """A login user of the account; usernames are unique over every account (a session names only the user)."""
    problems = []
    if not username or any(c.isspace() for c in username):
        problems.append(("username", "must be non-empty and hold no spaces"))
    if len(password) < MIN_PASSWORD:
        problems.append(("password", f"must be at least {MIN_PASSWORD} characters"))
    if problems:
        raise InvalidRequest(problems)
    chosen = _scopes(scopes)
    await _account(ctx, account_id)
    password_hash = await asyncio.to_thread(hash_password, password)
    user = LoginUser(new_id(), account_id, username, password_hash, chosen, ctx.clock.now_ms(), None)
    if not await ctx.db.write(store.add_user(user)):
        raise Conflict(f"a user named {username!r} exists", "username")
    return user


async def list_users(ctx: Context, account_id: str) -> list[LoginUser]:
    """The login users of an account, disabled ones too."""
    return await ctx.db.read(store.list_users(account_id))


async def disable_user(ctx: Context, auth: Authenticator, account_id: str, user_id: str) -> None:
    """Disable a user: its sessions and tokens end (in this process at once, in others within a second)."""
    if not await ctx.db.write(store.disable_user(account_id, user_id, ctx.clock.now_ms())):
        raise NotFound("user not found or already disabled", "userId")
    auth.forget()


async def create_client(ctx: Context, account_id: str, name: str, scopes: list[str] | None = None) -> NewClient:
    chosen = _scopes(scopes)
    await _account(ctx, account_id)
    client_id, secret = new_id(), secrets.token_urlsafe(32)
    client = OAuthClient(
        client_id, account_id, name or "oauth-client", hash_key(secret), chosen, ctx.clock.now_ms(), None
    )
    await ctx.db.write(store.add_client(client))
    return NewClient(client_id, secret, client.name, chosen)


async def list_clients(ctx: Context, account_id: str) -> list[OAuthClient]:
    """The OAuth clients of an account, revoked ones too."""
    return await ctx.db.read(store.list_clients(account_id))


async def revoke_client(ctx: Context, auth: Authenticator, account_id: str, client_id: str) -> None:
    """Revoke a client: its tokens end (in this process at once, in others within a second)."""
    if not await ctx.db.write(store.revoke_client(account_id, client_id, ctx.clock.now_ms())):
        raise NotFound("OAuth client not found or already revoked", "clientId")
    auth.forget()


async def _user(ctx: Context, username: str, password: str) -> LoginUser | None:
    """The live user `username` if `password` is theirs (an unknown user costs a password check too)."""
    user = await ctx.db.read(store.find_user(username))
    ok = await asyncio.to_thread(check_password, password, user.password_hash if user else None)
    return user if ok else None


async def _issue(ctx: Context, auth: Authenticator, scheme: str, owner: tuple[str, str], lifetime_ms: int) -> str:
    token = str(uuid.uuid4()) if scheme == IBSSO else secrets.token_urlsafe(32)  # IBSSO: shaped like Infobip's
    now = auth.wall_ms()
    await ctx.db.write(store.add_token(hash_key(token), scheme, owner[0], owner[1], now, now + lifetime_ms))
    return token


async def open_session(
    ctx: Context, auth: Authenticator, username: str, password: str, client: str | None
) -> str | None:
    """A new IBSSO session token for the user, or None when the username or password is wrong (a failure the
    throttle counts, by `client` and the username). Raises Throttled."""
    auth.admit(client, username)
    user = await _user(ctx, username, password)
    if user is None:
        auth.failed(client, username)
        return None
    return await _issue(ctx, auth, IBSSO, (store.USER, user.id), SESSION_IDLE_MS)


async def _client_owner(ctx: Context, client_id: str, secret: str) -> tuple[str, str] | None:
    """Whose credentials these are: an OAuth client's id and secret, or (as Infobip documents the grant) a login
    user's username and password."""
    found = await ctx.db.read(store.find_client(client_id))
    if found is not None:
        ok = hmac.compare_digest(found.secret_hash, hash_key(secret))
        return (store.CLIENT, found.id) if ok else None
    user = await _user(ctx, client_id, secret)
    return (store.USER, user.id) if user else None


async def issue_access_token(
    ctx: Context, auth: Authenticator, client_id: str, secret: str, client: str | None
) -> AccessToken | None:
    """A Bearer access token for the client credentials, or None when they are wrong (a failure the throttle
    counts, by `client` and the client id). Raises Throttled."""
    auth.admit(client, client_id)
    owner = await _client_owner(ctx, client_id, secret)
    if owner is None:
        auth.failed(client, client_id)
        return None
    token = await _issue(ctx, auth, BEARER, owner, ACCESS_TOKEN_S * 1000)
    return AccessToken(token, ACCESS_TOKEN_S)


async def close_session(auth: Authenticator, authorization: str | None, client: str | None) -> bool:
    """End the IBSSO session the Authorization header names; False when it names none that is live (a failure the
    throttle counts). Raises Throttled."""
    return await auth.end_session(authorization, client)
