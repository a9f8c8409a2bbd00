"""The sandbox phone (only when the upstream is the sandbox): a test number's chat screen as KakaoTalk would show it,
a Sangdam user's conversation, and acting as the user (clicking, writing, pressing reply buttons)."""

from __future__ import annotations

import json
import re

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from ..service.console import phone as console_phone
from .i18n import _
from .web import BASE, Refused, Viewer, checked_form, ctx_of, env, fragment, handled, page, problem, viewer

URL = re.compile(r"https?://[^\s<>\"']+|\b[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?/[0-9A-Za-z]{8}\b")
MAGIC_NUMBERS = ("821000000001", "821000000002", "821000000008")


def clickable(text: str) -> Markup:
    """Text with every URL (short links too) made a link the phone's user can open."""
    out: list[str] = []
    last = 0
    for m in URL.finditer(text):
        out.append(str(escape(text[last : m.start()])))
        vals = escape(json.dumps({"url": m.group(0)}))
        out.append(
            f'<a href="#" class="link" hx-post="{BASE}/phone/click" hx-vals="{vals}" hx-target="#phone-result">'
            f"{escape(m.group(0))}</a>"
        )
        last = m.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


env.filters["clickable"] = clickable


async def _phone_viewer(request: Request) -> Viewer:
    who = await viewer(request)
    if not request.app.state.sandbox:
        message = _("The sandbox phone exists only while the upstream is the sandbox.")
        raise Refused(page(request, "error.html", {"who": who, "error": message}, 404))
    return who


async def _screen_values(request: Request, who: Viewer) -> dict[str, object]:
    ctx = ctx_of(request)
    params = request.query_params
    number = console_phone.typed_number(params.get("number", ""))
    user, sender = params.get("user", "").strip(), params.get("sender", "")
    before = params.get("before", "")
    values: dict[str, object] = {"who": who, "number": number, "user": user, "sender": sender, "before": before}
    if number:
        older_than = int(before) if before.isascii() and before.isdecimal() and len(before) <= 18 else None
        values["received"], values["older"] = await console_phone.received(ctx, who.account, number, older_than)
    elif user and sender:
        values["conversation"] = await console_phone.conversation(ctx, who.account, user, sender)
    return values


@handled
async def phone_page(request: Request) -> Response:
    who = await _phone_viewer(request)
    values = await _screen_values(request, who)
    values["senders"] = await console_phone.senders(ctx_of(request), who.account)
    values["magic"] = MAGIC_NUMBERS
    return page(request, "phone.html", values)


@handled
async def phone_screen(request: Request) -> Response:
    who = await _phone_viewer(request)
    return fragment("phone_screen.html", await _screen_values(request, who))


def _done(message: str) -> Response:
    answer = fragment("problem.html", {"message": message, "ok": True})
    answer.headers["HX-Trigger"] = "phone-refresh"
    return answer


@handled
async def click(request: Request) -> Response:
    who = await _phone_viewer(request)
    form = await checked_form(request)
    target, recorded = await console_phone.click(ctx_of(request), who.account, form.get("url", ""))
    if recorded:
        return _done(_("Opened %(target)s (a click on the short link was recorded).", target=target))
    return _done(_("Opened %(target)s.", target=target))


@handled
async def write(request: Request) -> Response:
    who = await _phone_viewer(request)
    form = await checked_form(request)
    text = form.get("text", "")
    if not text.strip():
        return problem(_("Write something first."))
    await console_phone.user_writes(ctx_of(request), who.account, form.get("user", ""), form.get("sender", ""), text)
    return _done(_("Sent as the user."))


@handled
async def reply(request: Request) -> Response:
    who = await _phone_viewer(request)
    form = await checked_form(request)
    await console_phone.user_replies(
        ctx_of(request), who.account, form.get("user", ""), form.get("messageId", ""), form.get("button", "")
    )
    return _done(_("Pressed %(button)s.", button=form.get("button", "")))
