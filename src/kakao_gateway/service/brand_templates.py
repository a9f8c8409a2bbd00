"""Brand Message templates (`/kakao-brand-messages/1/templates`), sender groups (`/kakao/1/sender-groups`), and the
template lookup of the Brand send path.

Decisions where the spec is silent (KAKAO_API.md §7.16):
- A template belongs to the sender or the sender group it was created for; a PUT must name that same owner (another
  owner is a 404, as for an unknown code). PUT replaces the whole template and may change its type.
- GET `/templates/single` finds a template by its direct owner only: `sender` finds the sender's own templates,
  `senderGroup` the group's. Sending (`get_template_for_send`) also lets a sender use its groups' templates.
- The list filters by `senderKey` and `senderGroupKey`; given both, it lists the templates of either owner.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..domain.times import format_ms
from ..schemas.brand_templates import CreateTemplateRequest, SenderGroupBody
from ..store import brand_templates as store
from ..store import catalog
from .context import Context
from .errors import InvalidRequest, NotFound, ServiceError

CREATES_PER_MINUTE = 10  # x-throttling-info of POST /kakao-brand-messages/1/templates
DEFAULT_SINCE_MS = 3_600_000
TEMPLATE_NOT_FOUND = "Template with provided ID does not exist."


class TemplateNotFound(NotFound):
    """The spec's 404: E404 with a violation on `templateCode` and a link to the API documentation."""

    def __init__(self) -> None:
        super().__init__(TEMPLATE_NOT_FOUND, "templateCode")


class Throttled(ServiceError):
    """More template creates than the spec's 10 per minute (a 429 E429); the next is possible after `retry_after_ms`."""

    def __init__(self, retry_after_ms: int) -> None:
        super().__init__(f"too many template creates; retry in {retry_after_ms} ms")
        self.retry_after_ms = retry_after_ms


def new_template_code() -> str:
    return secrets.token_hex(8)


async def take_create_slot(ctx: Context, account_id: str) -> None:
    """Count one create request against the account's 10 per sliding minute. The spec limits requests, so every
    one counts, valid or not, and is checked before its body is read. Raises Throttled when the minute is full.

    The window lives in the database (store.take_create_slot), not in process memory, so it holds across worker
    processes and restarts; it reads the Context's clock, so the fake clock of tests and the sandbox drives it."""
    wait_ms = await ctx.db.write(store.take_create_slot(account_id, CREATES_PER_MINUTE, ctx.clock.now_ms()))
    if wait_ms:
        raise Throttled(wait_ms)


async def _require_owner(ctx: Context, account_id: str, sender: str | None, group: str | None) -> None:
    if sender is not None and sender not in await ctx.db.read(catalog.sender_names(account_id, [sender])):
        raise InvalidRequest([("sender", f"sender {sender!r} is not registered")])
    if group is not None and not await ctx.db.read(store.group_exists(account_id, group)):
        raise InvalidRequest([("senderGroup", f"sender group {group!r} does not exist")])


async def create_template(ctx: Context, account_id: str, body: CreateTemplateRequest) -> dict[str, Any]:
    await _require_owner(ctx, account_id, body.sender, body.senderGroup)
    now = ctx.clock.now_ms()
    while True:
        template = store.BrandTemplate(
            new_template_code(),
            body.sender,
            body.senderGroup,
            body.name,
            bool(body.isAdult),
            body.content(),
            now,
            now,
        )
        if await ctx.db.write(store.insert_template(account_id, template)):
            return {"templateCode": template.template_code}


async def update_template(ctx: Context, account_id: str, code: str, body: CreateTemplateRequest) -> None:
    await _require_owner(ctx, account_id, body.sender, body.senderGroup)
    existing = await ctx.db.read(store.get_template(account_id, code))
    if existing is None or (existing.sender, existing.sender_group) != (body.sender, body.senderGroup):
        raise TemplateNotFound()
    now = ctx.clock.now_ms()
    template = store.BrandTemplate(
        code,
        existing.sender,
        existing.sender_group,
        body.name,
        bool(body.isAdult),
        body.content(),
        existing.created_at,
        max(now, existing.updated_at),
    )
    if not await ctx.db.write(store.replace_template(account_id, template)):
        raise TemplateNotFound()


async def get_template(
    ctx: Context, account_id: str, sender: str | None, group: str | None, code: str
) -> dict[str, Any]:
    """GetTemplateResponse `{name, templateContent}` of a template owned by `sender` or by `group`."""
    await _require_owner(ctx, account_id, sender, group)
    template = await ctx.db.read(store.get_template(account_id, code))
    if template is None:
        raise TemplateNotFound()
    owned = (sender is not None and template.sender == sender) or (group is not None and template.sender_group == group)
    if not owned:
        raise TemplateNotFound()
    return {"name": template.name, "templateContent": template.content}


async def list_modified(
    ctx: Context,
    account_id: str,
    sender_key: str | None,
    group_key: str | None,
    since: int | None,
    page: int,
    size: int,
) -> dict[str, Any]:
    """ModifiedTemplateResponse: codes of the templates created or updated since `since` (default: an hour ago)."""
    start = since if since is not None else ctx.clock.now_ms() - DEFAULT_SINCE_MS
    codes = await ctx.db.read(store.modified_codes(account_id, start, sender_key, group_key, (page - 1) * size, size))
    return {"results": [{"templateCode": c} for c in codes]}


async def get_template_for_send(
    ctx: Context, account_id: str, template_code: str, sender: str
) -> dict[str, Any] | None:
    """The stored content (the CreateTemplateRequest `templateContent`, with its `type`) of a template that `sender`
    may send: one created for that sender, or for a sender group the sender is a member of. None otherwise."""
    return await ctx.db.read(store.template_for_send(account_id, template_code, sender))


def group_wire(g: store.SenderGroup) -> dict[str, Any]:
    return {"groupKey": g.group_key, "name": g.name, "senders": g.senders, "createdAt": format_ms(g.created_at)}


async def save_group(ctx: Context, account_id: str, body: SenderGroupBody) -> dict[str, Any]:
    """Create a sender group, or replace the name and members of an existing one. Members must be registered."""
    senders = list(dict.fromkeys(body.senders))
    known = await ctx.db.read(catalog.sender_names(account_id, senders))
    unknown = [
        (f"senders[{i}]", f"sender {s!r} is not registered") for i, s in enumerate(body.senders) if s not in known
    ]
    if unknown:
        raise InvalidRequest(unknown)
    group = await ctx.db.write(store.save_group(account_id, body.groupKey, body.name, senders, ctx.clock.now_ms()))
    return group_wire(group)


async def list_groups(ctx: Context, account_id: str) -> list[dict[str, Any]]:
    return [group_wire(g) for g in await ctx.db.read(store.list_groups(account_id))]
