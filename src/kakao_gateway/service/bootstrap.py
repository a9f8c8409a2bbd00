"""Apply the TOML file's senders, Alim templates and subscriptions to the default account at start."""

from __future__ import annotations

from pydantic import ValidationError

from ..config import ConfigError, Settings
from ..schemas.extensions import AlimTemplateBody, SubscriptionsBody
from ..store import catalog as store
from . import catalog
from .context import Context


async def apply_catalog(ctx: Context, account_id: str, settings: Settings) -> None:
    try:
        for entry in settings.senders:
            await catalog.add_sender(ctx, account_id, str(entry["sender"]), str(entry.get("name", entry["sender"])))
        for entry in settings.alim_templates:
            body = AlimTemplateBody.model_validate(entry)
            existing = await ctx.db.read(store.get_template(account_id, body.sender, body.templateCode))
            buttons = [b.model_dump(exclude_none=True) for b in body.buttons or []]
            wanted = (body.name, body.text, body.title, buttons)
            if existing is None or (existing.name, existing.text, existing.title, existing.buttons) != wanted:
                await catalog.create_template(ctx, account_id, body)
        if settings.subscriptions:
            await catalog.put_subscriptions(ctx, account_id, SubscriptionsBody.model_validate(settings.subscriptions))
    except (KeyError, ValidationError) as exc:
        raise ConfigError(f"invalid catalogue in the config file: {exc}") from exc
