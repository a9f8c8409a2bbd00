"""Sandbox rules through the public API (`PUT/GET/DELETE /sandbox/1/rules`): an account gives its messages any
status and error of the catalogue, by destination, sender, templateCode, channel and hop, for its first n attempts,
at once or as a late report; reports and logs validated against the spec."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.domain import status as st

from .conftest import Receiver, api_client, started_gateway
from .helpers import SENDER, TEMPLATE_CODE, alim_body, register_basics, send
from .spec import assert_api_error, assert_matches
from .test_auth import create_account, create_key, default_account_id
from .test_engine import DELIVERED, assert_outcome, message_ids, pull_all, run_for, state_of
from .test_scheduling import logs
from .test_sms_failover import FAILOVER, failover_message
from .test_virtual_clock import Virtual, virtual  # noqa: F401 (a fixture)

OTHER_TEMPLATE = "ORDER_DELIVERED"


async def put_rules(client: httpx.AsyncClient, *rules: dict[str, Any]) -> dict[str, Any]:
    response = await client.put("/sandbox/1/rules", json={"rules": list(rules)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def rule(outcome: dict[str, Any], **match: Any) -> dict[str, Any]:
    return {"match": match, "outcome": outcome}


async def test_rules_are_set_shown_and_cleared(client: httpx.AsyncClient) -> None:
    assert (await client.get("/sandbox/1/rules")).json() == {"rules": []}
    rules = [
        rule({"status": "REJECTED_SENDER", "error": "EC_INVALID_SOURCE_ADDRESS"}, sender="BAD-SENDER"),
        rule({"status": "DELIVERED_TO_OPERATOR", "afterSeconds": 30, "attempts": 2}, destination="821012345678"),
        rule({"status": "EXPIRED_UNKNOWN"}, hop="SMS"),
    ]
    assert await put_rules(client, *rules) == {"rules": rules}
    assert (await client.get("/sandbox/1/rules")).json() == {"rules": rules}

    response = await client.delete("/sandbox/1/rules")
    assert response.status_code == 204
    assert (await client.get("/sandbox/1/rules")).json() == {"rules": []}
    assert await put_rules(client) == {"rules": []}


async def test_rules_need_the_sandbox_manage_scope(client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
    account_id = await default_account_id(admin)
    key = await create_key(admin, account_id, ["kakao:manage", "kakao:logs:read"])
    headers = {"Authorization": f"App {key['key']}"}
    for method in ("GET", "PUT", "DELETE"):
        payload = {"rules": []} if method == "PUT" else None
        response = await client.request(method, "/sandbox/1/rules", json=payload, headers=headers)
        assert response.status_code == 403, response.text
        assert_api_error(response.json())
        response = await client.request(method, "/sandbox/1/rules", json=payload, headers={"Authorization": ""})
        assert response.status_code == 401, response.text
        assert_api_error(response.json())


@pytest.mark.parametrize(
    ("rules", "prop"),
    [
        ([rule({"status": "NOT_A_STATUS"})], "rules[0].outcome.status"),
        ([rule({"status": "REJECTED_SENDER", "error": "EC_NOPE"})], "rules[0].outcome.error"),
        ([rule({"status": "REJECTED_SENDER"}, destinaton="821012345678")], "rules[0].match.destinaton"),
        ([rule({"status": "REJECTED_SENDER"}, hop="SMS", templateCode="X")], "rules[0].match"),
        ([rule({"status": "REJECTED_SENDER"}, channel="VIBER")], "rules[0].match.channel"),
        ([rule({"status": "REJECTED_SENDER", "attempts": 0})], "rules[0].outcome.attempts"),
        ([rule({"status": "REJECTED_SENDER", "afterSeconds": "5"})], "rules[0].outcome.afterSeconds"),
        ([{"match": {}}], "rules[0].outcome"),
    ],
)
async def test_invalid_rules_are_refused_with_their_paths(
    client: httpx.AsyncClient, rules: list[dict[str, Any]], prop: str
) -> None:
    response = await client.put("/sandbox/1/rules", json={"rules": rules})
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    assert [v["property"] for v in body["violations"]] == [prop], body
    assert (await client.get("/sandbox/1/rules")).json() == {"rules": []}


def numbers(n: int) -> list[str]:
    return [f"8210{5000_0000 + i:08d}" for i in range(n)]


async def test_every_status_of_the_catalogue_can_be_produced(client: httpx.AsyncClient, gateway: Gateway) -> None:
    """Each status is the final report's: a final status with its error, an ACCEPTED or PENDING one as the
    upstream's last word (NO_ERROR)."""
    await register_basics(client)
    names = list(st.STATUSES)
    to = numbers(len(names))
    await put_rules(client, *(rule({"status": name}, destination=d) for name, d in zip(names, to, strict=True)))
    ids = await message_ids(client, alim_body(*to))
    await gateway.engine.run_until_idle()
    reports = await pull_all(client)
    for name, message_id in zip(names, ids, strict=True):
        assert_outcome(reports[message_id], (name, "NO_ERROR"))
    assert {r["status"]["groupName"] for r in reports.values()} == set(st.STATUS_GROUPS.values())


