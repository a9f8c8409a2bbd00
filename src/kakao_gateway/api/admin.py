"""`/admin/1/...`: operator administration of accounts, API keys and operator keys (operator key required)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain.times import format_ms
from ..schemas.admin import ApiKeyBody, OperatorKeyBody
from ..schemas.extensions import AccountBody
from ..service import accounts
from ..service.auth import Authenticator
from .http import context, handled, json_response, parse, require_admin


@handled
async def create_account(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, AccountBody)
    account = await accounts.create_account(context(request), body.name)
    return json_response({"id": account.id, "name": account.name})


@handled
async def list_accounts(request: Request) -> Response:
    await require_admin(request)
    found = await accounts.list_accounts(context(request))
    return json_response(
        {"results": [{"id": a.id, "name": a.name, "createdAt": format_ms(a.created_at)} for a in found]}
    )


@handled
async def create_key(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, ApiKeyBody)
    scopes: list[str] | None = list(body.scopes) if body.scopes is not None else None
    key = await accounts.create_key(context(request), request.path_params["id"], body.name, scopes)
    return json_response({"id": key.id, "key": key.key})


@handled
async def list_keys(request: Request) -> Response:
    await require_admin(request)
    found = await accounts.list_keys(context(request), request.path_params["id"])
    return json_response(
        {
            "results": [
                {"id": k.id, "name": k.name, "scopes": sorted(k.scopes), "revoked": k.revoked_at is not None}
                for k in found
            ]
        }
    )


@handled
async def revoke_key(request: Request) -> Response:
    await require_admin(request)
    await accounts.revoke_key(context(request), request.path_params["id"], request.path_params["keyId"])
    auth: Authenticator = request.app.state.auth
    auth.forget()
    return Response(status_code=204)


@handled
async def create_operator_key(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, OperatorKeyBody)
    key = await accounts.create_admin_key(context(request), body.name)
    return json_response({"id": key.id, "key": key.key})


@handled
async def list_operator_keys(request: Request) -> Response:
    await require_admin(request)
    found = await accounts.list_admin_keys(context(request))
    return json_response(
        {
            "results": [
                {
                    "id": k.id,
                    "name": k.name,
                    "createdAt": format_ms(k.created_at),
                    "source": k.source or "api",
                    "revoked": k.revoked_at is not None,
                }
                for k in found
            ]
        }
    )


@handled
async def revoke_operator_key(request: Request) -> Response:
    await require_admin(request)
    await accounts.revoke_admin_key(context(request), request.path_params["keyId"])
    auth: Authenticator = request.app.state.auth
    auth.forget()
    return Response(status_code=204)


routes = [
    Route("/admin/1/accounts", create_account, methods=["POST"]),
    Route("/admin/1/accounts", list_accounts, methods=["GET"]),
    Route("/admin/1/accounts/{id}/keys", create_key, methods=["POST"]),
    Route("/admin/1/accounts/{id}/keys", list_keys, methods=["GET"]),
    Route("/admin/1/accounts/{id}/keys/{keyId}", revoke_key, methods=["DELETE"]),
    Route("/admin/1/operator-keys", create_operator_key, methods=["POST"]),
    Route("/admin/1/operator-keys", list_operator_keys, methods=["GET"]),
    Route("/admin/1/operator-keys/{keyId}", revoke_operator_key, methods=["DELETE"]),
]
