"""Failover between upstreams: two real fake dealers over HTTP on loopback (Infobip-shaped, then NHN-shaped, each
checking what it receives against its provider's documented request shape), the first preferred.

When the first stops answering (503s) in the middle of a 2,000-message bulk, its breaker opens and the rest of the
bulk goes to the second: every message is delivered exactly once, its report reaches the client's webhook, and once
the first answers again new sends return to it.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.connectors.base import SubmitResult
from kakao_gateway.connectors.registry import carries_channel
from kakao_gateway.connectors.upstreams import kakao_route
from kakao_gateway.engine.upstream_routes import Breaker, BreakerSettings, Router, batch_failed

from .conftest import API_KEY, Receiver, started_gateway
from .fake_infobip_kakao import ALIM, FakeInfobipKakao
from .fake_infobip_sms import serving as serving_infobip
from .fake_nhn import APP_KEY, SECRET_KEY, SENDER_KEY, FakeNhn
from .fake_nhn import serving as serving_nhn
from .helpers import SENDER, alim_body, register_basics, send
from .spec import assert_matches
from .test_engine import run_for

KEY = "infobip-test-key"
SERVER_SECRET = "test-server-secret-0123456789abcdef"
PUBLIC_URL = "http://gateway.test"
HOOK_URL = "http://hooks.test/dlr"
BULK = 2000


@pytest.fixture
async def infobip(clock: ManualClock) -> AsyncIterator[FakeInfobipKakao]:
    async with serving_infobip(FakeInfobipKakao(clock, api_key=KEY)) as server:
        yield server  # type: ignore[misc]
    assert server.spec_errors == []


@pytest.fixture
async def nhn() -> AsyncIterator[FakeNhn]:
    async with serving_nhn(FakeNhn()) as server:
        yield server
    assert server.problems == []


@dataclasses.dataclass
class Setup:
    gateway: Gateway
    client: httpx.AsyncClient
    first: str  # the Infobip fake's route
    second: str  # the NHN fake's route


@pytest.fixture
async def two(
    settings: Settings, clock: ManualClock, receiver: Receiver, infobip: FakeInfobipKakao, nhn: FakeNhn
) -> AsyncIterator[Setup]:
    first = f"infobip+http://{KEY}@{infobip.base_url}?timeout=0.5&poll_after=30"
    second = f"nhn+http://{nhn.base_url}"
    configured = dataclasses.replace(
        settings,
        kakao_upstream=first,
        kakao_fallbacks=(second,),
        secret_key=SERVER_SECRET,
        public_url=PUBLIC_URL,
        webhook_allow_private=True,
    )
    async with started_gateway(configured, clock, receiver) as gw:
        await gw.start_connectors()
        app = create_app(gw)
        infobip.push_transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"App {API_KEY}"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL, headers=headers
        ) as client:
            await register_basics(client)
            body = {"appKey": APP_KEY, "secretKey": SECRET_KEY, "senderKey": SENDER_KEY}
            response = await client.put(f"/kakao/1/senders/{SENDER}/upstream-credentials", json=body)
            assert response.status_code == 200, response.text
            yield Setup(gw, client, kakao_route(first), kakao_route(second))


def national(to: str) -> str:
    return "0" + to[2:]


def infobip_ids(fake: FakeInfobipKakao) -> list[str]:
    return [d["messageId"] for body in fake.sends for m in body["messages"] for d in m["destinations"]]


def nhn_numbers(fake: FakeNhn) -> list[str]:
    return [s.recipient_no for s in fake.sent]


async def test_a_bulk_moves_to_the_second_upstream_when_the_first_stops(
    two: Setup, infobip: FakeInfobipKakao, nhn: FakeNhn, clock: ManualClock, receiver: Receiver
) -> None:
    gw, client = two.gateway, two.client
    tos = [f"8210{50000000 + i}" for i in range(BULK)]
    body = alim_body(*tos, message={"webhooks": {"delivery": {"url": HOOK_URL}}})
    ids = [m["messageId"] for m in (await send(client, body))["messages"]]
    by_id = dict(zip(ids, tos, strict=True))
    await gw.engine.dispatcher.step()  # the first claim batch goes to the preferred upstream
    first_half = infobip_ids(infobip)
    assert 0 < len(first_half) < BULK
    infobip.script[f"{ALIM}/messages"] = [(503, {})] * 100_000  # it stops answering sends
    for to in tos:
        nhn.results[national(to)] = ("COMPLETED", "1000")
    for message_id in first_half:  # what it took before it stopped, it reports (polled)
        infobip.complete(message_id, "DELIVERED_TO_HANDSET")
    await run_for(gw, clock, 20 * 60, step=5)

    # Exactly once: what the first took stays with it; the rest went to the second, none to both.
    assert len(infobip_ids(infobip)) == len(set(infobip_ids(infobip))) == len(first_half)
    second_numbers = nhn_numbers(nhn)
    assert len(second_numbers) == len(set(second_numbers)) == BULK - len(first_half)
    assert set(second_numbers) == {national(by_id[i]) for i in ids if i not in set(first_half)}
    reports = receiver.json_results()
    assert_matches({"results": reports}, f"{ALIM}/reports", "get", 200)  # the webhook bodies, against the spec
    assert Counter(r["messageId"] for r in reports) == Counter(ids)  # one final report each, at the webhook
    assert {r["status"]["name"] for r in reports} == {"DELIVERED_TO_HANDSET"}
    health = (await client.get("/ready")).json()["checks"]["connectors"]["upstreams"]
    assert health[two.first]["breaker"]["state"] == "OPEN" and not health[two.first]["ok"]
    # Each attempt's event names the upstream it went to: a moved message's history shows the move.
    moved = next(i for i in ids if i not in set(first_half))
    found = (await client.get("/kakao/1/messages", params={"messageId": moved})).json()["results"][0]
    routes = [e["route"] for e in found["events"] if "route" in e]
    assert routes == [two.first, two.second], json.dumps(found["events"])

    # The first answers again: after its open period a probe goes to it, and new traffic with it.
    infobip.script.clear()
    clock.advance(60)
    again = (await send(client, alim_body("821077776666")))["messages"][0]["messageId"]
    await gw.engine.run_until_idle()
    assert infobip_ids(infobip)[-1] == again
    assert "01077776666" not in nhn_numbers(nhn)
    health = (await client.get("/ready")).json()["checks"]["connectors"]["upstreams"]
    assert health[two.first]["breaker"]["state"] == "CLOSED"


async def test_a_timeout_stays_with_its_upstream(
    two: Setup, infobip: FakeInfobipKakao, nhn: FakeNhn, clock: ManualClock
) -> None:
    """A send that got no answer may have been taken: it is not given to the second upstream."""
    gw, client = two.gateway, two.client
    infobip.hang = True
    message_id = (await send(client, alim_body("821012345678")))["messages"][0]["messageId"]
    for _ in range(4):
        await gw.engine.dispatcher.step()  # each submit times out (0.5 s) and the row is retried on the ladder
        clock.advance(120)
    assert nhn_numbers(nhn) == []
    infobip.released.set()
    infobip.hang = False
    assert message_id  # still with the first upstream, waiting for its result


async def test_operators_set_an_accounts_upstream_list(admin: httpx.AsyncClient, gateway: Gateway) -> None:
    account = gateway.default_account_id
    urls = ["infobip+http://K1@first.test", "infobip+http://K2@second.test"]
    response = await admin.put(f"/admin/1/accounts/{account}/kakao", json={"upstreams": urls})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["route"] == kakao_route(urls[0]) and body["ownUpstream"] is True
    assert [u["route"] for u in body["upstreams"]] == [kakao_route(u) for u in urls]
    assert all(u["health"]["state"] == "CLOSED" for u in body["upstreams"])
    assert "K1" not in response.text and "K2" not in response.text
    assert (await admin.get(f"/admin/1/accounts/{account}/kakao")).json() == body
    bad_bodies = (
        {"upstreams": [urls[0], urls[0]]},
        {"upstreams": ["pigeon://x@y"]},
        {"upstream": urls[0], "upstreams": urls},
    )
    for bad in bad_bodies:
        response = await admin.put(f"/admin/1/accounts/{account}/kakao", json=bad)
        assert response.status_code == 400, response.text
    response = await admin.put(f"/admin/1/accounts/{account}/sms", json={"upstreams": ["sandbox"]})
    assert response.status_code == 200, response.text
    assert [u["route"] for u in response.json()["upstreams"]] == ["SMS_SANDBOX"]
    response = await admin.put(f"/admin/1/accounts/{account}/kakao", json={"upstreams": []})
    assert response.json()["ownUpstream"] is False


# --- the breaker and the choice, as pure logic ----------------------------------------------------------------------

FAILED = [SubmitResult("temporary", error="EC_PROVIDER_INTERNAL_ERROR")]
ANSWERED = [SubmitResult("accepted")]


def test_a_breaker_opens_after_consecutive_failures_and_probes_after_its_open_period() -> None:
    b = Breaker(BreakerSettings(failures=3, open_ms=1000))
    assert batch_failed(FAILED) == "EC_PROVIDER_INTERNAL_ERROR" and batch_failed(ANSWERED) is None
    assert not b.failed(0, "x") and not b.failed(1, "x")
    b.answered()  # an answer in between resets the count
    assert [b.failed(t, "x") for t in (2, 3, 4)] == [False, False, True]
    assert not b.usable(500)
    assert b.usable(1004)  # half-open: one probe
    b.sent()
    assert not b.usable(1005)  # the probe is out
    assert b.failed(1006, "x") and b.state == "open"  # it failed: open again
    assert b.usable(2006)
    b.sent()
    b.answered()
    assert b.state == "closed" and b.usable(2007)


def test_the_choice_prefers_the_first_healthy_route_and_keeps_sticky_rows() -> None:
    router = Router(["A", "B", "C"], ["S"], BreakerSettings(failures=1, open_ms=1000))
    assert router.choose("acct", 0, "A", False, 0, "ALIM") == "A"
    router.breaker("A").failed(0, "x")
    assert router.choose("acct", 0, "A", False, 1, "ALIM") == "B"
    assert router.choose("acct", 0, "A", True, 1, "ALIM") == "A"  # its last attempt timed out there
    assert router.choose("acct", 0, "Z", False, 1, "ALIM") == "Z"  # a route apart from the list keeps it
    router.carries = lambda route, channel: not (route == "B" and channel == "SANGDAM")
    assert router.choose("acct", 0, "A", False, 1, "SANGDAM") == "C"
    assert router.choose("acct", 1, "S", False, 1, "ALIM") == "S"
    assert router.choose("acct", 0, "B", False, 2000, "ALIM") == "A"  # healthy again: traffic returns


def test_failover_asks_the_providers_what_they_carry() -> None:
    nhn_route = kakao_route("nhn://kakaotalk-bizmessage.api.nhncloudservice.com")
    infobip_route = kakao_route("infobip://K@api.infobip.test")
    assert carries_channel(infobip_route, "SANGDAM") and carries_channel(infobip_route, "ALIM")
    assert carries_channel(nhn_route, "ALIM") and not carries_channel(nhn_route, "SANGDAM")
    router = Router([infobip_route, nhn_route], ["S"], BreakerSettings(failures=1), carries=carries_channel)
    router.breaker(infobip_route).failed(0, "x")
    assert router.choose("acct", 0, infobip_route, False, 1, "ALIM") == nhn_route
    assert router.choose("acct", 0, infobip_route, False, 1, "SANGDAM") == infobip_route  # NHN has no Sangdam
