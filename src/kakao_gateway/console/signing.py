"""Sign in with an API key (a console scope) or the operator key; sign out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..service import console
from .web import BASE, auth_of, checked_form, ctx_of, handled, page, viewer


@handled
async def home(request: Request) -> Response:
    who = await viewer(request, operator=None)
    return RedirectResponse(f"{BASE}/accounts" if who.operator else f"{BASE}/inbox", status_code=303)


@handled
async def sign_in_page(request: Request) -> Response:
    return page(request, "sign_in.html", {"who": None})


@handled
async def sign_in(request: Request) -> Response:
    form = await checked_form(request)
    signed = await console.sign_in(ctx_of(request), auth_of(request), form.get("key", ""))
    if signed is None:
        error = "That key does not open the console: use a key with the console or kakao:manage scope."
        return page(request, "sign_in.html", {"who": None, "error": error}, 401)
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in viewer
    request.session.update({"key": signed.key_id, "kind": "account" if signed.account_id else "operator"})
    return RedirectResponse(f"{BASE}/accounts" if signed.account_id is None else f"{BASE}/inbox", status_code=303)


@handled
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse(f"{BASE}/sign-in", status_code=303)
