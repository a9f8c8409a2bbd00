"""What every console page shares: the templates, who is signed in (re-checked on every request), CSRF checks,
and turning errors into visible answers."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Message, Receive

from ..domain.times import format_ms
from ..service.auth import Authenticator
from ..service.console import sessions as console_sessions
from ..service.context import Context
from ..service.errors import Conflict, InvalidRequest, NotFound
from . import i18n
from .i18n import _

BASE = "/console"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
MAX_FORM_BYTES = 64 * 1024


env = Environment(
    loader=PackageLoader("kakao_gateway.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
env.filters["when"] = i18n.when  # every console time goes through it: KST or UTC, as the viewer chose
env.filters["when_iso"] = i18n.when_iso
env.filters["iso"] = format_ms  # an instant as the API writes it (a link to the same figures from the API)
env.globals["told"] = i18n.told  # a timeline's lines, told by the service in English, in the viewer's language
env.globals["base"] = BASE
env.globals["language"] = i18n.language
env.globals["zone"] = i18n.zone


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is signed in: an account key (account set) or an operator key (account None)."""

    key_id: str
    account_id: str | None
    account_name: str | None
    csrf: str
    scopes: frozenset[str] = frozenset()
    session: str = ""  # the id of the console session (service/console/sessions.py)

    @property
    def manager(self) -> bool:
        """An account key with kakao:manage: administers the account's agents."""
        return "kakao:manage" in self.scopes

    @property
    def operator(self) -> bool:
        return self.account_id is None

    @property
    def account(self) -> str:
        assert self.account_id is not None
        return self.account_id


class Refused(Exception):
    """Answer with this response instead (a redirect to sign in, a refusal)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def auth_of(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.auth
    return auth


def wall_ms(request: Request) -> int:
    """Wall-clock milliseconds, as console sessions count time (console/sessions.py)."""
    now: int = request.app.state.wall_ms()
    return now


def client_address(request: Request) -> str:
    """The client's address, as uvicorn gives it (behind a proxy: the proxy's, unless uvicorn trusts it)."""
    return request.client.host if request.client else ""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _to_sign_in(request: Request) -> Response:
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": f"{BASE}/sign-in"})
    return RedirectResponse(f"{BASE}/sign-in", status_code=303)


async def viewer(request: Request, operator: bool | None = False) -> Viewer:
    """The signed-in viewer; `operator` True: operators only, False: accounts only, None: either."""
    session_id = request.session.get("sid")
    if not isinstance(session_id, str):
        raise Refused(_to_sign_in(request))
    signed = await console_sessions.session_key(ctx_of(request), session_id, wall_ms(request))
    if signed is None:
        request.session.clear()
        raise Refused(_to_sign_in(request))
    csrf = csrf_token(request)
    who = Viewer(signed.key_id, signed.account_id, signed.account_name, csrf, signed.scopes, session_id)
    if operator is not None and who.operator != operator:
        if who.operator:
            raise Refused(RedirectResponse(f"{BASE}/accounts", status_code=303))
        raise Refused(page(request, "error.html", {"who": who, "error": _("Operators only.")}, 403))
    return who


async def not_found(request: Request, exc: Exception) -> Response:
    """A console address that leads nowhere (or a method it does not take): a page in the console's look, with its
    navigation when signed in; a short problem to an htmx request."""
    status = exc.status_code if isinstance(exc, HTTPException) and exc.status_code in (404, 405) else 404
    message = _("Page not found.") if status == 404 else _("This page does not take that method.")
    if is_htmx(request):
        return problem(message, status)
    try:
        who: Viewer | None = await viewer(request, operator=None)
    except Refused:
        who = None
    return page(request, "not_found.html", {"who": who, "message": message}, status)


class Form(dict[str, str]):
    """A posted form: the first value of each field, and every value by `all`."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(reversed(pairs))
        self.pairs = pairs

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]


