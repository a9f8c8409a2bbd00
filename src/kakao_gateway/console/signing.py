"""Sign in with an API key (a console scope) or the operator key; sign out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..service.auth import Throttled
from ..service.console import sessions as console_sessions
from .i18n import _
from .web import BASE, auth_of, checked_form, client_address, ctx_of, handled, page, viewer, wall_ms


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
    ctx = ctx_of(request)
    try:
        signed = await console_sessions.sign_in(ctx, auth_of(request), form.get("key", ""), client_address(request))
    except Throttled as exc:
        return _throttled(request, exc)
    if signed is None:
        error = _("That key does not open the console: use a key with the console or kakao:manage scope.")
        return page(request, "sign_in.html", {"who": None, "error": error}, 401)
    session_id = await console_sessions.open_session(ctx, signed, wall_ms(request))
    request.session.clear()  # a fresh session (and CSRF token) for the signed-in viewer
    request.session["sid"] = session_id
    return RedirectResponse(f"{BASE}/accounts" if signed.account_id is None else f"{BASE}/inbox", status_code=303)


@handled
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        await console_sessions.close_session(ctx_of(request), session_id)
    request.session.clear()
    return RedirectResponse(f"{BASE}/sign-in", status_code=303)


def _throttled(request: Request, exc: Throttled) -> HTMLResponse:
    error = _(
        "Too many failed sign-ins from here or with that key: try again in %(seconds)s seconds.",
        seconds=exc.retry_after_s,
    )
    response = page(request, "sign_in.html", {"who": None, "error": error}, 429)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response
