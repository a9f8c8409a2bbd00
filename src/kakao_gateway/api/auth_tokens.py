"""`/auth/1/...`: sign in as Infobip's clients do: an IBSSO session from a username and password (`POST` and `DELETE
/auth/1/session`), a Bearer access token by OAuth 2.0 client credentials (`POST /auth/1/oauth2/token`). Errors are
Infobip's ApiError bodies (as Infobip's own answers are), failed attempts are throttled like wrong keys."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.sign_in import SessionBody
from ..service import sign_in
from ..service.auth import Authenticator, Throttled, parse_authorization
from .body_limits import SMALL_BYTES
from .errors import api_error
from .http import HttpError, client_address, context, handled, json_response, parse, read_body, throttled

FORM = "application/x-www-form-urlencoded"
# RFC 6749 §5.1: answers holding a token are never cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _auth(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.auth
    return auth


@handled
async def create_session(request: Request) -> Response:
    body = await parse(request, SessionBody, SMALL_BYTES)
    try:
        token = await sign_in.open_session(
            context(request), _auth(request), body.username, body.password, client_address(request)
        )
    except Throttled as exc:
        raise throttled(request, exc) from None
    if token is None:
        return api_error(401, [("", "invalid username or password")], request)
    response = json_response({"token": token})
    response.headers.update(NO_STORE)
    return response


@handled
async def destroy_session(request: Request) -> Response:
    try:
        ended = await sign_in.close_session(
            _auth(request), request.headers.get("authorization"), client_address(request)
        )
    except Throttled as exc:
        raise throttled(request, exc) from None
    if not ended:
        return api_error(401, [("Authorization", "must be IBSSO and a session token that has not ended")], request)
    return Response(status_code=204)


async def _token_form(request: Request) -> dict[str, str]:
    """The grant's fields: from the form body, else the query string (Infobip's Node.js client sends them there);
    the client's id and secret may come in a Basic Authorization header instead (RFC 6749 §2.3.1)."""
    raw = await read_body(request, SMALL_BYTES)
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if raw.strip() and media != FORM:
        raise HttpError(api_error(415, [("Content-Type", f"must be {FORM}")], request))
    try:
        fields = dict(parse_qsl(raw.decode(), keep_blank_values=True)) if raw.strip() else dict(request.query_params)
    except UnicodeDecodeError:
        raise HttpError(api_error(400, [("", "the form must be UTF-8")], request)) from None
    basic = parse_authorization(request.headers.get("authorization"))
    if basic is not None and basic[0] == "basic" and "client_id" not in fields:
        fields.update(client_id=basic[1] or "", client_secret=basic[2])
    return fields


def _grant_problems(fields: dict[str, str]) -> list[tuple[str, str]]:
    problems = [(name, "is required") for name in ("client_id", "client_secret") if not fields.get(name)]
    if fields.get("grant_type") != "client_credentials":
        problems.append(("grant_type", "must be client_credentials"))
    problems += [(name, "must not contain a NUL character") for name, value in fields.items() if "\x00" in value]
    return problems


@handled
async def create_oauth2_token(request: Request) -> Response:
    fields = await _token_form(request)
    problems = _grant_problems(fields)
    if problems:
        return api_error(400, problems, request)
    try:
        issued = await sign_in.issue_access_token(
            context(request), _auth(request), fields["client_id"], fields["client_secret"], client_address(request)
        )
    except Throttled as exc:
        raise throttled(request, exc) from None
    if issued is None:
        return api_error(401, [("client_id", "invalid client credentials")], request)
    response = json_response(
        {"access_token": issued.access_token, "expires_in": issued.expires_in, "token_type": "Bearer"}
    )
    response.headers.update(NO_STORE)
    return response


routes = [
    Route("/auth/1/session", create_session, methods=["POST"]),
    Route("/auth/1/session", destroy_session, methods=["DELETE"]),
    Route("/auth/1/oauth2/token", create_oauth2_token, methods=["POST"]),
]
