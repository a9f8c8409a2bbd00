"""Helpers every route uses: JSON responses, body parsing into wire models, auth guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from ..service.auth import Authenticator, Principal, Throttled
from ..service.context import Context
from ..service.errors import Conflict, InvalidRequest, NotFound
from .body_parse import BodyProblem, parse_large
from .errors import api_error, nul_violations, violations

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024 * 1024  # the default; each route may set its own (api.body_limits)
# A body up to this size is parsed at once on the loop (a few milliseconds at most); a larger one by parse_large.
INLINE_BYTES = 128 * 1024


class HttpError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _too_large(request: Request, limit: int) -> HttpError:
    return HttpError(api_error(413, [("", f"the body must be at most {limit} bytes")], request))


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, read chunk by chunk and refused (413) as soon as it passes `limit` bytes, whether or not a
    Content-Length announced it: a chunked body is never read whole."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(request, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(request, limit)
            chunks.append(chunk)
    except ClientDisconnect:  # the client left mid-body: nobody reads an answer, and it is no error of ours
        raise HttpError(Response(status_code=400)) from None
    return b"".join(chunks)


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def parse(request: Request, model: type[M], limit: int = MAX_BODY_BYTES) -> M:
    """A JSON body validated into `model`: 413 over `limit` bytes, 400 when empty, 415 when not declared JSON,
    400 with one violation per problem (capped) when invalid. A body over INLINE_BYTES is counted before it is
    parsed and parsed off the loop (api.body_parse)."""
    raw = await read_body(request, limit)
    if not raw.strip():
        raise HttpError(api_error(400, [("", "request body is required")], request))
    if not is_json(request.headers.get("content-type")):
        raise HttpError(api_error(415, [("Content-Type", "must be application/json")], request))
    validation = {"now_ms": context(request).clock.now_ms()}
    if len(raw) > INLINE_BYTES:
        try:
            return await parse_large(raw, model, validation)
        except BodyProblem as exc:
            raise HttpError(api_error(exc.status, exc.problems, request)) from None
    problems = nul_violations(raw)
    if problems:
        raise HttpError(api_error(400, problems, request))
    try:
        return model.model_validate_json(raw, context=validation)
    except ValidationError as exc:
        raise HttpError(api_error(400, violations(exc, raw), request)) from None


def nul_free(request: Request) -> None:
    """Path parameters never hold a NUL character (no database column takes one)."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            raise HttpError(api_error(400, [(name, "must not contain a NUL character")], request))


def client_address(request: Request) -> str:
    """The client's address, failed sign-ins are counted by (behind a proxy: the proxy's, unless uvicorn trusts it)."""
    return request.client.host if request.client else ""


def throttled(request: Request, exc: Throttled) -> HttpError:
    """429 with Retry-After: too many failed sign-ins from this address or with this key's prefix."""
    response = api_error(429, [("", f"too many failed sign-ins: retry after {exc.retry_after_s} s")], request)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return HttpError(response)


async def principal(request: Request, scopes: frozenset[str]) -> Principal:
    """Who the Authorization header (App, Basic, IBSSO or Bearer) stands for: 401 if nobody, 403 without one of
    `scopes`, 429 after too many failed sign-ins."""
    auth: Authenticator = request.app.state.auth
    try:
        who = await auth.principal(request.headers.get("authorization"), client_address(request))
    except Throttled as exc:
        raise throttled(request, exc) from None
    if who is None:
        raise HttpError(api_error(401, request=request))
    if not who.allows(scopes):
        raise HttpError(api_error(403, request=request))
    return who


async def require_admin(request: Request) -> None:
    auth: Authenticator = request.app.state.auth
    try:
        admitted = await auth.is_admin(request.headers.get("authorization"), client_address(request))
    except Throttled as exc:
        raise throttled(request, exc) from None
    if not admitted:
        raise HttpError(api_error(401, request=request))


Endpoint = Callable[[Request], Awaitable[Response]]


def handled(endpoint: Endpoint) -> Endpoint:
    """Turn HttpError and service errors into ApiError responses."""

    async def wrapper(request: Request) -> Response:
        try:
            nul_free(request)
            return await endpoint(request)
        except HttpError as exc:
            return exc.response
        except Throttled as exc:
            response = api_error(429, [("", "too many failed sign-ins: try again later")], request)
            response.headers["Retry-After"] = str(exc.retry_after_s)
            return response
        except InvalidRequest as exc:
            return api_error(400, exc.violations, request)
        except NotFound as exc:
            return api_error(404, [(exc.prop, exc.what)], request)
        except Conflict as exc:
            return api_error(409, [(exc.prop, exc.what)], request)

    wrapper.__name__ = endpoint.__name__
    return wrapper
