"""Operator pages: accounts and their API keys (a new key is shown once; revoke)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..service import accounts
from ..service.errors import NotFound
from .web import checked_form, ctx_of, fragment, handled, page, viewer


@handled
async def accounts_page(request: Request) -> Response:
    who = await viewer(request, operator=True)
    found = await accounts.list_accounts(ctx_of(request))
    return page(request, "accounts.html", {"who": who, "accounts": found})


@handled
async def create_account(request: Request) -> Response:
    await viewer(request, operator=True)
    form = await checked_form(request)
    created = await accounts.create_account(ctx_of(request), form.get("name", ""))
    return fragment("account_row.html", {"a": created})


async def _account(request: Request) -> accounts.Account:
    account_id = request.path_params["accountId"]
    for a in await accounts.list_accounts(ctx_of(request)):
        if a.id == account_id:
            return a
    raise NotFound("account not found", "accountId")


@handled
async def keys_page(request: Request) -> Response:
    who = await viewer(request, operator=True)
    account = await _account(request)
    keys = await accounts.list_keys(ctx_of(request), account.id)
    values = {"who": who, "account": account, "keys": keys, "scopes": accounts.SCOPES}
    return page(request, "keys.html", values)


@handled
async def create_key(request: Request) -> Response:
    await viewer(request, operator=True)
    account = await _account(request)
    form = await checked_form(request)
    scopes = form.all("scopes")
    name = form.get("name") or "console"
    new = await accounts.create_key(ctx_of(request), account.id, name, scopes or None)
    return fragment("new_key.html", {"new": new, "name": name, "scopes": scopes or list(accounts.DEFAULT_SCOPES)})


@handled
async def revoke_key(request: Request) -> Response:
    await viewer(request, operator=True)
    await checked_form(request)
    account = await _account(request)
    await accounts.revoke_key(ctx_of(request), account.id, request.path_params["keyId"])
    return fragment("problem.html", {"message": "Revoked.", "ok": True})
