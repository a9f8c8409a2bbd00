"""Where pushes may go: only http(s) URLs without credentials; with private targets refused (a real upstream's
default, or `webhook_allow_private=False`), loopback, private, link-local and metadata addresses are refused in
every notation, as a 400 at accept for literals and at connect time for names (on the address actually connected
to). Pushes to real HTTP receivers on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.webhook_targets import address_problem, host_address, private_allowed, url_problem
from kakao_gateway.engine.transport import GuardedTransport, Resolver
from kakao_gateway.store.sql import Fetch, Op

from .conftest import ADMIN_KEY, API_KEY, START_MS
from .helpers import alim_body, pull, register_basics, send, settle
from .spec import assert_api_error, assert_schema
from .test_brand_smoke import brand_body

REFUSED_LITERALS = [
    "http://127.0.0.1:9000/dlr",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7F.0.0.1/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://127.0.0.1./",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://100.100.100.200/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://[fe80::1]/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://%31%32%37.0.0.1/",
    "http://１２７.０.０.１/",
    "http://localhost:8000/admin/1/accounts",
    "http://LOCALHOST./",
    "http://api.localhost/",
]
ALWAYS_REFUSED = [
    ("file:///etc/passwd", "http"),
    ("gopher://127.0.0.1:25/", "http"),
    ("ftp://example.com/", "http"),
    ("http://user:pass@example.com/hook", "credentials"),
    ("https://token@example.com/hook", "credentials"),
    ("http:///nohost", "host"),
]
PUBLIC = ["https://example.com/hook", "http://93.184.216.34/", "http://[2606:4700::1111]/", "http://8.8.8.8:8080/x"]
DELIVERY_PATH = "messages[0].webhooks.delivery.url"


# --- the policy itself (pure) ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", REFUSED_LITERALS)
def test_refused_literals_in_every_notation(url: str) -> None:
    assert url_problem(url, allow_private=False) is not None
    assert url_problem(url, allow_private=True) is None


@pytest.mark.parametrize(("url", "word"), ALWAYS_REFUSED)
def test_schemes_and_credentials_are_always_refused(url: str, word: str) -> None:
    for allow in (True, False):
        problem = url_problem(url, allow_private=allow)
        assert problem is not None and word in problem


@pytest.mark.parametrize("url", PUBLIC)
def test_public_targets_and_names_are_allowed(url: str) -> None:
    assert url_problem(url, allow_private=False) is None


def test_notations_read_as_the_resolver_reads_them() -> None:
    loopback = ipaddress.ip_address("127.0.0.1")
    for host in ("2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "0x7f.1"):
        assert host_address(host) == loopback, host
    for name in ("example.com", "1.2.3.4.5", "256.1.1.1", "09.1.1.1", "hooks.test", "0xg.1"):
        assert host_address(name) is None, name  # names (09 is no octal number)


def test_the_default_depends_on_the_upstream() -> None:
    assert private_allowed(None, sandbox_upstream=True) is True
    assert private_allowed(None, sandbox_upstream=False) is False
    assert private_allowed(True, sandbox_upstream=False) is True
    assert private_allowed(False, sandbox_upstream=True) is False
    assert address_problem(ipaddress.ip_address("1.1.1.1"), False) is None
    assert address_problem(ipaddress.ip_address("::ffff:1.1.1.1"), False) is None


# --- at accept, through the API ------------------------------------------------------------------------------


@pytest.fixture
def strict_settings(settings: Settings) -> Settings:
    return replace(settings, webhook_allow_private=False)


@contextlib.asynccontextmanager
async def gateway_client(
    settings: Settings, clock: ManualClock, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    gateway = Gateway(settings, clock=clock, webhook_transport=transport)
    await gateway.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gateway)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {API_KEY}"},
        ) as client:
            yield gateway, client
    finally:
        await gateway.stop()


def assert_violation(response: httpx.Response, path: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    assert [v["property"] for v in body["violations"]] == [path], body


async def test_refused_literals_are_a_400_at_accept(strict_settings: Settings, clock: ManualClock) -> None:
    async with gateway_client(strict_settings, clock) as (gateway, client):
        assert gateway.sandbox_upstream is True and gateway.ctx.webhook_allow_private is False
        await register_basics(client)
        for url in REFUSED_LITERALS:
            body = alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}})
            assert_violation(await client.post("/kakao-alim/1/messages", json=body), DELIVERY_PATH)
        brand = brand_body("821000000001", message={"webhooks": {"delivery": {"url": "http://2130706433/"}}})
        assert_violation(await client.post("/kakao-chingu/1/messages", json=brand), DELIVERY_PATH)
        tracked = brand_body("821000000001", options={"tracking": {"trackingUrl": "http://[::1]:8000/clicks"}})
        assert_violation(await client.post("/kakao-chingu/1/messages", json=tracked), "options.tracking.trackingUrl")
        for channel, field in (("ALIM", "reportUrl"), ("CLICK", "reportUrl"), ("SANGDAM", "inboundUrl")):
            response = await client.put("/kakao/1/subscriptions", json={channel: {field: "http://169.254.169.254/"}})
            assert_violation(response, f"{channel}.{field}")
        # nothing was stored by the refused requests
        assert (await client.get("/kakao/1/subscriptions")).json() == {}
        logs = (await client.get("/kakao-alim/1/logs")).json()
        assert logs["results"] == []
        # public targets are accepted
        body = alim_body("821000000001", message={"webhooks": {"delivery": {"url": "https://example.com/hook"}}})
        await send(client, body)


async def test_sandbox_default_allows_local_receivers_but_not_other_schemes(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    assert gateway.ctx.webhook_allow_private is None  # by the account's routes: all the sandbox here
    await register_basics(client)
    await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": "http://127.0.0.1:9/"}}}))
    for url, _ in ALWAYS_REFUSED:
        body = alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}})
        assert_violation(await client.post("/kakao-alim/1/messages", json=body), DELIVERY_PATH)
    tracked = brand_body("821000000001", options={"tracking": {"trackingUrl": "gopher://127.0.0.1:70/"}})
    assert_violation(await client.post("/kakao-chingu/1/messages", json=tracked), "options.tracking.trackingUrl")


# --- at connect time, on real sockets ---------------------------------------------------------------------------


class TcpReceiver:
    """A real HTTP receiver on 127.0.0.1 that counts connections and answers 200 to each request."""

    def __init__(self) -> None:
        self.connections = 0
        self.bodies: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                self.bodies.append(await reader.readexactly(length))
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def tcp_receiver() -> AsyncIterator[TcpReceiver]:
    receiver = TcpReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


def fake_dns(answers: dict[str, list[str]], calls: list[str]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers[host]

    return resolve


async def test_a_name_resolving_to_a_refused_address_fails_the_push_and_the_report_stays_pullable(
    settings: Settings, clock: ManualClock, tcp_receiver: TcpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    """Accepted (a name), refused when the push connects: logged, retried on the ladder, then pullable."""
    assert tcp_receiver.server is not None
    port = tcp_receiver.server.sockets[0].getsockname()[1]
    calls: list[str] = []
    transport = GuardedTransport(False, fake_dns({"hooks.example": ["93.184.216.34", "127.0.0.1"]}, calls))
    async with gateway_client(settings, clock, transport) as (gateway, client):
        await register_basics(client)
        url = f"http://hooks.example:{port}/dlr"
        with caplog.at_level(logging.WARNING, logger="kakao_gateway.engine.transport"):
            await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}}))
            await settle(gateway)
        assert calls == ["hooks.example"]
        assert tcp_receiver.connections == 0  # refused before any connection, to either address
        refusals = [r.getMessage() for r in caplog.records if "refused webhook target hooks.example" in r.getMessage()]
        assert refusals and "127.0.0.1 is a loopback" in refusals[0]
        assert await pull(client) == []  # on the retry ladder, not pullable yet
        await gateway.advance_clock(START_MS + 47 * 3600 * 1000)  # the ladder gives up at about 41.5 h
        assert tcp_receiver.connections == 0
        (report,) = await pull(client)
        assert_schema(report, "DeliveryReport")
        assert report["to"] == "821000000001"


async def test_the_push_connects_to_the_address_that_was_checked(
    settings: Settings, clock: ManualClock, tcp_receiver: TcpReceiver
) -> None:
    """With private targets allowed, a name goes to the very address the check saw (resolved once, never again)."""
    assert tcp_receiver.server is not None
    port = tcp_receiver.server.sockets[0].getsockname()[1]
    calls: list[str] = []
    transport = GuardedTransport(True, fake_dns({"rebind.example": ["127.0.0.1"]}, calls))
    async with gateway_client(settings, clock, transport) as (gateway, client):
        await register_basics(client)
        url = f"http://rebind.example:{port}/dlr"
        await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}}))
        await settle(gateway)
        assert calls == ["rebind.example"]  # "rebind.example" has no real DNS: the connect used the checked address
        assert tcp_receiver.connections == 1 and len(tcp_receiver.bodies) == 1
        assert_schema(httpx.Response(200, content=tcp_receiver.bodies[0]).json(), "DeliveryReports")


async def test_literals_in_other_notations_are_refused_at_connect(
    settings: Settings, clock: ManualClock, tcp_receiver: TcpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    """A URL stored while private targets were allowed is still checked when it is pushed: the system resolver reads
    `2130706433` as 127.0.0.1, and the transport refuses it."""
    assert tcp_receiver.server is not None
    port = tcp_receiver.server.sockets[0].getsockname()[1]
    async with gateway_client(settings, clock, GuardedTransport(False)) as (gateway, client):
        await register_basics(client)
        for host in ("2130706433", "127.0.0.1", "[::ffff:127.0.0.1]", "localhost"):
            url = f"http://{host}:{port}/dlr"
            await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}}))
        with caplog.at_level(logging.WARNING, logger="kakao_gateway.engine.transport"):
            await settle(gateway)
        assert tcp_receiver.connections == 0
        assert sum("refused webhook target" in r.getMessage() for r in caplog.records) == 4


# --- per account: an account with a real upstream on a sandbox server ------------------------------------------

REAL_KAKAO = "infobip://SECRET@api.infobip.test"
METADATA = "http://169.254.169.254/latest/meta-data/"


async def give_upstream(admin: httpx.AsyncClient, account_id: str, kind: str, url: str | None) -> None:
    response = await admin.put(f"/admin/1/accounts/{account_id}/{kind}", json={"upstream": url})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("kind", ["kakao", "sms"])
async def test_an_account_with_a_real_upstream_may_not_name_private_targets(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, kind: str
) -> None:
    """The server's upstream is the sandbox, but this account's Kakao (or SMS) route is real: every push target it
    names is checked as on a real server; another account, sandbox only, keeps its local receivers."""
    assert gateway.sandbox_upstream is True
    await register_basics(client)
    real = REAL_KAKAO if kind == "kakao" else "infobip-sms://SECRET@api.infobip.test"
    await give_upstream(admin, gateway.default_account_id, kind, real)
    for url in (METADATA, "http://127.0.0.1:9000/dlr", "http://[::1]/", "http://localhost/"):
        body = alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}})
        assert_violation(await client.post("/kakao-alim/1/messages", json=body), DELIVERY_PATH)
    tracked = brand_body("821000000001", options={"tracking": {"trackingUrl": "http://127.0.0.1:8000/clicks"}})
    assert_violation(await client.post("/kakao-chingu/1/messages", json=tracked), "options.tracking.trackingUrl")
    for channel, field in (("ALIM", "reportUrl"), ("CLICK", "reportUrl"), ("SANGDAM", "inboundUrl")):
        response = await client.put("/kakao/1/subscriptions", json={channel: {field: METADATA}})
        assert_violation(response, f"{channel}.{field}")
    sangdam = {"messages": [{"sender": "S", "destinations": [{"to": "u1"}], "content": {"type": "TEXT", "text": "hi"}}]}
    sangdam["messages"][0]["webhooks"] = {"delivery": {"url": METADATA}}
    assert_violation(await client.post("/kakao-sangdam/1/messages", json=sangdam), DELIVERY_PATH)
    # back on the sandbox, the same account may use local receivers again
    await give_upstream(admin, gateway.default_account_id, kind, None)
    await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": "http://127.0.0.1:9/"}}}))


async def test_an_account_given_a_real_upstream_later_is_refused_at_connect_after_a_restart(
    settings: Settings, clock: ManualClock, tcp_receiver: TcpReceiver
) -> None:
    """A loopback target stored while the account was on the sandbox: the account gets a real upstream, the gateway
    restarts, and the push is refused when it connects (no connection at all); the console's push history says why,
    not what the address answered."""
    assert tcp_receiver.server is not None
    port = tcp_receiver.server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/dlr"
    async with gateway_client(settings, clock) as (gateway, client):
        await register_basics(client)
        await client.put("/kakao/1/subscriptions", json={"ALIM": {"reportUrl": url}})
        await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}}))
        await send(client, alim_body("821000000002"))  # to the subscription
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(gateway)),
            base_url="http://gateway.test",
            headers={"Authorization": f"App {ADMIN_KEY}"},
        ) as admin:
            await give_upstream(admin, gateway.default_account_id, "kakao", REAL_KAKAO)
    async with gateway_client(settings, clock) as (gateway, client):
        await settle(gateway)
        assert tcp_receiver.connections == 0
        errors = await gateway.db.read(push_errors())
        assert len(errors) == 2 and all(e.startswith("refused: private address") for e in errors), errors
        assert all("127.0.0.1" not in e for e in errors)  # the tenant learns nothing about the address


async def test_a_sandbox_account_on_the_same_server_still_pushes_to_loopback(
    settings: Settings, clock: ManualClock, tcp_receiver: TcpReceiver
) -> None:
    assert tcp_receiver.server is not None
    port = tcp_receiver.server.sockets[0].getsockname()[1]
    async with gateway_client(settings, clock) as (gateway, client):
        await register_basics(client)
        url = f"http://127.0.0.1:{port}/dlr"
        await send(client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": url}}}))
        await settle(gateway)
        assert tcp_receiver.connections == 1 and len(tcp_receiver.bodies) == 1


def push_errors() -> Op[list[str]]:
    rows = yield Fetch("SELECT push_error FROM reports WHERE push_error IS NOT NULL ORDER BY seq", ())
    return [r["push_error"] for r in rows]
