"""API faults (public contract: README, "API faults"): `/sandbox/1/faults` sets them, and `FaultGate`, a middleware,
answers the next matching requests of the account with the fault's status (Infobip's ApiError body, `Retry-After`
for 429 and 503) before the endpoint runs, so such a request has no side effect.

The account is known only from the request's credentials: the gate authenticates a request only while some account
has pending faults (service.faults.FaultWatch), with the Authenticator's cache and without counting failures (the
endpoint does that), and lets an unauthenticated request through untouched, to be refused by its endpoint."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..schemas.sandbox_rules import FaultWire
from ..service import faults
from ..service.auth import SANDBOX_SCOPES, Authenticator
from ..service.faults import FaultWatch
from .body_limits import SMALL_BYTES
from .errors import api_error
from .http import context, handled, json_response, parse, principal


def _watch(request: Request) -> FaultWatch:
    watch: FaultWatch = request.app.state.fault_watch
    return watch


@handled
async def add_fault(request: Request) -> Response:
    who = await principal(request, SANDBOX_SCOPES)
    body = await parse(request, FaultWire, SMALL_BYTES)
    return json_response(await faults.add_fault(context(request), _watch(request), who.account_id, body))


@handled
async def list_faults(request: Request) -> Response:
    who = await principal(request, SANDBOX_SCOPES)
    return json_response(await faults.list_faults(context(request), who.account_id))


@handled
async def clear_faults(request: Request) -> Response:
    who = await principal(request, SANDBOX_SCOPES)
    await faults.clear_faults(context(request), _watch(request), who.account_id)
    return Response(status_code=204)


routes = [
    Route("/sandbox/1/faults", add_fault, methods=["POST"]),
    Route("/sandbox/1/faults", list_faults, methods=["GET"]),
    Route("/sandbox/1/faults", clear_faults, methods=["DELETE"]),
]


class FaultGate:
    """ASGI middleware: a request that takes one of its account's faults is answered with it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            response = await self._fault_answer(Request(scope))
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _fault_answer(self, request: Request) -> Response | None:
        state = request.app.state
        watch: FaultWatch = state.fault_watch
        ctx = context(request)
        authorization = request.headers.get("authorization")
        if not authorization or not await watch.may_have(ctx):
            return None
        auth: Authenticator = state.auth
        who = await auth.principal(authorization)
        if who is None:
            return None
        fault = await watch.take(ctx, who.account_id, request.method, request.url.path)
        if fault is None:
            return None
        response = api_error(fault.status, request=request)
        if fault.retry_after_s is not None:
            response.headers["Retry-After"] = str(fault.retry_after_s)
        return response
