"""`/sandbox/1/rules`: an account's own outcomes for the sandbox upstreams (public contract: README, "Sandbox
rules"). An API key with `sandbox:manage` sets, shows and clears its account's rules."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..schemas.sandbox_rules import MAX_RULES, RulesWire
from ..service import sandbox_rules
from ..service.auth import SANDBOX_SCOPES
from .body_limits import ESCAPED, KIB
from .http import context, handled, json_response, parse, principal

# MAX_RULES rules of three 100-character strings (each character escaped) and a few short fields.
RULES_BYTES = MAX_RULES * (3 * 100 * ESCAPED + KIB)


@handled
async def put_rules(request: Request) -> Response:
    who = await principal(request, SANDBOX_SCOPES)
    body = await parse(request, RulesWire, RULES_BYTES)
    return json_response(await sandbox_rules.put_rules(context(request), who.account_id, body))


@handled
async def get_rules(request: Request) -> Response:
    who = await principal(request, SANDBOX_SCOPES)
    return json_response(await sandbox_rules.get_rules(context(request), who.account_id))


@handled
async def delete_rules(request: Request) -> Response:
    who = await principal(request, SANDBOX_SCOPES)
    await sandbox_rules.delete_rules(context(request), who.account_id)
    return Response(status_code=204)


routes = [
    Route("/sandbox/1/rules", put_rules, methods=["PUT"]),
    Route("/sandbox/1/rules", get_rules, methods=["GET"]),
    Route("/sandbox/1/rules", delete_rules, methods=["DELETE"]),
]
