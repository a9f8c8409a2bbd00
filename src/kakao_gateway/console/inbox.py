"""The agent inbox for Sangdam: open sessions newest activity first with unread counts, a chat view that shows new
messages as they arrive (Server-Sent Events), replies and terminations through the Sangdam send path, and the
transcripts of closed sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..service import media
from ..service.console import actions as console
from ..service.console import canned_replies
from ..service.console import sessions as console_sessions
from ..service.context import Context
from ..service.errors import InvalidRequest
from .i18n import _
from .web import Viewer, checked_form, ctx_of, env, fragment, handled, page, problem, uploaded_file, viewer

PAGE = 50
POLL_S = 0.5  # how often a live chat view looks for new transcript rows (one index probe)
RECHECK_S = 10.0  # how often a live chat view re-checks that its console session (and key) still works
KEEPALIVE_S = 15.0


def _page_values(request: Request) -> tuple[str | None, str | None, str]:
    params = request.query_params
    return params.get("sender") or None, params.get("cursor") or None, params.get("show", "all")


def _assigned(who: Viewer, show: str) -> str | None:
    """The inbox's `show` choice as a filter: mine, unassigned, or everything."""
    return {"mine": who.key_id, "unassigned": ""}.get(show)


async def _inbox_values(request: Request, who: Viewer) -> dict[str, object]:
    sender, cursor, show = _page_values(request)
    q = request.query_params.get("q", "")
    ctx = ctx_of(request)
    rows, next_cursor = await console.inbox(ctx, who.account, sender, PAGE, cursor, _assigned(who, show), q)
    query = {"sender": sender or "", "show": show, "q": q}
    return {
        "who": who,
        "rows": rows,
        "next_cursor": next_cursor,
        "sender": sender or "",
        "cursor": cursor,
        "show": show,
        "q": q,
        "query": query,
        "current": request.query_params.get("current"),
    }


@handled
async def inbox_page(request: Request) -> Response:
    who = await viewer(request)
    return page(request, "inbox.html", await _inbox_values(request, who))


@handled
async def inbox_list(request: Request) -> Response:
    who = await viewer(request)
    return fragment("inbox_list.html", await _inbox_values(request, who))


@handled
async def closed_page(request: Request) -> Response:
    who = await viewer(request)
    cursor = request.query_params.get("cursor") or None
    q = request.query_params.get("q", "")
    found, next_cursor = await console.closed_sessions(ctx_of(request), who.account, PAGE, cursor, q)
    values = {"who": who, "sessions": found, "next_cursor": next_cursor, "cursor": cursor, "q": q}
    return page(request, "closed.html", values)


@handled
async def chat_page(request: Request) -> Response:
    who = await viewer(request)
    ctx = ctx_of(request)
    session_id = request.path_params["sessionId"]
    found = await console.session(ctx, who.account, session_id)
    rows = await console.transcript_after(ctx, who.account, session_id, 0, 1000)
    await console.mark_read(ctx, who.account, session_id, rows)
    last = rows[-1].seq if rows else 0
    assigned = await console.assignee(ctx, who.account, session_id)
    agents = [a for a in await console.agents(ctx, who.account) if a.revoked_at is None]
    canned = [{"shortcut": r.shortcut, "text": r.text} for r in await canned_replies.replies(ctx, who.account)]
    values = {
        "who": who,
        "s": found,
        "rows": rows,
        "last": last,
        "assigned": assigned,
        "agents": agents,
        "canned": canned,
    }
    return page(request, "chat.html", values)


def _sse(event: str, data: str, event_id: int | None = None) -> str:
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


def _after(request: Request) -> int:
    values = [request.headers.get("last-event-id", ""), request.query_params.get("after", "")]
    return max((int(v) for v in values if v.isdigit()), default=0)


async def _stream(
    ctx: Context, who: Viewer, session_id: str, after: int, state: str, wall_ms: Callable[[], int]
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    checked = quiet = loop.time()
    yield "retry: 2000\n\n"
    while True:
        rows = await console.transcript_after(ctx, who.account, session_id, after, 200)
        if rows:
            after = rows[-1].seq
            html = env.get_template("bubbles.html").render(rows=rows)
            yield _sse("message", html, after)
            await console.mark_read(ctx, who.account, session_id, rows)
            quiet = loop.time()
        now = loop.time()
        recheck = now - checked > RECHECK_S
        if rows or recheck:  # a session also ends quietly (it expires)
            current = await console.session(ctx, who.account, session_id)
            if current.state != state:
                state = current.state
                yield _sse("state", env.get_template("chat_state.html").render(s=current))
                if state != "open":  # the reply box goes with it
                    yield _sse("closed", env.get_template("chat_closed.html").render())
        if recheck:
            checked = now
            if await console_sessions.session_key(ctx, who.session, wall_ms()) is None:
                return
        if now - quiet > KEEPALIVE_S:
            quiet = now
            yield ": keepalive\n\n"
        await asyncio.sleep(POLL_S)


@handled
async def chat_events(request: Request) -> Response:
    who = await viewer(request)
    ctx = ctx_of(request)
    session_id = request.path_params["sessionId"]
    found = await console.session(ctx, who.account, session_id)
    stream = _stream(ctx, who, session_id, _after(request), found.state, request.app.state.wall_ms)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


@handled
async def reply(request: Request) -> Response:
    who = await viewer(request)
    form = await checked_form(request)
    ctx = ctx_of(request)
    found = await console.session(ctx, who.account, request.path_params["sessionId"])
    if found.state != "open":
        return problem(_("The session is closed: the user must write again to open a new one."), 409)
    kind = form.get("type", "TEXT")
    content = console.reply_content(kind, form.get("text", ""), form.get("imageUrl", ""), form.get("buttons", ""))
    answer = await console.send_into(ctx, who.account, found, content)
    return fragment("sent.html", {"answer": answer, "what": _("Reply")})


@handled
async def reply_image(request: Request) -> Response:
    """An image uploaded from the chat, kept and served by the gateway, sent to the user as a Sangdam IMAGE."""
    who = await viewer(request)
    data = (await uploaded_file(request, "image", media.MAX_IMAGE_BYTES)).data
    ctx = ctx_of(request)
    found = await console.session(ctx, who.account, request.path_params["sessionId"])
    if found.state != "open":
        return problem(_("The session is closed: the user must write again to open a new one."), 409)
    url = await media.store_image(ctx, who.account, data)
    answer = await console.send_into(ctx, who.account, found, {"type": "IMAGE", "url": url})
    return fragment("sent.html", {"answer": answer, "what": _("Image")})


@handled
async def terminate(request: Request) -> Response:
    who = await viewer(request)
    await checked_form(request)
    ctx = ctx_of(request)
    found = await console.session(ctx, who.account, request.path_params["sessionId"])
    if found.state != "open":
        raise InvalidRequest([("", "The session is already closed.")])
    answer = await console.terminate(ctx, who.account, found)
    return fragment("sent.html", {"answer": answer, "what": _("Terminate")})


@handled
async def assign(request: Request) -> Response:
    who = await viewer(request)
    form = await checked_form(request)
    ctx = ctx_of(request)
    found = await console.session(ctx, who.account, request.path_params["sessionId"])
    assigned = await console.assign(ctx, who.account, found, form.get("agent") or None)
    agents = [a for a in await console.agents(ctx, who.account) if a.revoked_at is None]
    values = {"s": found, "assigned": assigned, "agents": agents, "who": who, "done": True}
    return fragment("assignment.html", values)
