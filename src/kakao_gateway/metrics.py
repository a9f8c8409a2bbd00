"""Prometheus metrics of one gateway process, in a registry of its own (never the global default one, so any
number of gateways can live in one process, as they do in the tests).

Counters count what this process did since it started; gauges of the queue are read from the database at each
scrape (`store.stats.queue_stats`: bounded index walks, whatever the backlog). Labels are channels, routes,
status groups, outbox kinds, results and causes: never a phone number, a message id or a bulk id.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest

from .clock import Clock
from .engine.engine import Engine
from .engine.observer import OutcomeSource, RetryCause
from .store.database import Database
from .store.stats import QUEUE_STATES, queue_stats

PREFIX = "kakao_gateway"
_BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)
_PUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class GatewayMetrics:
    """Every metric of one gateway; also the engine's observer and the webhook pusher's `observe` hook."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        ProcessCollector(namespace=PREFIX, registry=r)
        self.destinations = Counter(
            f"{PREFIX}_destinations",
            "Destinations of send requests, by channel and whether they were accepted or rejected at once",
            ["channel", "result"],
            registry=r,
        )
        self.submits = Counter(
            f"{PREFIX}_submits", "Messages handed to an upstream connector", ["channel", "route"], registry=r
        )
        self.outcomes = Counter(
            f"{PREFIX}_outcomes",
            "Upstream answers per message, by status group (source: answered at the submit, or reported later)",
            ["channel", "route", "status_group", "source"],
            registry=r,
        )
        self.retries = Counter(
            f"{PREFIX}_retries",
            "Messages queued again (cause: temporary upstream failure, no result in time, lapsed worker lease)",
            ["channel", "route", "cause"],
            registry=r,
        )
        self.expiries = Counter(f"{PREFIX}_expiries", "Messages whose validity ended before delivery", registry=r)
        self.failovers = Counter(
            f"{PREFIX}_failovers",
            "Messages whose Kakao hop ended undelivered and that went on to SMS, by channel and the Kakao error",
            ["channel", "reason"],
            registry=r,
        )
        self.purges = Counter(f"{PREFIX}_purged_rows", "Rows deleted by housekeeping, by table", ["table"], registry=r)
        self.claim_batch = Histogram(
            f"{PREFIX}_claim_batch_size_messages",
            "Due messages taken per dispatch claim (claims that found none are not counted)",
            buckets=_BATCH_BUCKETS,
            registry=r,
        )
        self.pushes = Counter(
            f"{PREFIX}_webhook_pushes", "Webhook posts, by outbox kind and result", ["kind", "result"], registry=r
        )
        self.push_seconds = Histogram(
            f"{PREFIX}_webhook_push_duration_seconds",
            "Time a webhook post took, until the answer, error or timeout",
            ["kind"],
            buckets=_PUSH_BUCKETS,
            registry=r,
        )
        self.queue = Gauge(
            f"{PREFIX}_queue_messages",
            "Message rows not yet finished, by state (at most 100000 counted per state)",
            ["state"],
            registry=r,
        )
        self.queue_due = Gauge(
            f"{PREFIX}_queue_due_messages", "Queued messages whose due time has come (at most 100000)", registry=r
        )
        self.oldest_due = Gauge(
            f"{PREFIX}_oldest_due_message_age_seconds",
            "How long the longest-waiting due queued message has been due (0 when none is due)",
            registry=r,
        )
        self.reroutes = Counter(
            f"{PREFIX}_upstream_failovers",
            "Messages moved from one upstream of their list to another (from_route unhealthy, or healthy again)",
            ["from_route", "to_route"],
            registry=r,
        )
        self.upstream_opened_total = Counter(
            f"{PREFIX}_upstream_unhealthy",
            "Times an upstream turned unhealthy (its breaker opened)",
            ["route"],
            registry=r,
        )
        self.duty_up = Gauge(f"{PREFIX}_engine_duty_up", "1 while an engine duty's task runs", ["duty"], registry=r)
        self.duty_age = Gauge(
            f"{PREFIX}_engine_duty_last_step_age_seconds",
            "Seconds since an engine duty last completed a step",
            ["duty"],
            registry=r,
        )

    # --- the send path -------------------------------------------------------------------------------------------

    def accepted(self, channel: str, accepted: int, rejected: int) -> None:
        if accepted:
            self.destinations.labels(channel, "accepted").inc(accepted)
        if rejected:
            self.destinations.labels(channel, "rejected").inc(rejected)

    # --- EngineObserver ------------------------------------------------------------------------------------------

    def claimed(self, rows: int) -> None:
        self.claim_batch.observe(rows)

    def rerouted(self, from_route: str, to_route: str, messages: int) -> None:
        self.reroutes.labels(from_route, to_route).inc(messages)

    def upstream_opened(self, route: str) -> None:
        self.upstream_opened_total.labels(route).inc()

    def submitted(self, channel: str, route: str, messages: int) -> None:
        self.submits.labels(channel, route).inc(messages)

    def outcome(self, channel: str, route: str, status_group: str, source: OutcomeSource) -> None:
        self.outcomes.labels(channel, route, status_group, source).inc()

    def retried(self, channel: str, route: str, cause: RetryCause, messages: int) -> None:
        self.retries.labels(channel, route, cause).inc(messages)

    def expired(self, messages: int) -> None:
        self.expiries.inc(messages)

    def failed_over(self, channel: str, reason: str, messages: int) -> None:
        self.failovers.labels(channel, reason).inc(messages)

    def purged(self, table: str, rows: int) -> None:
        self.purges.labels(table).inc(rows)

    # --- the webhook pusher --------------------------------------------------------------------------------------

    def pushed(self, result: str, seconds: float, kind: str) -> None:
        self.pushes.labels(kind, result).inc()
        self.push_seconds.labels(kind).observe(seconds)

    # --- scrape ----------------------------------------------------------------------------------------------------

    async def render(self, db: Database, clock: Clock, engine: Engine | None) -> bytes:
        """Refresh the gauges read at scrape time, then the exposition text."""
        now = clock.now_ms()
        stats = await db.read(queue_stats(now))
        for state in QUEUE_STATES:
            self.queue.labels(state).set(stats.by_state.get(state, 0))
        self.queue_due.set(stats.due)
        self.oldest_due.set(0 if stats.oldest_due_at is None else max(0, now - stats.oldest_due_at) / 1000)
        if engine is not None:
            for name, duty in engine.duty_states().items():
                self.duty_up.labels(name).set(1 if duty.alive else 0)
                if duty.last_step_s is not None:
                    self.duty_age.labels(name).set(duty.last_step_s)
        return generate_latest(self.registry)
