"""Settings (managers): subscriptions (report and inbound URLs per channel), the webhook signing secret (shown
once), and the account's API keys (a new key shown once; revoke)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..schemas.extensions import SUBSCRIPTION_CHANNELS
from ..service import accounts, catalog, webhook_signing
from ..service.console import catalog as console_catalog
from .agents import manager
from .web import checked_form, ctx_of, fragment, handled, page


@handled
async def settings_page(request: Request) -> Response:
    who = await manager(request)
    ctx = ctx_of(request)
    values = {
        "who": who,
        "channels": SUBSCRIPTION_CHANNELS,
        "subscriptions": await catalog.get_subscriptions(ctx, who.account),
        "signing": await webhook_signing.get_signing(ctx, who.account),
        "keys": await console_catalog.keys(ctx, who.account),
        "scopes": accounts.SCOPES,
    }
    return page(request, "settings.html", values)


@handled
async def put_subscription(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    channel = request.path_params["channel"]
    if channel not in SUBSCRIPTION_CHANNELS:
        return fragment("problem.html", {"message": f"No such channel: {channel}."}, 404)
    await console_catalog.put_subscription(
        ctx_of(request),
        who.account,
        channel,
        form.get("reportUrl", ""),
        form.get("inboundUrl", ""),
        form.get("contentType", ""),
    )
    return fragment("problem.html", {"message": f"{channel} subscription saved.", "ok": True})


@handled
async def generate_secret(request: Request) -> Response:
    who = await manager(request)
    await checked_form(request)
    answer = await console_catalog.generate_signing_secret(ctx_of(request), who.account)
    return fragment("new_secret.html", {"answer": answer})


@handled
async def disable_signing(request: Request) -> Response:
    who = await manager(request)
    await checked_form(request)
    await webhook_signing.delete_secrets(ctx_of(request), who.account)
    return fragment("problem.html", {"message": "Signing is off: webhooks go out unsigned.", "ok": True})


@handled
async def create_key(request: Request) -> Response:
    who = await manager(request)
    form = await checked_form(request)
    scopes = form.all("scopes")
    name = form.get("name", "")
    new = await console_catalog.create_key(ctx_of(request), who.account, who.scopes, name, scopes)
    return fragment("new_key.html", {"new": new, "name": name.strip() or "key", "scopes": scopes})


@handled
async def revoke_key(request: Request) -> Response:
    who = await manager(request)
    await checked_form(request)
    await console_catalog.revoke_key(ctx_of(request), who.account, who.key_id, request.path_params["keyId"])
    return fragment("problem.html", {"message": "Revoked.", "ok": True})
