"""The console's routes, mounted at /console as an app of its own (its cookie sessions stay off the API)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..service.auth import Authenticator
from ..service.context import Context
from . import (
    accounts,
    agents,
    bulks,
    campaigns,
    catalog,
    dashboard,
    exports,
    history,
    inbox,
    messages,
    opt_outs,
    phone,
    preferences,
    replies,
    settings,
    signing,
)
from .i18n import LANGUAGES, Preferences, translations
from .sessions import ConsoleSessions, wall_ms
from .web import BASE, not_found

STATIC = StaticFiles(packages=[("kakao_gateway.console", "static")])


def console_routes() -> list[Route | Mount]:
    return [
        Route("/", signing.home, methods=["GET"]),
        Route("/sign-in", signing.sign_in_page, methods=["GET"]),
        Route("/sign-in", signing.sign_in, methods=["POST"]),
        Route("/sign-out", signing.sign_out, methods=["POST"]),
        Route("/language/{lang}", preferences.set_language, methods=["GET"]),
        Route("/zone/{zone}", preferences.set_zone, methods=["GET"]),
        Route("/dashboard", dashboard.dashboard_page, methods=["GET"]),
        Route("/dashboard/panel", dashboard.dashboard_panel, methods=["GET"]),
        Route("/inbox", inbox.inbox_page, methods=["GET"]),
        Route("/inbox/list", inbox.inbox_list, methods=["GET"]),
        Route("/inbox/closed", inbox.closed_page, methods=["GET"]),
        Route("/inbox/replies", replies.replies_page, methods=["GET"]),
        Route("/inbox/replies", replies.add_reply, methods=["POST"]),
        Route("/inbox/replies/{shortcut}/remove", replies.remove_reply, methods=["POST"]),
        Route("/inbox/{sessionId}", inbox.chat_page, methods=["GET"]),
        Route("/inbox/{sessionId}/transcript.csv", exports.transcript_csv, methods=["GET"]),
        Route("/inbox/{sessionId}/events", inbox.chat_events, methods=["GET"]),
        Route("/inbox/{sessionId}/reply", inbox.reply, methods=["POST"]),
        Route("/inbox/{sessionId}/image", inbox.reply_image, methods=["POST"]),
        Route("/inbox/{sessionId}/terminate", inbox.terminate, methods=["POST"]),
        Route("/inbox/{sessionId}/assign", inbox.assign, methods=["POST"]),
        Route("/agents", agents.agents_page, methods=["GET"]),
        Route("/agents", agents.add_agent, methods=["POST"]),
        Route("/agents/{keyId}/remove", agents.remove_agent, methods=["POST"]),
        Route("/messages", messages.messages_page, methods=["GET"]),
        Route("/messages/{messageId}", messages.timeline_page, methods=["GET"]),
        Route("/history", history.history_page, methods=["GET"]),
        Route("/history/export.csv", exports.history_csv, methods=["GET"]),
        Route("/campaigns", campaigns.campaigns_page, methods=["GET"]),
        Route("/campaigns", campaigns.upload, methods=["POST"]),
        Route("/campaigns/{campaignId}", campaigns.campaign_page, methods=["GET"]),
        Route("/campaigns/{campaignId}/plan", campaigns.dry_run, methods=["POST"]),
        Route("/campaigns/{campaignId}/send", campaigns.send, methods=["POST"]),
        Route("/bulks", bulks.bulks_page, methods=["GET"]),
        Route("/bulks/plan", bulks.plan_page, methods=["GET"]),
        Route("/bulks/plan", bulks.plan, methods=["POST"]),
        Route("/bulks/{bulkId}", bulks.bulk_page, methods=["GET"]),
        Route("/bulks/{bulkId}/speed", bulks.repace, methods=["POST"]),
        Route("/bulks/{bulkId}/schedule", bulks.reschedule, methods=["POST"]),
        Route("/bulks/{bulkId}/progress", bulks.bulk_progress, methods=["GET"]),
        Route("/bulks/{bulkId}/export.csv", exports.bulk_csv, methods=["GET"]),
        Route("/bulks/{bulkId}/{action}", bulks.bulk_action, methods=["POST"]),
        Route("/opt-outs", opt_outs.opt_outs_page, methods=["GET"]),
        Route("/opt-outs", opt_outs.add, methods=["POST"]),
        Route("/opt-outs/{destination}/remove", opt_outs.remove, methods=["POST"]),
        Route("/templates", catalog.templates_page, methods=["GET"]),
        Route("/senders", catalog.add_sender, methods=["POST"]),
        Route("/templates/{sender}/{code}/{decision}", catalog.inspect, methods=["POST"]),
        Route("/settings", settings.settings_page, methods=["GET"]),
        Route("/subscriptions/{channel}", settings.put_subscription, methods=["POST"]),
        Route("/signing/generate", settings.generate_secret, methods=["POST"]),
        Route("/signing/disable", settings.disable_signing, methods=["POST"]),
        Route("/keys", settings.create_key, methods=["POST"]),
        Route("/keys/{keyId}/revoke", settings.revoke_key, methods=["POST"]),
        Route("/phone", phone.phone_page, methods=["GET"]),
        Route("/phone/screen", phone.phone_screen, methods=["GET"]),
        Route("/phone/click", phone.click, methods=["POST"]),
        Route("/phone/write", phone.write, methods=["POST"]),
        Route("/phone/reply", phone.reply, methods=["POST"]),
        Route("/accounts", accounts.accounts_page, methods=["GET"]),
        Route("/accounts", accounts.create_account, methods=["POST"]),
        Route("/accounts/{accountId}/keys", accounts.keys_page, methods=["GET"]),
        Route("/accounts/{accountId}/keys", accounts.create_key, methods=["POST"]),
        Route("/accounts/{accountId}/keys/{keyId}/revoke", accounts.revoke_key, methods=["POST"]),
    ]


async def _to_slash(request: Request) -> Response:
    """`/console` (the address people type) is the console's home, `/console/`."""
    query = request.url.query
    return RedirectResponse(f"{BASE}/?{query}" if query else f"{BASE}/", status_code=308)


async def _icon(request: Request) -> Response:
    """Browsers ask the site's root for its icon: it is the console's."""
    return RedirectResponse(f"{BASE}/static/favicon.svg", status_code=308)


def mount(ctx: Context, auth: Authenticator, sandbox: bool = False) -> list[Route | Mount]:
    """`/console/static` (the packaged assets), `/console` (a redirect to `/console/`, else a short link would take
    it) and `/console/` (the pages, behind their cookie sessions). `sandbox`: the upstream is the sandbox (the
    sandbox phone is served)."""
    pages = Starlette(
        routes=console_routes(),
        middleware=[Middleware(ConsoleSessions, ctx=ctx, path=BASE), Middleware(Preferences)],
        exception_handlers={HTTPException: not_found},
    )
    pages.state.ctx = ctx
    pages.state.auth = auth
    pages.state.sandbox = sandbox
    pages.state.wall_ms = wall_ms
    for language in LANGUAGES:
        translations(language)  # compiled now: a broken catalogue stops the start, not a Korean page later
    return [
        Mount(f"{BASE}/static", app=STATIC, name="console-static"),
        Route(BASE, _to_slash, include_in_schema=False),
        Route("/favicon.ico", _icon, include_in_schema=False),
        Mount(BASE, app=pages),
    ]
