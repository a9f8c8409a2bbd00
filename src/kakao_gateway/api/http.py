"""Helpers every route uses: JSON responses, body parsing into wire models, auth guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..service.auth import Authenticator, Principal
from ..service.context import Context
from ..service.errors import Conflict, InvalidRequest, NotFound
from .errors import api_error, violations

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024 * 1024


class HttpError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def parse(request: Request, model: type[M]) -> M:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HttpError(api_error(413, [("", f"the body must be at most {MAX_BODY_BYTES} bytes")], request))
    raw = await request.body()
    if not raw.strip():
        raise HttpError(api_error(400, [("", "request body is required")], request))
    try:
        return model.model_validate_json(raw, context={"now_ms": context(request).clock.now_ms()})
    except ValidationError as exc:
        raise HttpError(api_error(400, violations(exc, raw), request)) from None


async def principal(request: Request, scopes: frozenset[str]) -> Principal:
    auth: Authenticator = request.app.state.auth
    who = await auth.principal(request.headers.get("authorization"))
    if who is None:
        raise HttpError(api_error(401, request=request))
    if not who.allows(scopes):
        raise HttpError(api_error(403, request=request))
    return who


async def require_admin(request: Request) -> None:
    auth: Authenticator = request.app.state.auth
    if not await auth.is_admin(request.headers.get("authorization")):
        raise HttpError(api_error(401, request=request))


Endpoint = Callable[[Request], Awaitable[Response]]


def handled(endpoint: Endpoint) -> Endpoint:
    """Turn HttpError and service errors into ApiError responses."""

    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except HttpError as exc:
            return exc.response
        except InvalidRequest as exc:
            return api_error(400, exc.violations, request)
        except NotFound as exc:
            return api_error(404, [(exc.prop, exc.what)], request)
        except Conflict as exc:
            return api_error(409, [(exc.prop, exc.what)], request)

    wrapper.__name__ = endpoint.__name__
    return wrapper
