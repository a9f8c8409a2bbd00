"""Opt-out (do-not-send) lists per account, through the HTTP API, the sandbox, the CLI and real processes.

`/kakao/1/opt-outs` adds (idempotent), lists and removes numbers; an entry without a sender applies to all the
account's senders. A Brand destination on the list is rejected at accept (REJECTED_DND, with a final report) and
no SMS goes to it either; Alim and Sangdam are not affected. `/sandbox/1/opt-outs` plays a user calling the 080
number: the number is listed and an OPT_OUT event is pushed to the account's subscription, signed like any push.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.cli import opt_outs as cli_opt_outs
from kakao_gateway.clock import ManualClock
from kakao_gateway.connectors.upstreams import SMS_SANDBOX_ROUTE
from kakao_gateway.domain.times import format_ms

from .conftest import START_MS, Receiver
from .helpers import alim_body, register_basics, send, settle
from .spec import assert_api_error, assert_matches
from .test_ad_rules import put_identity
from .test_brand_send import CHINGU, SENDER, add_sender, brand_body, free_form, outcome, pull
from .test_brand_templates import client_for
from .test_cli import Server, api_env, run, server  # noqa: F401  (server: the module's fixture)
from .test_sms_failover import RecordingSms
from .test_webhook_signing import SECRET_A, put_secret, verify

Json = dict[str, Any]

OPT_OUTS = "/kakao/1/opt-outs"
SANDBOX = "/sandbox/1/opt-outs"
HOOK = "http://hooks.test/opt-outs"
SMS_SENDER = "0215881234"
LISTED = "821012345678"
OTHER = "821087654321"
DND = ("REJECTED_DND", "NO_ERROR")


@pytest.fixture
def sms(gateway: Gateway) -> RecordingSms:
    recording = RecordingSms()
    gateway.connectors[SMS_SANDBOX_ROUTE] = recording
    return recording


async def add(client: httpx.AsyncClient, *destinations: str, sender: str | None = None) -> Json:
    body: Json = {"destinations": list(destinations)}
    if sender is not None:
        body["sender"] = sender
    response = await client.post(OPT_OUTS, json=body)
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


async def listed(client: httpx.AsyncClient, **params: Any) -> Json:
    response = await client.get(OPT_OUTS, params=params)
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


def problems(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    assert_api_error(response.json())
    return {v["property"]: v["violation"] for v in response.json()["violations"]}


# --- the list ------------------------------------------------------------------------------------------------------


async def test_add_is_idempotent_and_lists_what_was_added(client: httpx.AsyncClient, clock: ManualClock) -> None:
    assert await add(client, LISTED, OTHER) == {"added": 2, "alreadyListed": 0}
    clock.advance(1000)
    assert await add(client, LISTED, LISTED, "821000000001") == {"added": 1, "alreadyListed": 1}
    page = await listed(client)
    assert [(e["destination"], e["sender"]) for e in page["results"]] == [
        ("821000000001", None),
        (LISTED, None),
        (OTHER, None),
    ]
    first = {e["destination"]: e for e in page["results"]}[LISTED]
    assert first == {"destination": LISTED, "sender": None, "createdAt": format_ms(START_MS), "source": "API"}
    assert page["cursor"]["nextCursor"] is None


async def test_entries_per_sender_and_for_all_senders(client: httpx.AsyncClient) -> None:
    await add(client, LISTED, sender="CHANNEL-A")
    await add(client, LISTED, sender="CHANNEL-B")
    await add(client, LISTED)
    found = (await listed(client, destination=LISTED))["results"]
    assert [e["sender"] for e in found] == [None, "CHANNEL-A", "CHANNEL-B"]
    assert (await listed(client, destination=OTHER))["results"] == []
    only_b = await client.delete(f"{OPT_OUTS}/{LISTED}", params={"sender": "CHANNEL-B"})
    assert only_b.status_code == 204, only_b.text
    assert [e["sender"] for e in (await listed(client))["results"]] == [None, "CHANNEL-A"]
    everything = await client.delete(f"{OPT_OUTS}/{LISTED}")
    assert everything.status_code == 204
    assert (await listed(client))["results"] == []
    gone = await client.delete(f"{OPT_OUTS}/{LISTED}")
    assert gone.status_code == 404
    assert_api_error(gone.json())


async def test_pages_follow_the_cursor(client: httpx.AsyncClient) -> None:
    numbers = [f"8210000{i:05d}" for i in range(25)]
    await add(client, *numbers)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await listed(client, limit=10, **({"cursor": cursor} if cursor else {}))
        seen.extend(e["destination"] for e in page["results"])
        cursor = page["cursor"]["nextCursor"]
        assert len(page["results"]) <= 10
        if cursor is None:
            break
    assert seen == sorted(numbers)
    bad = await client.get(OPT_OUTS, params={"cursor": "not-a-cursor"})
    assert "cursor" in problems(bad)
    assert "limit" in problems(await client.get(OPT_OUTS, params={"limit": 0}))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"destinations": []}, "destinations", id="empty"),
        pytest.param({}, "destinations", id="missing"),
        pytest.param({"destinations": ["010-1234-5678"]}, "destinations[0]", id="local-form"),
        pytest.param({"destinations": [LISTED, "abc"]}, "destinations[1]", id="not-a-number"),
        pytest.param({"destinations": [LISTED], "sender": ""}, "sender", id="blank-sender"),
        pytest.param({"destinations": [LISTED] * 100_001}, "destinations", id="too-many"),
    ],
)
async def test_bad_additions_are_a_400_and_add_nothing(client: httpx.AsyncClient, body: Json, field: str) -> None:
    found = problems(await client.post(OPT_OUTS, json=body))
    assert field in found, found
    assert (await listed(client))["results"] == []


async def test_a_local_form_is_named_in_the_400(client: httpx.AsyncClient) -> None:
    found = problems(await client.post(OPT_OUTS, json={"destinations": ["010-1234-5678"]}))
    assert "821012345678" in found["destinations[0]"]


async def test_the_list_needs_kakao_manage(
    client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient
) -> None:
    from .test_auth import default_account_id

    account = await default_account_id(admin)
    async with client_for(gateway, admin, account, ["kakao:message:send"]) as sender_only:
        for method, path in (("GET", OPT_OUTS), ("POST", OPT_OUTS), ("DELETE", f"{OPT_OUTS}/{LISTED}")):
            response = await sender_only.request(
                method, path, json={"destinations": [LISTED]} if method == "POST" else None
            )
            assert response.status_code == 403, (method, response.text)


async def test_lists_are_per_account(client: httpx.AsyncClient, gateway: Gateway, admin: httpx.AsyncClient) -> None:
    await add(client, LISTED)
    async with client_for(gateway, admin) as other:
        assert (await listed(other))["results"] == []
        assert (await other.delete(f"{OPT_OUTS}/{LISTED}")).status_code == 404
        await add_sender(other)
        answer = (await other.post(CHINGU, json=brand_body(free_form("TEXT_FREE_FORM"), LISTED))).json()
        assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"
    assert len((await listed(client))["results"]) == 1


# --- sending -------------------------------------------------------------------------------------------------------


async def test_a_listed_brand_destination_is_rejected_with_a_final_report(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    await add_sender(client)
    await add(client, LISTED)
    response = await client.post(CHINGU, json=brand_body(free_form("TEXT_FREE_FORM"), LISTED, OTHER))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert_matches(answer, CHINGU, "post", 200)
    rejected, accepted = answer["messages"]
    assert rejected["status"] == {
        "groupId": 5,
        "groupName": "REJECTED",
        "id": 10,
        "name": "REJECTED_DND",
        "description": "Destination on DND list",
    }
    assert accepted["status"]["name"] == "PENDING_ENROUTE"
    await settle(gateway)
    reports = {r["messageId"]: r for r in await pull(client)}
    assert outcome(reports[rejected["messageId"]]) == DND
    assert outcome(reports[accepted["messageId"]]) == ("DELIVERED_TO_HANDSET", "NO_ERROR")


async def test_no_sms_goes_to_a_listed_destination(
    client: httpx.AsyncClient, gateway: Gateway, sms: RecordingSms
) -> None:
    """A listed number that is no KakaoTalk user, or whose Brand message Kakao would refuse (targeting), gets no SMS
    failover either."""
    await add_sender(client)
    await put_identity(client)
    await add(client, "821000000002", LISTED)
    failover = {"smsFailover": {"text": "Winter sale", "sender": SMS_SENDER}}
    body = brand_body(free_form("TEXT_FREE_FORM"), "821000000002", options=failover)
    targeted = brand_body(free_form("TEXT_FREE_FORM"), LISTED, options={**failover, "targeting": "ALL_CONSENT"})
    for request in (body, targeted):
        response = await client.post(CHINGU, json=request)
        assert response.json()["messages"][0]["status"]["name"] == "REJECTED_DND", response.text
    await settle(gateway)
    assert sms.seen == []
    assert [outcome(r) for r in await pull(client)] == [DND, DND]


async def test_an_entry_for_one_sender_spares_the_others(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await add_sender(client)
    await add_sender(client, "OTHER-CHANNEL")
    await add(client, LISTED, sender=SENDER)
    mine = await client.post(CHINGU, json=brand_body(free_form("TEXT_FREE_FORM"), LISTED))
    other = await client.post(CHINGU, json=brand_body(free_form("TEXT_FREE_FORM"), LISTED, sender="OTHER-CHANNEL"))
    assert mine.json()["messages"][0]["status"]["name"] == "REJECTED_DND"
    assert other.json()["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_removed_numbers_are_sent_to_again(client: httpx.AsyncClient) -> None:
    await add_sender(client)
    await add(client, LISTED)
    assert (await client.delete(f"{OPT_OUTS}/{LISTED}")).status_code == 204
    answer = (await client.post(CHINGU, json=brand_body(free_form("TEXT_FREE_FORM"), LISTED))).json()
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_alim_is_informational_and_not_affected(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    await add(client, "821000000001")
    answer = await send(client, alim_body("821000000001"))
    assert answer["messages"][0]["status"]["name"] == "PENDING_ENROUTE"


async def test_sangdam_is_not_affected(client: httpx.AsyncClient, gateway: Gateway) -> None:
    from .sangdam_helpers import sangdam_body, setup_sender
    from .sangdam_helpers import send as sangdam_send

    await setup_sender(client)
    await add(client, LISTED)
    answer = await sangdam_send(client, sangdam_body(LISTED))
    assert answer["messages"][0]["status"]["name"] != "REJECTED_DND"


# --- the sandbox: a user calls the 080 number ----------------------------------------------------------------------


async def test_a_sandbox_opt_out_lists_the_number_and_pushes_a_signed_event(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    response = await client.put("/kakao/1/subscriptions", json={"OPT_OUT": {"url": HOOK}})
    assert response.status_code == 200, response.text
    await put_secret(client, {"secret": SECRET_A})
    response = await client.post(SANDBOX, json={"destination": LISTED, "sender": SENDER})
    assert response.status_code == 200, response.text
    await settle(gateway)
    [request] = [r for r in receiver.requests if r["path"] == "/opt-outs"]
    event = json.loads(request["body"])
    assert event == {"type": "OPT_OUT", "destination": LISTED, "sender": SENDER, "at": format_ms(START_MS)}
    assert verify(SECRET_A, request) == event
    [entry] = (await listed(client))["results"]
    assert (entry["destination"], entry["sender"], entry["source"]) == (LISTED, SENDER, "SANDBOX")


async def test_a_sandbox_opt_out_without_a_subscription_pushes_nothing(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    response = await client.post(SANDBOX, json={"destination": LISTED})
    assert response.status_code == 200, response.text
    await settle(gateway)
    assert receiver.requests == []
    assert [e["sender"] for e in (await listed(client))["results"]] == [None]


async def test_a_bad_sandbox_opt_out_is_a_400(client: httpx.AsyncClient) -> None:
    assert "destination" in problems(await client.post(SANDBOX, json={"destination": "abc"}))
    assert "destination" in problems(await client.post(SANDBOX, json={}))


async def test_the_opt_out_subscription_takes_a_url(client: httpx.AsyncClient) -> None:
    response = await client.put("/kakao/1/subscriptions", json={"OPT_OUT": {"url": "ftp://x"}})
    assert response.status_code == 400, response.text
    response = await client.put("/kakao/1/subscriptions", json={"OPT_OUT": {"url": HOOK}})
    assert response.status_code == 200, response.text
    assert (await client.get("/kakao/1/subscriptions")).json()["OPT_OUT"] == {"url": HOOK}


# --- the CLI: kakao-gateway opt-outs import FILE -------------------------------------------------------------------


def test_numbers_in_korean_forms_are_read() -> None:
    text = "phone,name\n010-1234-5678,Kim\n+82 10 8765 4321,Lee\n01000000001,Park\n\nnot a number,Choi\n"
    numbers, bad = cli_opt_outs.read_numbers(text.encode())
    assert numbers == ["821012345678", "821087654321", "821000000001"]
    assert bad == [(6, "not a number")]
    plain, none = cli_opt_outs.read_numbers(b"01012345678\n821087654321\n")
    assert (plain, none) == (["821012345678", "821087654321"], [])


def test_opt_outs_import_adds_every_number(server: Server, tmp_path: Path) -> None:  # noqa: F811
    numbers = tmp_path / "optouts.csv"
    rows = [f"010-{i // 10000:04d}-{i % 10000:04d}" for i in range(1, 2501)]
    numbers.write_text("destination\n" + "\n".join(rows) + "\n010-12\n", encoding="utf-8")
    result = run("opt-outs", "import", str(numbers), "--batch-size", "1000", env=api_env(server))
    assert result.exit_code == 1, result.output  # a row held no number: said, and the others are listed
    assert "2500 added" in result.stdout
    assert "1 unreadable" in result.stdout and "row 2502" in result.stdout
    numbers.write_text("\n".join(rows) + "\n", encoding="cp949")  # one number a line, as Korean Excel saves
    again = run("opt-outs", "import", str(numbers), env=api_env(server))
    assert again.exit_code == 0, again.output
    assert "0 added" in again.stdout and "2500 already listed" in again.stdout
    with httpx.Client(base_url=server.url, headers={"Authorization": f"App {server.key}"}) as api:
        page = api.get(OPT_OUTS, params={"destination": "821000000001"}).json()
    assert [(e["destination"], e["source"]) for e in page["results"]] == [("821000000001", "API")]


def test_opt_outs_import_of_a_missing_file_is_one_error(server: Server, tmp_path: Path) -> None:  # noqa: F811
    from .test_cli import one_error

    one_error(run("opt-outs", "import", str(tmp_path / "nope.csv"), env=api_env(server)), "nope.csv")


# --- the console: search, add, remove ------------------------------------------------------------------------------


async def test_the_console_searches_adds_and_removes(
    gateway: Gateway, client: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    from .conftest import API_KEY
    from .console_helpers import browser_client, sign_in

    await add_sender(client)
    async with browser_client(gateway) as c:
        token = await sign_in(c, API_KEY)
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        page = await c.get("/console/opt-outs")
        assert page.status_code == 200 and "No numbers on the list" in page.text and ">Opt-outs<" in page.text
        added = await c.post(
            "/console/opt-outs",
            data={"numbers": "010-1234-5678\n+82 10 8765 4321, 02-12\n010-1234-5678", "sender": ""},
            headers=headers,
        )
        assert added.status_code == 200, added.text
        assert "2 added" in added.text and "02-12" in added.text
        only_one = await c.post(
            "/console/opt-outs", data={"numbers": "010-1234-5678", "sender": SENDER}, headers=headers
        )
        assert "1 added" in only_one.text and SENDER in only_one.text
        nothing = await c.post("/console/opt-outs", data={"numbers": "hello"}, headers=headers)
        assert nothing.status_code == 400 and "No phone numbers" in nothing.text
        found = (await c.get("/console/opt-outs", params={"q": "010 1234 5678"})).text
        assert found.count("<tr><td>821012345678</td>") == 2 and "all senders" in found and "CONSOLE" in found
        assert "Remove" in found
        unreadable = await c.get("/console/opt-outs", params={"q": "abc"})
        assert unreadable.status_code == 400 and "no phone number" in unreadable.text
        removed = await c.post(f"/console/opt-outs/{LISTED}/remove", params={"sender": SENDER}, headers=headers)
        assert removed.status_code == 200 and "Removed" in removed.text
    assert [(e["destination"], e["sender"]) for e in (await listed(client))["results"]] == [
        (LISTED, None),
        (OTHER, None),
    ]

    account = (await admin.get("/admin/1/accounts")).json()["results"][0]["id"]
    agent = (await admin.post(f"/admin/1/accounts/{account}/keys", json={"scopes": ["console"]})).json()
    async with browser_client(gateway) as c:
        token = await sign_in(c, agent["key"])
        headers = {"X-CSRF-Token": token, "HX-Request": "true"}
        page = (await c.get("/console/opt-outs")).text
        assert LISTED in page and "Remove" not in page, "agents add and search; managers remove"
        added = await c.post("/console/opt-outs", data={"numbers": "01000000001"}, headers=headers)
        assert "1 added" in added.text
        refused = await c.post(f"/console/opt-outs/{LISTED}/remove", headers=headers)
        assert refused.status_code == 403
    assert len((await listed(client))["results"]) == 3
