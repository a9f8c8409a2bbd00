"""Accept a Kakao Alim send: check every destination, store all rows durably, answer per destination."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..domain.templates import buttons_match, text_matches
from ..schemas.alim import AlimMessage, AlimRequest, AlimTemplateContent
from ..store import catalog
from ..store.account_view import AccountView, Wants
from ..store.intake import PRIORITIES
from .context import Context
from .intake import Channel, accept_request
from .sending import BAD_ARGS, BAD_TEMPLATE, UNKNOWN_SENDER, MessageParts, Rejection, Shared

CHANNEL = "ALIM"


def template_problem(template: catalog.AlimTemplate | None, content: AlimTemplateContent, now: int) -> Rejection | None:
    """Unknown or unapproved template, or content that does not match the approved one."""
    if template is None or template.effective_status(now) != "APPROVED":
        return BAD_TEMPLATE
    if not text_matches(template.text, content.text):
        return BAD_ARGS
    if not _emphasis_matches(template, content):
        return BAD_ARGS
    buttons = [b.model_dump(exclude_none=True) for b in content.buttons or []]
    if not buttons_match(template.buttons, buttons):
        return BAD_ARGS
    return None


def _emphasis_matches(template: catalog.AlimTemplate, content: AlimTemplateContent) -> bool:
    """A TEXT template's emphasized title is sent (matching the template's, variables and all); no other template
    takes a title (an image, header, highlight and item list are the template's own, their variables the text's)."""
    if template.emphasis_type != "TEXT":
        return content.title is None
    return content.title is not None and text_matches(template.title or "", content.title)


class _Alim(Channel[AlimMessage]):
    name = CHANNEL

    def wants(self, messages: Sequence[AlimMessage]) -> Wants:
        senders = sorted({m.sender for m in messages})
        return Wants(senders, alim_templates=sorted({(m.sender, m.content.templateCode) for m in messages}))

    def dealer_content(self, m: AlimMessage) -> dict[str, Any]:
        return m.content.model_dump(exclude_none=True)

    def parts(self, m: AlimMessage, view: AccountView, shared: Shared) -> MessageParts:
        if m.sender not in view.senders:
            problem: Rejection | None = UNKNOWN_SENDER
        else:
            template = view.alim_templates.get((m.sender, m.content.templateCode))
            problem = template_problem(template, m.content, shared.now)
        return MessageParts(problem, m.content.model_dump_json(exclude_none=True))


async def send(ctx: Context, account_id: str, request: AlimRequest) -> dict[str, Any]:
    options = request.options
    priority = PRIORITIES[(options.priority if options else None) or "STANDARD"]
    schedule = options.schedule if options else None
    return await accept_request(ctx, account_id, _Alim(), request.messages, schedule, priority)
