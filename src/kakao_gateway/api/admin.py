"""`/admin/1/...`: operator administration of accounts, API keys, login users, OAuth clients and operator keys
(operator key required)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain.times import format_ms
from ..schemas.admin import ApiKeyBody, OperatorKeyBody
from ..schemas.extensions import AccountBody
from ..schemas.sign_in import LoginUserBody, OAuthClientBody
from ..service import accounts, sign_in
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
async def create_user(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, LoginUserBody)
    scopes: list[str] | None = list(body.scopes) if body.scopes is not None else None
    user = await sign_in.create_user(context(request), request.path_params["id"], body.username, body.password, scopes)
    return json_response({"id": user.id, "username": user.username, "scopes": sorted(user.scopes)})


@handled
async def list_users(request: Request) -> Response:
    await require_admin(request)
    found = await sign_in.list_users(context(request), request.path_params["id"])
    return json_response(
        {
            "results": [
                {
                    "id": u.id,
                    "username": u.username,
                    "scopes": sorted(u.scopes),
                    "createdAt": format_ms(u.created_at),
                    "disabled": u.disabled_at is not None,
                }
                for u in found
            ]
        }
    )


@handled
async def disable_user(request: Request) -> Response:
    await require_admin(request)
    auth: Authenticator = request.app.state.auth
    await sign_in.disable_user(context(request), auth, request.path_params["id"], request.path_params["userId"])
    return Response(status_code=204)


@handled
async def create_oauth_client(request: Request) -> Response:
    await require_admin(request)
    body = await parse(request, OAuthClientBody)
    scopes: list[str] | None = list(body.scopes) if body.scopes is not None else None
    new = await sign_in.create_client(context(request), request.path_params["id"], body.name, scopes)
    return json_response(
        {"clientId": new.client_id, "clientSecret": new.client_secret, "name": new.name, "scopes": sorted(new.scopes)}
    )


@handled
async def list_oauth_clients(request: Request) -> Response:
    await require_admin(request)
    found = await sign_in.list_clients(context(request), request.path_params["id"])
    return json_response(
        {
            "results": [
                {
                    "clientId": c.id,
                    "name": c.name,
                    "scopes": sorted(c.scopes),
                    "createdAt": format_ms(c.created_at),
                    "revoked": c.revoked_at is not None,
                }
                for c in found
            ]
        }
    )


@handled
async def revoke_oauth_client(request: Request) -> Response:
    await require_admin(request)
    auth: Authenticator = request.app.state.auth
    await sign_in.revoke_client(context(request), auth, request.path_params["id"], request.path_params["clientId"])
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
    Route("/admin/1/accounts/{id}/users", create_user, methods=["POST"]),
    Route("/admin/1/accounts/{id}/users", list_users, methods=["GET"]),
    Route("/admin/1/accounts/{id}/users/{userId}", disable_user, methods=["DELETE"]),
    Route("/admin/1/accounts/{id}/oauth-clients", create_oauth_client, methods=["POST"]),
    Route("/admin/1/accounts/{id}/oauth-clients", list_oauth_clients, methods=["GET"]),
    Route("/admin/1/accounts/{id}/oauth-clients/{clientId}", revoke_oauth_client, methods=["DELETE"]),
    Route("/admin/1/operator-keys", create_operator_key, methods=["POST"]),
    Route("/admin/1/operator-keys", list_operator_keys, methods=["GET"]),
    Route("/admin/1/operator-keys/{keyId}", revoke_operator_key, methods=["DELETE"]),
]
