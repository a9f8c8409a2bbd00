"""Composition root: builds the store, clock, connectors, engine and the ASGI app from settings."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from .api import (
    admin,
    alim,
    brand,
    brand_templates,
    bulks,
    kakao,
    links,
    ops,
    sandbox,
    sangdam,
    sangdam_sandbox,
    upstream_inbound,
    upstream_reports,
)
from .api import auth_tokens as auth_tokens_api
from .api import faults as faults_api
from .api import history as history_api
from .api import media as media_api
from .api import opt_outs as opt_outs_api
from .api import sandbox_rules as sandbox_rules_api
from .api import sender_credentials as sender_credentials_api
from .api import stats as stats_api
from .api import upstreams as upstreams_api
from .api.errors import api_error
from .clock import Clock, ManualClock, SystemClock
from .config import Settings
from .connectors import nhn as nhn_connector
from .connectors.base import Connector, Submission
from .connectors.credentials import SenderCredentials as NhnCredentials
from .connectors.registry import build_kakao_connector, build_sms_connector, carries_channel
from .connectors.sandbox import ROUTE as SANDBOX_ROUTE
from .connectors.sandbox import SandboxKakao, SandboxSms
from .connectors.upstreams import SMS_SANDBOX_ROUTE, UpstreamDeps, UpstreamError, kakao_route, sms_route
from .console import docs as console_docs
from .console import routes as console_routes
from .engine.duties import STANDARD_DUTIES, DutySpec
from .engine.engine import Engine
from .engine.settings import DAY_MS, EngineSettings
from .engine.transport import GuardedTransport
from .engine.upstream_routes import BreakerSettings, Router
from .engine.webhooks import WebhookPusher
from .metrics import GatewayMetrics
from .readiness import readiness
from .service import accounts, sender_credentials, sms, webhook_targets
from .service.auth import Authenticator
from .service.bootstrap import apply_catalog
from .service.context import Context, Hooks
from .service.faults import FaultWatch
from .service.sandbox_rules import rules_for
from .store import brand as brand_store
from .store import sangdam_sessions
from .store.database import Database, open_database
from .store.message_queries import next_event_at
from .store.reports import next_push_at
from .store.sandbox_state import CLOCK, get_value, put_max
from .store.template_inspection import next_inspection_at
from .store.upstream_settings import account_upstreams, upstream_lists

log = logging.getLogger(__name__)


def _routes(route_of: Callable[[str], str], urls: list[str]) -> list[str]:
    """The routes of upstream URLs, leaving out any that can no longer be used (logged where they are built)."""
    routes = []
    for url in urls:
        try:
            routes.append(route_of(url))
        except UpstreamError:
            continue
    return routes


class Gateway:
    """Everything one gateway process runs, started and stopped together."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        db: Database | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        duties: Sequence[DutySpec] = (),
    ) -> None:
        """`duties`: the engine runs these beside its standard ones (engine/duties.py)."""
        self.settings = settings
        self.clock = clock or (ManualClock() if settings.virtual_clock else SystemClock())
        self.db = db or open_database(settings.database_url)
        self.metrics = GatewayMetrics()
        public_url = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        self.ctx = Context(self.db, self.clock, round(settings.template_approval_delay_s * 1000), public_url)
        self.auth = Authenticator(self.ctx)
        self.sandbox = SandboxKakao(
            latency_ms=settings.sandbox_latency_ms,
            friends=self._friends,
            sessions=self._sangdam_deliver,
            rules=functools.partial(rules_for, self.db),
        )
        self.sandbox_sms = SandboxSms(rules=functools.partial(rules_for, self.db))
        self.connectors: dict[str, Connector] = {SANDBOX_ROUTE: self.sandbox, SMS_SANDBOX_ROUTE: self.sandbox_sms}
        self.public_url = public_url
        self.secret_box = sender_credentials.box_of(settings.secret_key)
        # The server's upstreams; accounts may have their own (built when first needed: load_account_upstreams).
        self.sms_route = self._add_upstream("sms", settings.sms_upstream)
        self.kakao_route = self._add_upstream("kakao", settings.kakao_upstream)
        self.ctx.sms_upstream = settings.sms_upstream
        self.ctx.kakao_upstream = settings.kakao_upstream
        for url in settings.sms_fallbacks:
            self._add_upstream("sms", url)
        for url in settings.kakao_fallbacks:
            self._add_upstream("kakao", url)
        self.ctx.sms_fallbacks = settings.sms_fallbacks
        self.ctx.kakao_fallbacks = settings.kakao_fallbacks
        self.router = Router(
            [kakao_route(u) for u in (settings.kakao_upstream, *settings.kakao_fallbacks)],
            [sms_route(u) for u in (settings.sms_upstream, *settings.sms_fallbacks)],
            BreakerSettings(settings.upstream_failures, round(settings.upstream_open_s * 1000)),
            account_lists=self._account_routes,
            carries=carries_channel,
        )
        # Webhook pushes: where they may go is checked at accept and on the address connected to (engine/transport.py)
        self.sandbox_upstream = all(isinstance(c, SandboxKakao | SandboxSms) for c in self.connectors.values())
        # (private addresses: per account, from its route; the operator's setting overrides)
        self.ctx.webhook_allow_private = settings.webhook_allow_private
        self.http = httpx.AsyncClient(
            transport=webhook_transport or GuardedTransport(settings.webhook_allow_private is not False),
            timeout=httpx.Timeout(10.0),
            headers={"User-Agent": "kakao-gateway"},
            trust_env=False,
        )
        engine_settings = EngineSettings(
            max_submit_rate=settings.max_submit_rate,
            max_submit_rate_per_sender=settings.max_submit_rate_per_sender,
            link_keep_ms=settings.link_retention_days * DAY_MS,
            click_keep_ms=settings.click_retention_days * DAY_MS,
            transcript_keep_ms=settings.transcript_retention_days * DAY_MS,
            history_keep_ms=settings.history_retention_days * DAY_MS,
            stats_keep_ms=settings.stats_retention_days * DAY_MS,
        )
        pusher = WebhookPusher(
            self.db,
            self.clock,
            self.http,
            private_allowed=functools.partial(webhook_targets.private_allowed_for, self.ctx),
            observe=self.metrics.pushed,
        )
        self.engine = Engine(
            self.db,
            self.clock,
            self.connectors,
            pusher,
            engine_settings,
            self.metrics,
            router=self.router,
            resolve=self._resolve_route,
            duties=[*STANDARD_DUTIES, *duties],
        )
        # What the use cases may ask of this process's engine.
        self.ctx.hooks = Hooks(
            wake_engine=self.engine.wake,
            wake_sangdam=self.engine.wake_duty("sangdam"),
            count_destinations=self.metrics.accepted,
            advance_clock=self.advance_clock,
            upstream_health=lambda route: self.router.breaker(route).describe(),
        )
        self.printed: dict[str, str] = {}
        self._stop = asyncio.Event()
        self._engine_task: asyncio.Task[None] | None = None
        self._connectors_started = False

    async def start(self) -> None:
        await self.db.start()
        if self.settings.virtual_clock and isinstance(self.clock, ManualClock):
            # The virtual clock resumes where it stood (never behind what was stored), and says so from now on.
            stored = await self.db.read(get_value(CLOCK))
            if stored is not None and stored > self.clock.now_ms():
                self.clock.set(stored)
            await self.db.write(put_max(CLOCK, self.clock.now_ms()))
        account, new_key = await accounts.ensure_default_account(self.ctx, self.settings.api_key)
        if new_key:
            self.printed["api_key"] = new_key
        new_admin = await accounts.ensure_admin_key(self.ctx, self.settings.admin_key)
        if new_admin:
            self.printed["admin_key"] = new_admin
        await apply_catalog(self.ctx, account.id, self.settings)
        if self.settings.sms_sender is not None:
            await sms.set_default_sender(self.ctx, account.id, self.settings.sms_sender)
        self.default_account_id = account.id
        if self.settings.engine:
            # Accounts' own upstreams too: a worker polls them for reports of messages sent before it started.
            await self.load_account_upstreams()
            await self.start_connectors()
            self._stop.clear()
            self._engine_task = asyncio.create_task(self.engine.run_forever(self._stop), name="engine")

    def _add_upstream(self, kind: str, url: str) -> str:
        """Build the connector of an upstream URL under its route, once; UpstreamError if it cannot be used."""
        route = sms_route(url) if kind == "sms" else kakao_route(url)
        if route not in self.connectors:
            deps = UpstreamDeps(self.clock, route, self.public_url)
            build = build_sms_connector if kind == "sms" else build_kakao_connector
            self.connectors[route] = build(url, deps)
            nhn_connector.attach_credentials(self.connectors[route], self._sender_credentials)
        return route

    async def _account_routes(self, account_ids: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The routes of accounts' own upstream lists, in order (the engine's Router reads them)."""
        lists = await self.db.read(upstream_lists(account_ids))
        return {
            account_id: (_routes(kakao_route, kakao), _routes(sms_route, sms))
            for account_id, (kakao, sms) in lists.items()
        }

    async def _resolve_route(self, route: str) -> Connector | None:
        """A row names a route this process has no connector for: an account's own upstream, set after this process
        started (or by another process). Build the connectors of every account's upstreams."""
        await self.load_account_upstreams()
        return self.connectors.get(route)

    async def load_account_upstreams(self) -> None:
        """Build the connector of every account's own upstream this process does not have yet."""
        for kind in ("sms", "kakao"):
            for url in await self.db.read(account_upstreams(kind)):
                try:
                    before = len(self.connectors)
                    route = self._add_upstream(kind, url)
                except UpstreamError as exc:
                    log.error("an account's %s upstream cannot be used: %s", kind, exc)
                    continue
                if len(self.connectors) > before and self._connectors_started:
                    await self.connectors[route].start()

    async def start_connectors(self) -> None:
        """Start every connector (an SMPP bind): `start` does it when this process runs the engine; tests that drive
        the engine themselves call it."""
        self._connectors_started = True
        for route, connector in list(self.connectors.items()):
            try:
                await connector.start()
            except Exception:  # an upstream that is down must not stop the gateway: its messages wait
                log.exception("connector %s did not start; its messages wait until it does", route)

    async def _close_connectors(self) -> None:
        for route, connector in list(self.connectors.items()):
            try:
                await connector.close()
            except Exception:
                log.exception("connector %s did not close cleanly", route)

    async def _sender_credentials(self, account_id: str, sender: str) -> NhnCredentials | None:
        return await sender_credentials.get_credentials(self.db, self.secret_box, account_id, sender)

    async def _friends(self, account_id: str, sender: str) -> set[str] | None:
        return await self.db.read(brand_store.friends(account_id, sender))

    async def _sangdam_deliver(self, batch: list[Submission], now: int) -> set[int]:
        deliveries = [
            sangdam_sessions.Delivery(s.seq, s.account_id, s.message_id, s.sender, s.destination, s.content)
            for s in batch
        ]
        return await self.db.write(sangdam_sessions.deliver(deliveries, now))

    async def advance_clock(self, target_ms: int) -> None:
        """Virtual clock: move time to `target_ms`, stopping at every instant something falls due on the way, so
        schedules, windows, retries, expiries and webhook retries all play out before this returns."""
        if not isinstance(self.clock, ManualClock):
            raise RuntimeError("the clock is not virtual")
        await self.engine.run_until_idle()
        while True:
            now = self.clock.now_ms()
            candidates = [
                await self.db.read(next_event_at(now)),
                await self.db.read(next_push_at(now)),
                self.sandbox.next_result_at(),
                self.sandbox_sms.next_result_at(),
                await self.db.read(sangdam_sessions.next_expiry_at(now)),
                await self.db.read(next_inspection_at(now)),
            ]
            due = [t for t in candidates if t is not None and now < t <= target_ms]
            if not due:
                break
            self.clock.set(min(due))
            await self.engine.run_until_idle()
        if target_ms > self.clock.now_ms():
            self.clock.set(target_ms)
        await self.engine.run_until_idle()
        await self.db.write(put_max(CLOCK, self.clock.now_ms()))

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """/ready: the database, its migrations, the engine's duties (if this process runs them), the connectors."""
        engine = self.engine if self.settings.engine else None
        return await readiness(self.db, engine, self.engine.connectors, self.routes, self.router.health())

    @property
    def routes(self) -> list[str]:
        """The routes this gateway serves, each of which must have a connector."""
        return sorted({SANDBOX_ROUTE, self.kakao_route, self.sms_route})

    async def metrics_text(self) -> bytes:
        return await self.metrics.render(self.db, self.clock, self.engine if self.settings.engine else None)

    async def stop(self) -> None:
        self._stop.set()
        if self._engine_task is not None:
            self.engine.wake()
            with contextlib.suppress(asyncio.CancelledError):
                await self._engine_task
            self._engine_task = None
        await self._close_connectors()  # started or not: a connector may hold a client from its construction
        await self.http.aclose()
        await self.db.close()


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return api_error(status if status in (404, 405) else 500, request=request)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return api_error(500, request=request)