async def _form_body(request: Request, limit: int = MAX_FORM_BYTES) -> bytes:
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Refused(problem(_("The form is too large."), 413))
    except ClientDisconnect:
        # The browser went away mid-form: nobody reads an answer, and it is no error of the gateway's.
        raise Refused(Response(status_code=400)) from None
    return bytes(body)


@dataclass(frozen=True, slots=True)
class Upload:
    name: str  # the file's name on the uploader's machine
    data: bytes


async def uploaded_file(request: Request, field: str, max_bytes: int) -> Upload:
    """The one file posted as multipart/form-data, refused (403) without this session's CSRF token (the header),
    413 over `max_bytes`. The body is read (bounded) before it is parsed."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Refused(problem(_("Refused: the form is stale (CSRF)."), 403))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Refused(problem(_("Send the file as multipart/form-data."), 415))
    body = await _form_body(request, max_bytes + MAX_FORM_BYTES)
    replayed = Request(request.scope, _replay(body))
    try:
        form = await replayed.form(max_files=1, max_fields=8)
    except (HTTPException, ValueError):
        raise Refused(problem(_("The upload could not be read."), 400)) from None
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise Refused(problem(_("Choose a file to upload."), 400))
        return Upload(upload.filename or "", await upload.read())
    finally:
        await form.close()


def _replay(body: bytes) -> Receive:
    """An ASGI receive that hands over `body` (already read) once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def checked_form(request: Request) -> Form:
    """The posted (URL-encoded) form, refused (403) unless it carries this session's CSRF token (field or header).
    Multipart is read by `uploaded_file` only."""
    body = await _form_body(request)
    values = Form(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if any("\x00" in k or "\x00" in v for k, v in values.pairs):
        raise Refused(problem(_("The form must not contain a NUL character.")))
    sent = request.headers.get(CSRF_HEADER) or values.get(CSRF_FIELD) or ""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Refused(problem(_("Refused: the form is stale (CSRF)."), 403))
    return values


# Scripts and styles from the console only (htmx runs no inline handlers here); images may come from anywhere
# (Brand images, a reply's image URL); nothing may frame the console.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src * data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def safe_url(url: object) -> str:
    """A link or image address from message content, if http(s); else nothing (no `javascript:` links)."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else "#"


env.filters["safe_url"] = safe_url


def page(request: Request, template: str, values: dict[str, Any], status: int = 200) -> HTMLResponse:
    values.setdefault("csrf", csrf_token(request))
    values.setdefault("path", request.url.path)
    query = request.url.query
    values.setdefault("here", f"{request.url.path}?{query}" if query else request.url.path)
    values.setdefault("sandbox", getattr(request.app.state, "sandbox", False))
    return HTMLResponse(env.get_template(template).render(values), status, headers=PAGE_HEADERS)


def fragment(template: str, values: dict[str, Any], status: int = 200) -> HTMLResponse:
    return HTMLResponse(env.get_template(template).render(values), status)


def problem(message: str, status: int = 400) -> HTMLResponse:
    return fragment("problem.html", {"message": message}, status)


Endpoint = Callable[[Request], Awaitable[Response]]


def _nul_free(request: Request) -> None:
    """No database column takes a NUL character: refuse one in the path or the query."""
    values = [*request.path_params.values(), *request.query_params.values()]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        raise Refused(problem(_("The address must not contain a NUL character.")))


def handled(endpoint: Endpoint) -> Endpoint:
    """Service errors become visible answers (a fragment htmx swaps in; htmx is configured to swap 4xx)."""

    async def wrapper(request: Request) -> Response:
        try:
            _nul_free(request)
            return await endpoint(request)
        except Refused as exc:
            return exc.response
        except InvalidRequest as exc:
            return problem("; ".join(f"{prop}: {what}" if prop else what for prop, what in exc.violations))
        except NotFound as exc:
            return problem(_("Not found: %(what)s", what=exc.what), 404)
        except Conflict as exc:
            return problem(exc.what, 409)

    wrapper.__name__ = endpoint.__name__
    return wrapper