async def test_every_error_of_the_catalogue_can_be_produced(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    names = list(st.ERRORS)
    to = numbers(len(names))
    await put_rules(
        client,
        *(
            rule({"status": "UNDELIVERABLE_NOT_DELIVERED", "error": name}, destination=d)
            for name, d in zip(names, to, strict=True)
        ),
    )
    ids = await message_ids(client, alim_body(*to))
    await gateway.engine.run_until_idle()
    reports = await pull_all(client)
    for name, message_id in zip(names, ids, strict=True):
        assert_outcome(reports[message_id], ("UNDELIVERABLE_NOT_DELIVERED", name))


async def test_the_first_matching_rule_wins_and_match_fields_combine(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await register_basics(client)
    await register_basics(client, templateCode=OTHER_TEMPLATE, name="Delivered")
    await put_rules(
        client,
        rule({"status": "REJECTED_MESSAGE_TOO_LONG"}, destination="821012340001", templateCode=OTHER_TEMPLATE),
        rule({"status": "REJECTED_ROUTE_NOT_AVAILABLE"}, destination="821012340001"),
        rule({"status": "REJECTED_FLOODING_FILTER", "error": "EC_TOO_MANY_REQUESTS"}, sender=SENDER, channel="ALIM"),
        rule({"status": "REJECTED_SENDER"}, channel="BRAND"),  # never an Alim message
    )
    other = {"templateCode": OTHER_TEMPLATE}
    (too_long,) = await message_ids(client, alim_body("821012340001", **other))
    (no_route,) = await message_ids(client, alim_body("821012340001"))
    (flooded,) = await message_ids(client, alim_body("821012340002", **other))
    await gateway.engine.run_until_idle()
    reports = await pull_all(client)
    assert_outcome(reports[too_long], ("REJECTED_MESSAGE_TOO_LONG", "NO_ERROR"))
    assert_outcome(reports[no_route], ("REJECTED_ROUTE_NOT_AVAILABLE", "NO_ERROR"))
    assert_outcome(reports[flooded], ("REJECTED_FLOODING_FILTER", "EC_TOO_MANY_REQUESTS"))


async def test_attempts_fail_the_first_attempts_then_let_the_message_through(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """A temporary failure (a PENDING status with an error) is retried by the engine; the third attempt is not the
    rule's any more, and the magic numbers decide it (delivered)."""
    await register_basics(client)
    await put_rules(
        client, rule({"status": "PENDING_ENROUTE", "error": "EC_TOO_MANY_REQUESTS", "attempts": 2}, hop="KAKAO")
    )
    (message_id,) = await message_ids(client, alim_body("821012340003"))
    await gateway.engine.run_until_idle()
    assert (await state_of(gateway, message_id))["attempts"] == 1
    (entry,) = await logs(client)
    assert (entry["status"]["name"], entry["error"]["name"]) == ("PENDING_ENROUTE", "EC_TOO_MANY_REQUESTS")
    await run_for(gateway, clock, 30, step=1)  # the first retry, after 30 s: the rule's second attempt
    assert (await state_of(gateway, message_id))["attempts"] == 2
    assert await pull_all(client) == {}
    await run_for(gateway, clock, 60, step=1)  # the second retry, a minute later
    report = (await pull_all(client))[message_id]
    assert_outcome(report, DELIVERED)
    assert (await state_of(gateway, message_id))["attempts"] == 3


async def test_after_seconds_accepts_the_submit_and_reports_later(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """The late report comes after `afterSeconds` of the gateway's clock, longer than the engine's result timeout
    (60 s) without the message being sent again."""
    await register_basics(client)
    late = {"status": "EXPIRED_DLR_UNKNOWN", "error": "EC_PROVIDER_DR_ERROR", "afterSeconds": 90}
    await put_rules(client, rule(late, destination="821012340004"))
    (message_id,) = await message_ids(client, alim_body("821012340004"))
    await gateway.engine.run_until_idle()
    (entry,) = await logs(client)
    assert entry["status"]["name"] == "PENDING_WAITING_DELIVERY"
    await run_for(gateway, clock, 89.999, step=1)
    assert await pull_all(client) == {}
    await run_for(gateway, clock, 0.001)
    report = (await pull_all(client))[message_id]
    assert_outcome(report, ("EXPIRED_DLR_UNKNOWN", "EC_PROVIDER_DR_ERROR"))
    assert (await state_of(gateway, message_id))["attempts"] == 1


async def test_an_sms_hop_rule_decides_the_failover_sms(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """The Kakao hop fails over (not a user); the rule for hop SMS decides the SMS, here as a late report."""
    await register_basics(client)
    sms_rule = {"status": "REJECTED_NOT_ENOUGH_CREDITS", "error": "EC_INTERNAL_ERROR", "afterSeconds": 20}
    await put_rules(
        client,
        rule({"status": "UNDELIVERABLE_NOT_DELIVERED", "error": "EC_UNKNOWN_USER"}, destination="821012340005"),
        rule(sms_rule, hop="SMS", sender=FAILOVER["sender"]),
    )
    message_id = await failover_message(client, "821012340005")
    await gateway.engine.run_until_idle()
    await run_for(gateway, clock, 19.999, step=1)
    assert await pull_all(client) == {}
    await run_for(gateway, clock, 0.001)
    report = (await pull_all(client))[message_id]
    assert report["channel"] == "SMS"
    assert_outcome(report, ("REJECTED_NOT_ENOUGH_CREDITS", "EC_INTERNAL_ERROR"))


async def test_a_rule_without_hop_leaves_the_sms_hop_alone(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    await put_rules(client, rule({"status": "UNDELIVERABLE_NOT_DELIVERED", "error": "EC_BLOCKED_USER"}))
    message_id = await failover_message(client, "821012340006")
    await gateway.engine.run_until_idle()
    await gateway.engine.run_until_idle()
    report = (await pull_all(client))[message_id]
    assert report["channel"] == "SMS"
    assert_outcome(report, DELIVERED)


async def test_rules_are_the_accounts_own(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    other_id = await create_account(admin, "tenant-b")
    other_key = await create_key(admin, other_id, ["kakao:manage", "message:send", "sandbox:manage"])
    async with api_client(gateway, other_key["key"]) as other:
        await register_basics(other)
        await register_basics(client)
        await put_rules(other, rule({"status": "REJECTED_SENDER"}))
        assert (await client.get("/sandbox/1/rules")).json() == {"rules": []}
        (mine,) = await message_ids(client, alim_body("821012340007"))
        (theirs,) = await message_ids(other, alim_body("821012340007"))
        await gateway.engine.run_until_idle()
        assert_outcome((await pull_all(client))[mine], DELIVERED)
        assert_outcome((await pull_all(other))[theirs], ("REJECTED_SENDER", "NO_ERROR"))


async def test_an_engine_in_another_process_reads_the_rules_from_the_database(
    settings: Settings, clock: ManualClock, receiver: Receiver, client: httpx.AsyncClient, gateway: Gateway
) -> None:
    """Rules set through one gateway's API decide what another gateway's engine does (as a worker would)."""
    await register_basics(client)
    async with started_gateway(settings, clock, receiver) as worker:
        await put_rules(client, rule({"status": "DELIVERED_TO_OPERATOR"}, templateCode=TEMPLATE_CODE))
        answer = await send(client, alim_body("821012340008"))
        assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
        await worker.engine.run_until_idle()
        report = (await pull_all(client))[answer["messages"][0]["messageId"]]
        assert_outcome(report, ("DELIVERED_TO_OPERATOR", "NO_ERROR"))


async def test_late_results_of_both_hops_play_out_on_the_virtual_clock(virtual: Virtual) -> None:  # noqa: F811
    """`POST /sandbox/1/clock/advance` stops at each rule's late result, of the Kakao hop and of the SMS hop."""
    client = virtual.client
    await put_rules(
        client,
        rule({"status": "UNDELIVERABLE_NOT_DELIVERED", "error": "EC_UNKNOWN_USER", "afterSeconds": 30}),
        rule({"status": "DELIVERED_TO_HANDSET", "afterSeconds": 45}, hop="SMS"),
    )
    message_id = await failover_message(client, "821012340009")
    await virtual.advance(seconds=200)
    report = (await pull_all(client))[message_id]
    assert report["channel"] == "SMS"
    assert_outcome(report, DELIVERED)
    assert virtual.since_t0(report["doneAt"]) == 75_000
