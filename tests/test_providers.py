"""Providers: the declarations the registry is built from, accept-time answers for what a route cannot carry, and a
provider shipped as its own pip package (tests/provider_example, installed by scripts/test.sh) found through the
entry point group `kakao_gateway.providers` and sent through end to end over the HTTP API."""

from __future__ import annotations

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.connectors import registry
from kakao_gateway.connectors.upstreams import kakao_route

from .helpers import alim_body, register_basics, send, settle
from .sangdam_helpers import sangdam_body, setup_sender
from .test_engine import pull_all
from .tools import required

try:
    import kakao_gateway_example_provider as example
except ImportError:  # in CI a missing install step fails the run instead of skipping it (tests/tools.py)
    if required():
        raise
    pytest.skip("pip install -e tests/provider_example (scripts/test.sh does)", allow_module_level=True)
URL = "example://echo.test?greeting=hi"


def test_every_upstream_kind_is_declared_once() -> None:
    names = [p.name for p in registry.BUILT_IN]
    assert names == ["the sandbox", "the sandbox SMSC", "Infobip", "Infobip SMS", "NHN Cloud", "SMPP"]
    assert registry.provider_of(kakao_route("nhn://h")) is not None
    assert registry.provider_of("KAKAO_SANDBOX") is registry.BUILT_IN[0]
    assert registry.provider_of("not a route") is None
    paths = sorted(h.path for kind in ("reports", "inbound") for h in registry.webhooks(kind))
    assert paths == ["/upstream/1/kakao/inbound", "/upstream/1/kakao/reports", "/upstream/1/sms/reports"]


def test_the_installed_provider_is_found_through_its_entry_point() -> None:
    installed = registry.installed_providers()
    assert [p.name for p in installed] == ["the example echo provider"]
    assert registry.BY_SCHEME[("kakao", "example")] is example.PROVIDERS[0]
    assert "example" in registry.schemes("kakao")


def test_carry_problems_name_the_message_and_the_reason() -> None:
    nhn = kakao_route("nhn://h")
    assert registry.carry_problems(nhn, "SANGDAM", [{}, {}]) == [
        ("messages[0]", "Kakao Sangdam cannot be sent through NHN Cloud"),
        ("messages[1]", "Kakao Sangdam cannot be sent through NHN Cloud"),
    ]
    coupon = {"type": "TEXT_FREE_FORM", "text": "t", "coupon": {"title": "x"}}
    assert registry.carry_problems(nhn, "BRAND", [coupon]) == [
        ("messages[0]", "content.coupon cannot be sent through NHN Cloud")  # said once, though both checks find it
    ]
    assert registry.carry_problems(kakao_route("infobip://k@h"), "SANGDAM", [{}]) == []
    assert registry.carry_problems("KAKAO:unknown:h:0", "SANGDAM", [{}]) == []  # its connector answers at submit


async def _use_example(admin: httpx.AsyncClient, gateway: Gateway) -> None:
    response = await admin.put(f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": URL})
    assert response.status_code == 200, response.text


async def test_an_alim_message_goes_through_the_installed_provider(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    await _use_example(admin, gateway)
    await register_basics(client)
    message_id = (await send(client, alim_body("821000000002")))["messages"][0]["messageId"]
    await settle(gateway)
    report = (await pull_all(client))[message_id]
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"  # the sandbox would say "not a KakaoTalk user"
    connector = gateway.connectors[kakao_route(URL)]
    assert isinstance(connector, example.EchoConnector)
    assert [(s.message_id, s.channel) for s in connector.seen] == [(message_id, "ALIM")]
    assert connector.greeting == "hi"


async def test_what_the_installed_provider_cannot_carry_is_a_400_at_accept(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    await _use_example(admin, gateway)
    await setup_sender(client)
    response = await client.post("/kakao-sangdam/1/messages", json=sangdam_body("user-1"))
    assert response.status_code == 400, response.text
    violations = response.json()["violations"]
    assert violations == [
        {"property": "messages[0]", "violation": "Kakao Sangdam cannot be sent through the example echo provider"}
    ]


async def test_a_bad_option_of_the_installed_provider_is_refused_when_set(
    admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    response = await admin.put(
        f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": "example://h?colour=red"}
    )
    assert response.status_code == 400, response.text
    assert "unknown example option(s) colour" in response.text