def create_app(gateway: Gateway) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        await gateway.start()
        try:
            yield {}
        finally:
            await gateway.stop()

    app = Starlette(
        routes=[
            *ops.routes,
            *alim.routes,
            *brand.routes,
            *brand_templates.routes,
            *kakao.routes,
            *history_api.routes,
            *stats_api.routes,
            *bulks.routes,
            *sandbox.routes,
            *sangdam.routes,
            *sangdam_sandbox.routes,
            *sandbox_rules_api.routes,
            *faults_api.routes,
            *opt_outs_api.routes,
            *admin.routes,
            *auth_tokens_api.routes,
            *upstreams_api.routes,
            *sender_credentials_api.routes,
            *upstream_reports.routes,
            *upstream_inbound.routes,
            *console_docs.routes,
            *media_api.routes,
            *console_routes.mount(gateway.ctx, gateway.auth, gateway.sandbox_upstream),
            *links.routes,  # last: its redirect matches any /<code>
        ],
        exception_handlers={HTTPException: _not_found, Exception: _server_error},
        middleware=[Middleware(faults_api.FaultGate)],
        lifespan=lifespan,
    )
    app.state.fault_watch = FaultWatch()
    app.state.logs_rate_limit = gateway.settings.logs_rate_limit
    app.state.ctx = gateway.ctx
    app.state.auth = gateway.auth
    app.state.ops = _Ops(gateway)
    app.state.secret_box = gateway.secret_box
    app.state.upstream_reports = upstream_reports.ReportTargets(gateway.connectors, gateway.load_account_upstreams)
    return app


class _Ops:
    """The operations endpoints' view of a gateway (api.ops.Operations)."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        return await self._gateway.readiness()

    async def metrics(self) -> bytes:
        return await self._gateway.metrics_text()
