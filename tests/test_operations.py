"""Operations through the HTTP API: /metrics (Prometheus text, operator key), /health and /ready (what failed),
JSON log lines with the ids they concern, and the retention of short links and clicks (fake clock)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import LateResult, Submission, SubmitResult
from kakao_gateway.connectors.sandbox.kakao import ROUTE
from kakao_gateway.connectors.sandbox.sms import SandboxSms
from kakao_gateway.connectors.upstreams import SMS_SANDBOX_ROUTE
from kakao_gateway.domain.times import format_ms
from kakao_gateway.logs import configure_logging
from kakao_gateway.store import links as links_store
from kakao_gateway.store import stats
from kakao_gateway.store.sql import Execute, Fetch, Op

from .conftest import ADMIN_KEY, PG_URL, START_MS, Receiver
from .helpers import alim_body, register_basics, send, settle
from .spec import assert_api_error
from .test_brand_send import add_sender, brand_body, follow, free_form, log_of, post, short_links
from .test_query_plans import _pg_plan, _sqlite_plan
from .test_query_plans import filled as filled  # the fixture

HOOK = "http://hooks.test/dlr"
DAY_S = 86_400
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(admin: httpx.AsyncClient) -> tuple[str, Samples]:
    response = await admin.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# --- /metrics ------------------------------------------------------------------------------------------------------


async def test_metrics_need_the_operator_key(gateway: Gateway, client: httpx.AsyncClient) -> None:
    app = create_app(gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as anon:
        for headers in ({}, {"Authorization": "App wrong"}, {"Authorization": f"Bearer {ADMIN_KEY}"}):
            denied = await anon.get("/metrics", headers=headers)
            assert denied.status_code == 401, headers
            assert_api_error(denied.json())
        allowed = await anon.get("/metrics", headers={"Authorization": f"App {ADMIN_KEY}"})
        assert allowed.status_code == 200
    tenant = await client.get("/metrics")  # an account's API key is not enough
    assert tenant.status_code == 401


async def test_metrics_count_sends_outcomes_retries_and_pushes(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock, receiver: Receiver
) -> None:
    await register_basics(client)
    body = alim_body("821000000001", "821000000002", "821000000006", "not-a-number")
    body["messages"][0]["webhooks"] = {"delivery": {"url": HOOK}}
    answer = await send(client, body)
    await settle(gateway)
    clock.advance(31)  # the provider error's retry
    await settle(gateway)
    assert receiver.requests

    text, m = await scrape(admin)
    alim = {"channel": "ALIM", "route": ROUTE}
    assert value(m, "kakao_gateway_destinations_total", channel="ALIM", result="accepted") == 3
    assert value(m, "kakao_gateway_destinations_total", channel="ALIM", result="rejected") == 1
    assert value(m, "kakao_gateway_submits_total", **alim) == 4  # three, and the retry
    submit = {**alim, "source": "submit"}
    assert value(m, "kakao_gateway_outcomes_total", **submit, status_group="DELIVERED") == 2
    assert value(m, "kakao_gateway_outcomes_total", **submit, status_group="UNDELIVERABLE") == 1
    assert value(m, "kakao_gateway_outcomes_total", **submit, status_group="PENDING") == 1
    assert value(m, "kakao_gateway_retries_total", **alim, cause="temporary") == 1
    assert value(m, "kakao_gateway_claim_batch_size_messages_count") == 2
    assert value(m, "kakao_gateway_claim_batch_size_messages_sum") == 4
    pushes = value(m, "kakao_gateway_webhook_pushes_total", kind="report", result="ok")
    assert pushes == len(receiver.requests)
    assert value(m, "kakao_gateway_webhook_push_duration_seconds_count", kind="report") == pushes
    assert value(m, "kakao_gateway_queue_messages", state="queued") == 0

    # Conventions: our prefix everywhere, no phone number and no id in any label.
    for family in text_string_to_metric_families(text):
        assert family.name.startswith("kakao_gateway_"), family.name
    for secret in ("8210000000", answer["bulkId"], *(msg["messageId"] for msg in answer["messages"])):
        assert secret not in text


async def test_failed_pushes_and_late_results_are_counted(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock, receiver: Receiver
) -> None:
    gateway.sandbox.latency_ms = 5_000  # results come later, through the collector
    receiver.status = 500
    await register_basics(client)
    body = alim_body("821000000001")
    body["messages"][0]["webhooks"] = {"delivery": {"url": HOOK}}
    await send(client, body)
    await settle(gateway)
    clock.advance(6)
    await settle(gateway)
    _, m = await scrape(admin)
    late = {"channel": "ALIM", "route": ROUTE, "source": "late"}
    assert value(m, "kakao_gateway_outcomes_total", **late, status_group="DELIVERED") == 1
    waiting = {"channel": "ALIM", "route": ROUTE, "source": "submit", "status_group": "PENDING"}
    assert value(m, "kakao_gateway_outcomes_total", **waiting) == 1
    assert value(m, "kakao_gateway_webhook_pushes_total", kind="report", result="failed") == 1


async def test_expiries_are_counted(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    await register_basics(client)
    body = alim_body("821000000005", options=None)
    body["messages"][0]["options"] = {"validityPeriod": {"amount": 2, "timeUnit": "MINUTES"}}
    await send(client, body)
    await gateway.advance_clock(clock.now_ms() + 5 * 60_000)
    _, m = await scrape(admin)
    assert value(m, "kakao_gateway_expiries_total") == 1
    assert value(m, "kakao_gateway_retries_total", channel="ALIM", route=ROUTE, cause="temporary") >= 2


async def test_failovers_are_counted_by_channel_and_reason(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    """At the submit (not a user), and when the Kakao validity lapses (expiry), each failover counts once."""
    await register_basics(client)
    failover = {"smsFailover": {"text": "Your order shipped", "sender": "0215881234"}}
    await send(client, alim_body("821000000002", message={"options": failover}))
    lapsing = {**failover, "validityPeriod": {"amount": 2, "timeUnit": "MINUTES"}}
    await send(client, alim_body("821000000005", message={"options": lapsing}))
    await gateway.advance_clock(clock.now_ms() + 5 * 60_000)
    _, m = await scrape(admin)
    assert value(m, "kakao_gateway_failovers_total", channel="ALIM", reason="EC_UNKNOWN_USER") == 1
    assert value(m, "kakao_gateway_failovers_total", channel="ALIM", reason="EC_VALIDITY_EXPIRED") == 1
    assert value(m, "kakao_gateway_expiries_total") == 0  # the lapsed Kakao hop went on: no message expired
    sms = {"channel": "ALIM", "route": "SMS_SANDBOX", "source": "submit", "status_group": "DELIVERED"}
    assert value(m, "kakao_gateway_outcomes_total", **sms) == 2


async def test_queue_gauges_show_depth_and_the_oldest_due_message(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    await register_basics(client)
    tomorrow = START_MS + DAY_S * 1000
    body = alim_body("821000000001", "821000000002", options={"schedule": {"sendAt": format_ms(tomorrow)}})
    await send(client, body)
    _, m = await scrape(admin)
    assert value(m, "kakao_gateway_queue_messages", state="queued") == 2
    assert value(m, "kakao_gateway_queue_due_messages") == 0
    assert value(m, "kakao_gateway_oldest_due_message_age_seconds") == 0

    clock.set(tomorrow + 90_000)  # due for 90 s, and no engine ran
    _, m = await scrape(admin)
    assert value(m, "kakao_gateway_queue_due_messages") == 2
    assert value(m, "kakao_gateway_oldest_due_message_age_seconds") == 90

    await settle(gateway)
    _, m = await scrape(admin)
    assert value(m, "kakao_gateway_queue_messages", state="queued") == 0
    assert value(m, "kakao_gateway_oldest_due_message_age_seconds") == 0


async def test_two_gateways_keep_their_own_metrics(settings: Settings, gateway: Gateway) -> None:
    other = Gateway(settings, clock=ManualClock(START_MS), db=gateway.db)
    assert other.metrics.registry is not gateway.metrics.registry
    gateway.metrics.accepted("ALIM", 5, 0)
    labels = {"channel": "ALIM", "result": "accepted"}
    assert other.metrics.registry.get_sample_value("kakao_gateway_destinations_total", labels) is None
    assert gateway.metrics.registry.get_sample_value("kakao_gateway_destinations_total", labels) == 5
    await other.http.aclose()


# --- /health and /ready --------------------------------------------------------------------------------------------


async def test_health_is_open_and_needs_no_database(gateway: Gateway, client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_names_what_failed(gateway: Gateway, client: httpx.AsyncClient) -> None:
    ok = await client.get("/ready", headers={"Authorization": ""})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["status"] == "ready" and body["failed"] == []
    head = stats.head_revision()
    assert body["checks"]["migrations"] == {"ok": True, "database": head, "head": head}
    assert body["checks"]["engine"] == {"ok": True, "running": False}  # this process runs no engine
    assert body["checks"]["connectors"]["routes"] == {ROUTE: "bound", SMS_SANDBOX_ROUTE: "bound"}
    assert body["checks"]["connectors"]["degraded"] == []

    connector = gateway.connectors.pop(ROUTE)
    try:
        unbound = await client.get("/ready")
        assert unbound.status_code == 503
        assert unbound.json()["failed"] == ["connectors"]
        assert unbound.json()["checks"]["connectors"]["routes"] == {ROUTE: "unbound", SMS_SANDBOX_ROUTE: "bound"}
    finally:
        gateway.connectors[ROUTE] = connector

    await gateway.db.write(_execute("UPDATE alembic_version SET version_num = '0001'"))
    try:
        behind = await client.get("/ready")
        assert behind.status_code == 503
        assert behind.json()["failed"] == ["migrations"]
        assert behind.json()["checks"]["migrations"]["database"] == "0001"
    finally:
        await gateway.db.write(_execute(f"UPDATE alembic_version SET version_num = '{head}'"))

    async def unreachable(op: Any) -> Any:
        op.close()
        raise OSError("connection refused")

    gateway.db.read = unreachable  # type: ignore[method-assign]
    try:
        down = await client.get("/ready")
    finally:
        del gateway.db.read
    assert down.status_code == 503
    assert down.json()["failed"] == ["database", "migrations"]
    assert "connection refused" in down.json()["checks"]["database"]["error"]


@pytest.fixture
async def running(settings: Settings, receiver: Receiver) -> AsyncIterator[Gateway]:
    """A gateway whose engine runs its duties as tasks (as `serve` does)."""
    gw = Gateway(
        dataclasses.replace(settings, engine=True),
        clock=ManualClock(START_MS),
        webhook_transport=httpx.ASGITransport(app=receiver.app()),
    )
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


async def test_ready_reports_the_engine_duties(running: Gateway) -> None:
    app = create_app(running)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as c:
        for _ in range(100):  # the duties' first steps
            response = await c.get("/ready")
            if response.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert response.status_code == 200, response.text
        engine = response.json()["checks"]["engine"]
        assert engine["running"] is True
        assert set(engine["duties"]) == {"dispatch", "collect", "push", "maintenance", "sangdam"}
        assert all(d["alive"] and d["lastStepSecondsAgo"] is not None for d in engine["duties"].values())

        metrics = await c.get("/metrics", headers={"Authorization": f"App {ADMIN_KEY}"})
        assert 'kakao_gateway_engine_duty_up{duty="dispatch"} 1.0' in metrics.text

        # The engine stops (as on a crash of its task): the duties are gone, and /ready says so.
        running._stop.set()
        running.engine.wake()
        assert running._engine_task is not None
        await running._engine_task
        running._engine_task = None
        stopped = await c.get("/ready")
        assert stopped.status_code == 503
        assert stopped.json()["failed"] == ["engine"]
        assert not stopped.json()["checks"]["engine"]["duties"]["dispatch"]["alive"]


def _count(table: str) -> Op[int]:
    rows = yield Fetch(f"SELECT COUNT(*) FROM {table}")
    return int(rows[0][0])


def _execute(sql: str) -> Op[int]:
    changed: int = yield Execute(sql)
    return changed


# --- JSON logs -----------------------------------------------------------------------------------------------------


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("info", "json")
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield stream
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])


class BrokenUpstream:
    async def submit(self, batch: list[Submission], now: int) -> list[SubmitResult]:
        raise ConnectionError("upstream is down")

    async def poll_results(self, now: int) -> list[LateResult]:
        return []


async def test_json_logs_carry_the_ids(gateway: Gateway, client: httpx.AsyncClient, json_logs: io.StringIO) -> None:
    await register_basics(client)
    gateway.connectors[ROUTE] = BrokenUpstream()
    answer = await send(client, alim_body({"to": "821000000001", "messageId": "ops-log-1"}))
    await gateway.engine.run_once()
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    [accepted] = [line for line in lines if "destinations accepted" in line["message"]]
    assert accepted["bulkId"] == answer["bulkId"]
    assert accepted["accountId"] == gateway.default_account_id
    [failed] = [line for line in lines if "failed a submit" in line["message"]]
    assert failed["level"] == "error"
    assert failed["messageId"] == "ops-log-1"
    assert failed["bulkId"] == answer["bulkId"]
    assert failed["accountId"] == gateway.default_account_id
    assert "ConnectionError: upstream is down" in failed["exception"]


def test_configure_logging_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="log level"):
        configure_logging("loud", "text")
    with pytest.raises(ValueError, match="log format"):
        configure_logging("info", "yaml")


def test_text_logs_append_the_ids() -> None:
    from kakao_gateway.logs import TextFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.messageId = "M1"
    record.accountId = "A1"
    assert TextFormatter().format(record).endswith("x: hello you [messageId=M1 accountId=A1]")


# --- retention of short links and clicks ---------------------------------------------------------------------------


async def test_short_links_and_clicks_are_purged_after_their_retention(
    settings: Settings, gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    assert settings.link_retention_days == settings.click_retention_days == 90
    await add_sender(client)
    answer = await post(client, brand_body(free_form("TEXT_FREE_FORM"), tracking={}))
    [message] = answer["messages"]
    content = (await log_of(client, message["messageId"]))["content"]
    (scheme, host, code), *_ = short_links(content["text"])
    short = f"{scheme}://{host}/{code}"
    await settle(gateway)
    assert (await follow(client, short)).status_code == 302

    clock.advance(89 * DAY_S)
    await settle(gateway)
    assert (await follow(client, short)).status_code == 302  # still kept; a second click recorded
    clock.advance(DAY_S + 60)
    await settle(gateway)
    gone = await follow(client, short)
    assert gone.status_code == 404
    assert_api_error(gone.json())
    _, m = await scrape(admin)
    assert value(m, "kakao_gateway_purged_rows_total", table="short_links") >= 1
    assert await gateway.db.read(_count("clicks")) == 0  # both clicks went with their link


async def test_clicks_have_their_own_retention(gateway: Gateway, client: httpx.AsyncClient, clock: ManualClock) -> None:
    gateway.engine.settings = dataclasses.replace(gateway.engine.settings, click_keep_ms=DAY_S * 1000)
    await add_sender(client)
    answer = await post(client, brand_body(free_form("TEXT_FREE_FORM"), tracking={}))
    [message] = answer["messages"]
    content = (await log_of(client, message["messageId"]))["content"]
    (scheme, host, code), *_ = short_links(content["text"])
    short = f"{scheme}://{host}/{code}"
    assert (await follow(client, short)).status_code == 302
    stats_before = await client.get("/kakao/1/clicks", params={"messageId": message["messageId"]})
    assert sum(r["clicks"] for r in stats_before.json()["results"]) == 1
    clock.advance(DAY_S + 60)
    await settle(gateway)
    stats_after = await client.get("/kakao/1/clicks", params={"messageId": message["messageId"]})
    assert sum(r["clicks"] for r in stats_after.json()["results"]) == 0  # the click went
    assert (await follow(client, short)).status_code == 302  # the link stays


# --- the cost of scrapes and purges --------------------------------------------------------------------------------


async def test_scrape_and_retention_queries_use_indexes(filled: Gateway) -> None:
    gw = filled
    links = [
        links_store.NewLink(
            f"c{i:07d}",
            gw.default_account_id,
            "d",
            "https://x.test",
            f"m{i}",
            "b",
            "8210",
            False,
            None,
            None,
            None,
            None,
            None,
            START_MS,
        )
        for i in range(20_000)
    ]
    for start in range(0, len(links), 5000):
        await gw.db.write(links_store.add_links(links[start : start + 5000], START_MS + start))
    await gw.db.write(
        _execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO clicks "
            f"(code, account_id, clicked_at, device, client) SELECT 'c' || i, 'a', {START_MS} + i, 'PHONE', 'x' FROM n"
        )
    )
    now = START_MS
    ops: list[tuple[str, Any]] = [
        ("queue stats", stats.queue_stats(now)),
        ("purge links", links_store.purge_links(now - 1, 1000)),
        ("purge clicks", links_store.purge_clicks(now + 10, 5000)),
        ("channels", stats.channels_of([1, 2, 3])),
    ]
    scan = re.compile(r"(Seq Scan on|^SCAN) (messages|reports|short_links|clicks)\b")
    if PG_URL:
        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute("ANALYZE short_links; ANALYZE clicks")
            plans = {}
            for name, op in ops:
                statements = []
                q = next(op)
                while True:  # every statement of the op (the queue stats run eight)
                    statements.extend(await _pg_plan(conn, q))
                    try:
                        q = op.send(_fake_result(q))
                    except StopIteration:
                        break
                plans[name] = statements
        finally:
            await conn.close()
    else:
        await gw.db.optimize()
        path = gw.settings.database_url.removeprefix("sqlite:///")
        plans = {}
        for name, op in ops:
            statements = []
            q = next(op)
            while True:
                statements.extend(await _sqlite_plan(path, q))
                try:
                    q = op.send(_fake_result(q))
                except StopIteration:
                    break
            plans[name] = statements
    scans = {n: p for n, p in plans.items() if any(scan.search(line.strip(" ->")) for line in p)}
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())


def _fake_result(q: Any) -> Any:
    """What an op needs to go on to its next statement: a row with a count, or a code to delete."""
    if isinstance(q, Execute):
        return 0
    return [["c0000001"]] if q.sql.startswith("SELECT code") else [[1, "ALIM"]]


class _DownUpstream(SandboxSms):
    def health(self) -> dict[str, Any]:
        return {"ok": False, "error": "bind refused: ESME_RINVPASWD"}


async def test_an_upstream_that_is_down_shows_but_does_not_make_the_process_unready(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    """Its messages wait for it; the API, other routes and reports keep working, so the process stays in rotation."""
    gateway.connectors[SMS_SANDBOX_ROUTE] = _DownUpstream()
    response = await client.get("/ready", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    connectors = response.json()["checks"]["connectors"]
    assert connectors["degraded"] == [SMS_SANDBOX_ROUTE]
    down = {"ok": False, "error": "bind refused: ESME_RINVPASWD", "family": "sms"}
    assert connectors["upstreams"][SMS_SANDBOX_ROUTE] == down
