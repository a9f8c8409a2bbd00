"""The console's Templates & senders and Settings pages: senders, Alim templates and their inspection (decided by
hand in the sandbox), Brand templates, subscriptions, the webhook signing secret, and the account's API keys."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ...schemas.extensions import InspectionBody, SenderBody, SubscriptionsBody
from ...store import console as store
from .. import accounts, catalog, webhook_signing
from ..accounts import KeyRecord, NewKey
from ..context import Context
from ..errors import InvalidRequest

MAX_BRAND_TEMPLATES = 200
DECISIONS = {"approve": "APPROVED", "reject": "REJECTED"}


def _valid(model: Any, body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest([(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]) from None


async def add_sender(ctx: Context, account_id: str, sender: str, name: str) -> dict[str, Any]:
    body: SenderBody = _valid(SenderBody, {"sender": sender.strip(), "name": name.strip()})
    return await catalog.add_sender(ctx, account_id, body.sender, body.name)


async def inspect(ctx: Context, account_id: str, sender: str, code: str, decision: str, comment: str) -> None:
    """Decide an Alim template still in inspection as the sandbox's inspectors would (the sandbox upstream only),
    with a comment (required to reject); its status webhook goes out as for any other change."""
    status = DECISIONS.get(decision)
    if status is None:
        raise InvalidRequest([("decision", "must be approve or reject")])
    body: InspectionBody = _valid(InspectionBody, {"status": status, "comment": comment.strip() or None})
    if body.status == "REJECTED" and body.comment is None:
        raise InvalidRequest([("comment", "say why the template is rejected")])
    await catalog.decide_template(ctx, account_id, sender, code, body.status, body.comment)


async def brand_templates(ctx: Context, account_id: str) -> list[store.BrandTemplateRow]:
    return await ctx.db.read(store.brand_templates(account_id, MAX_BRAND_TEMPLATES))


async def put_subscription(
    ctx: Context, account_id: str, channel: str, report_url: str, inbound_url: str, content_type: str
) -> dict[str, Any]:
    entry: dict[str, Any] = {"contentType": content_type or "application/json"}
    if report_url.strip():
        entry["reportUrl"] = report_url.strip()
    if inbound_url.strip():
        entry["inboundUrl"] = inbound_url.strip()
    body = _valid(SubscriptionsBody, {channel: entry})
    return await catalog.put_subscriptions(ctx, account_id, body)


async def generate_signing_secret(ctx: Context, account_id: str) -> dict[str, Any]:
    return await webhook_signing.put_secret(ctx, account_id, None)


async def create_key(ctx: Context, account_id: str, own: frozenset[str], name: str, scopes: list[str]) -> NewKey:
    """A key of the account made by one of its managers: at most the scopes of the manager's own key."""
    if not scopes:
        raise InvalidRequest([("scopes", "choose at least one scope")])
    beyond = sorted(set(scopes) - own - {accounts.CONSOLE_SCOPE})
    if beyond:
        raise InvalidRequest([("scopes", f"your key does not hold {', '.join(beyond)}")])
    return await accounts.create_key(ctx, account_id, name.strip() or "key", scopes)


async def keys(ctx: Context, account_id: str) -> list[KeyRecord]:
    return await accounts.list_keys(ctx, account_id)


async def revoke_key(ctx: Context, account_id: str, own_key: str, key_id: str) -> None:
    if key_id == own_key:
        raise InvalidRequest([("keyId", "you are signed in with this key: sign in with another one to revoke it")])
    await accounts.revoke_key(ctx, account_id, key_id)
