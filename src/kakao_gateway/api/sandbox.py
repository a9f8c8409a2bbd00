"""`/sandbox/1/...`: control of the sandbox, starting with its virtual clock (`serve --virtual-clock`)."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain.times import format_ms, parse_instant
from ..schemas.common import Wire
from ..service.auth import LOGS_SCOPES, MANAGE_SCOPES, SANDBOX_SCOPES, SEND_SCOPES, Authenticator
from ..service.context import AdvanceClock
from ..service.errors import Conflict, InvalidRequest
from .errors import api_error
from .http import HttpError, client_address, context, handled, json_response, parse, principal

ANY_SCOPE = SEND_SCOPES | LOGS_SCOPES | MANAGE_SCOPES | SANDBOX_SCOPES
MAX_ADVANCE_S = 400 * 24 * 3600


class Advance(Wire):
    seconds: float | None = None
    to: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Advance:
        if (self.seconds is None) == (self.to is None):
            raise ValueError("give either 'seconds' or 'to'")
        if self.seconds is not None and not 0 <= self.seconds <= MAX_ADVANCE_S:
            raise ValueError(f"'seconds' must be between 0 and {MAX_ADVANCE_S}")
        return self


def _clock_wire(request: Request) -> dict[str, Any]:
    clock = context(request).clock
    return {"now": format_ms(clock.now_ms()), "virtual": clock.is_virtual}


def _advancer(request: Request) -> AdvanceClock:
    ctx = context(request)
    advance_clock = ctx.advance_clock
    if not ctx.clock.is_virtual or advance_clock is None:
        raise Conflict("the clock is not virtual: start the gateway with --virtual-clock", "clock")
    return advance_clock


def _target(body: Advance, now: int) -> int:
    if body.to is None:
        return now + round((body.seconds or 0) * 1000)
    try:
        target = parse_instant(body.to)
    except ValueError:
        raise InvalidRequest([("to", "must be an ISO-8601 date-time with an offset")]) from None
    if target < now:
        raise InvalidRequest([("to", "must not be in the past: the clock only moves forward")])
    if target - now > MAX_ADVANCE_S * 1000:
        raise InvalidRequest([("to", "must be at most 400 days ahead")])
    return target


@handled
async def get_clock(request: Request) -> Response:
    await principal(request, ANY_SCOPE)
    return json_response(_clock_wire(request))


async def require_sandbox_manager(request: Request) -> None:
    """Moving the clock moves it for every tenant: the operator key, or an API key with `sandbox:manage`."""
    auth: Authenticator = request.app.state.auth
    if await auth.is_admin(request.headers.get("authorization"), client_address(request)):
        return
    who = await principal(request, ANY_SCOPE)
    if not who.allows(SANDBOX_SCOPES):
        raise HttpError(api_error(403, [("", "moving the clock needs the sandbox:manage scope")], request))


@handled
async def advance(request: Request) -> Response:
    await require_sandbox_manager(request)
    advance_clock = _advancer(request)
    body = await parse(request, Advance)
    await advance_clock(_target(body, context(request).clock.now_ms()))
    return json_response(_clock_wire(request))


routes = [
    Route("/sandbox/1/clock", get_clock, methods=["GET"]),
    Route("/sandbox/1/clock/advance", advance, methods=["POST"]),
]
