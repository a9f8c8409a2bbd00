"""Kakao Sangdam end to end through HTTP: sessions opened by users, inbound forwarding, answers delivered into the
session, reply buttons, sending without a session, termination, expiry under the fake clock, isolation."""

from __future__ import annotations

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock

from .conftest import START_MS, Receiver
from .helpers import SENDER
from .sangdam_helpers import (
    delivery_reports,
    inbound_bodies,
    inbound_results,
    pull_reports,
    sangdam_body,
    send,
    setup_sender,
    user_writes,
)
from .spec import assert_matches
from .test_auth import assert_error, create_account, create_key

MINUTE = 60_000


async def test_open_forward_answer_and_deliver(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    wrote = await user_writes(client, "user-1", "Where is my order?")
    await gateway.engine.run_until_idle()
    (result,) = inbound_results(receiver)
    assert result["sender"] == "user-1" and result["to"] == SENDER
    assert result["integrationType"] == "KAKAO_SANGDAM" and result["messageId"] == wrote["messageId"]
    assert result["message"]["type"] == "TEXT" and result["message"]["text"] == "Where is my order?"
    assert result["price"]["pricePerMessage"] == 0
    assert inbound_bodies(receiver)[0]["pendingMessageCount"] == 0

    answer = await send(client, sangdam_body("user-1", webhooks={"callbackData": "ticket-7"}))
    (accepted,) = answer["messages"]
    assert accepted["status"]["name"] == "PENDING_ACCEPTED" and accepted["destination"] == "user-1"
    await gateway.engine.run_until_idle()
    (report,) = delivery_reports(receiver)
    assert report["messageId"] == accepted["messageId"] and report["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert report["callbackData"] == "ticket-7"

    logs = (await client.get("/kakao-sangdam/1/logs")).json()
    assert_matches(logs, "/kakao-sangdam/1/logs", "get", 200)
    assert logs["results"][0]["content"] == {"type": "TEXT", "text": "How can we help?"}
    # Channel isolation: the Sangdam message is in no Alim or Brand log or pull.
    assert (await client.get("/kakao-alim/1/logs")).json()["results"] == []
    assert (await client.get("/kakao-chingu/1/reports")).json()["results"] == []

    sessions = (await client.get("/kakao/1/sangdam/sessions", params={"sender": SENDER, "state": "OPEN"})).json()
    (session,) = sessions["results"]
    assert session["sessionId"] == wrote["sessionId"] and session["userKey"] == "user-1"
    transcript = (await client.get(f"/kakao/1/sangdam/sessions/{wrote['sessionId']}/messages")).json()
    assert [(e["direction"], e["messageId"]) for e in transcript["results"]] == [
        ("INBOUND", wrote["messageId"]),
        ("OUTBOUND", accepted["messageId"]),
    ]
    phone = await client.get("/sandbox/1/sangdam/users/user-1/conversation", params={"sender": SENDER})
    assert [e["content"].get("text") for e in phone.json()["results"]] == ["Where is my order?", "How can we help?"]

    # A second message of the user belongs to the same session.
    again = await user_writes(client, "user-1", "Thanks")
    assert again["sessionId"] == wrote["sessionId"]


async def test_media_messages_are_forwarded(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    for kind in ("IMAGE", "FILE", "AUDIO", "VIDEO"):
        await user_writes(client, "user-m", type=kind, url=f"https://cdn.example.com/{kind.lower()}")
    await gateway.engine.run_until_idle()
    results = inbound_results(receiver)
    assert [r["message"]["type"] for r in results] == ["IMAGE", "FILE", "AUDIO", "VIDEO"]
    assert results[0]["message"]["urlsDetails"] == [{"url": "https://cdn.example.com/image"}]


async def test_reply_buttons_pair_with_their_message(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await setup_sender(client)
    await user_writes(client, "user-2", "menu?")
    content = {
        "type": "BUTTON_LIST",
        "text": "Choose",
        "buttons": [
            {"type": "REPLY", "name": "Track order", "extra": "track"},
            {"type": "REPLY_WITH_TEXT", "name": "Other", "extra": "free"},
            {"type": "OPEN_URL", "name": "Site", "urlMobile": "https://m.example.com", "urlPc": "https://example.com"},
        ],
    }
    sent = await send(client, sangdam_body("user-2", content=content, webhooks={"callbackData": "cb-1"}))
    message_id = sent["messages"][0]["messageId"]
    await gateway.engine.run_until_idle()
    phone = await client.get("/sandbox/1/sangdam/users/user-2/conversation", params={"sender": SENDER})
    assert phone.json()["results"][-1]["content"]["buttons"][0]["name"] == "Track order"

    r = await client.post(
        "/sandbox/1/sangdam/replies", json={"userKey": "user-2", "messageId": message_id, "button": "Track order"}
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        "/sandbox/1/sangdam/replies",
        json={"userKey": "user-2", "messageId": message_id, "button": "Other", "text": "A refund please"},
    )
    assert r.status_code == 200, r.text
    await gateway.engine.run_until_idle()
    replies = inbound_results(receiver)[1:]
    assert [(x["message"]["text"], x["message"]["extra"]) for x in replies] == [
        ("Track order", "track"),
        ("A refund please", "free"),
    ]
    assert all(x["pairedMessageId"] == message_id and x["callbackData"] == "cb-1" for x in replies)

    # Only the user who received it can press its buttons; text only goes with REPLY_WITH_TEXT; unknown buttons.
    for body, status in (
        ({"userKey": "user-3", "messageId": message_id, "button": "Track order"}, 404),
        ({"userKey": "user-2", "messageId": message_id, "button": "Site"}, 404),
        ({"userKey": "user-2", "messageId": message_id, "button": "Track order", "text": "x"}, 400),
    ):
        assert_error(await client.post("/sandbox/1/sangdam/replies", json=body), status)


async def test_outbound_without_a_session(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    sent = await send(client, sangdam_body("stranger"))
    assert sent["messages"][0]["status"]["name"] == "PENDING_ACCEPTED"
    await gateway.engine.run_until_idle()
    (report,) = delivery_reports(receiver)
    assert report["status"]["name"] == "UNDELIVERABLE_NOT_DELIVERED"
    assert report["error"]["name"] == "EC_NO_SESSION" and report["error"]["id"] == 7010
    phone = await client.get("/sandbox/1/sangdam/users/stranger/conversation", params={"sender": SENDER})
    assert phone.json()["results"] == []


async def test_pulled_reports_without_a_report_url(client: httpx.AsyncClient, gateway: Gateway) -> None:
    r = await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Test channel"})
    assert r.status_code == 200
    await user_writes(client, "user-p")
    sent = await send(client, sangdam_body("user-p", "nobody"))
    await gateway.engine.run_until_idle()
    by_to = {x["to"]: x for x in await pull_reports(client)}
    assert by_to["user-p"]["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert by_to["nobody"]["error"]["name"] == "EC_NO_SESSION"
    assert {m["messageId"] for m in sent["messages"]} == {x["messageId"] for x in by_to.values()}
    assert await pull_reports(client) == []
    assert (await client.get("/kakao-alim/1/reports")).json()["results"] == []


async def test_terminate_closes_the_session(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    first = await user_writes(client, "user-4")
    end = await send(client, sangdam_body("user-4", content={"type": "TERMINATE_SESSION"}))
    await gateway.engine.run_until_idle()
    late = await send(client, sangdam_body("user-4"))
    await gateway.engine.run_until_idle()
    by_id = {x["messageId"]: x for x in delivery_reports(receiver)}
    assert by_id[end["messages"][0]["messageId"]]["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert by_id[late["messages"][0]["messageId"]]["error"]["name"] == "EC_NO_SESSION"
    closed = (await client.get("/kakao/1/sangdam/sessions", params={"state": "CLOSED"})).json()["results"]
    assert [(s["sessionId"], s["closeReason"]) for s in closed] == [(first["sessionId"], "TERMINATED")]
    # Writing again opens a new session; an EXPIRED_SESSION is never sent for a terminated one.
    second = await user_writes(client, "user-4", "me again")
    assert second["sessionId"] != first["sessionId"]
    await gateway.engine.run_until_idle()
    assert all(r["message"]["type"] == "TEXT" for r in inbound_results(receiver))


async def test_expiry_under_the_fake_clock(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await setup_sender(client)
    r = await client.put("/kakao/1/sangdam/settings", json={"sessionTimeoutMinutes": 30})
    assert r.status_code == 200 and r.json() == {"sessionTimeoutMinutes": 30}
    opened = await user_writes(client, "user-5")
    await gateway.advance_clock(START_MS + 20 * MINUTE)
    await send(client, sangdam_body("user-5"))  # activity: the session now expires at +50 min
    await gateway.engine.run_until_idle()
    await gateway.advance_clock(START_MS + 49 * MINUTE)
    assert [r["message"]["type"] for r in inbound_results(receiver)] == ["TEXT"]
    await gateway.advance_clock(START_MS + 60 * MINUTE)
    expired = inbound_results(receiver)[-1]
    assert expired["message"] == {
        "type": "EXPIRED_SESSION",
        "sessionId": opened["sessionId"],
        "sentAt": "2026-11-29T04:50:00.000+0000",
    }
    assert expired["sender"] == "user-5" and expired["to"] == SENDER
    (session,) = (await client.get("/kakao/1/sangdam/sessions")).json()["results"]
    assert session["state"] == "CLOSED" and session["closeReason"] == "EXPIRED"
    late = await send(client, sangdam_body("user-5"))
    await gateway.engine.run_until_idle()
    assert delivery_reports(receiver)[-1]["messageId"] == late["messages"][0]["messageId"]
    assert delivery_reports(receiver)[-1]["error"]["name"] == "EC_NO_SESSION"
    assert clock.now_ms() == START_MS + 60 * MINUTE


async def test_default_timeout_is_a_day(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    assert (await client.get("/kakao/1/sangdam/settings")).json() == {"sessionTimeoutMinutes": 1440}
    await user_writes(client, "user-6")
    await gateway.advance_clock(START_MS + 1440 * MINUTE - 1)
    assert len(inbound_results(receiver)) == 1
    await gateway.advance_clock(START_MS + 1440 * MINUTE)
    assert inbound_results(receiver)[-1]["message"]["type"] == "EXPIRED_SESSION"


async def test_a_late_user_message_expires_the_old_session_first(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    """A user writing after the timeout but before the expiry ran: the old session expires, a new one opens."""
    await setup_sender(client)
    old = await user_writes(client, "user-7")
    clock.set(START_MS + 1441 * MINUTE)  # no advance: the engine has not run
    new = await user_writes(client, "user-7", "back")
    assert new["sessionId"] != old["sessionId"]
    await gateway.engine.run_until_idle()
    types = [(r["message"]["type"], r["message"].get("sessionId")) for r in inbound_results(receiver)]
    assert types == [("TEXT", None), ("EXPIRED_SESSION", old["sessionId"]), ("TEXT", None)]


async def test_magic_user_keys(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    await user_writes(client, "sandbox-blocked")
    await user_writes(client, "sandbox-unreachable")
    body = sangdam_body("sandbox-blocked", "sandbox-unreachable")
    body["messages"][0]["options"] = {"validityPeriod": {"amount": 30, "timeUnit": "MINUTES"}}
    await send(client, body)
    await gateway.advance_clock(START_MS + 31 * MINUTE)
    by_to = {x["to"]: x for x in delivery_reports(receiver)}
    assert by_to["sandbox-blocked"]["error"]["name"] == "EC_BLOCKED_USER"
    assert by_to["sandbox-unreachable"]["status"]["groupName"] == "EXPIRED"


async def test_keywords(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    r = await client.put("/kakao/1/sangdam/keywords", json={"keywords": ["Help", "상담원"]})
    assert r.status_code == 200 and r.json() == {"keywords": ["Help", "상담원"]}
    await user_writes(client, "user-8", "  help ")
    await user_writes(client, "user-8", "상담원")
    await user_writes(client, "user-8", "help me")
    await gateway.engine.run_until_idle()
    assert [r.get("keyword") for r in inbound_results(receiver)] == ["Help", "상담원", None]


async def test_accounts_are_isolated(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway, receiver: Receiver
) -> None:
    await setup_sender(client)
    mine = await user_writes(client, "user-9")
    other_id = await create_account(admin, "tenant-b")
    key = (await create_key(admin, other_id))["key"]
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://gateway.test", headers={"Authorization": f"App {key}"}
    ) as other:
        # Their own sender of the same name: the same user writing there opens a session of theirs.
        assert (await other.post("/kakao/1/senders", json={"sender": SENDER, "name": "B"})).status_code == 200
        theirs = await user_writes(other, "user-9")
        assert theirs["sessionId"] != mine["sessionId"]
        assert_error(await other.get(f"/kakao/1/sangdam/sessions/{mine['sessionId']}/messages"), 404)
        sessions = (await other.get("/kakao/1/sangdam/sessions")).json()["results"]
        assert [s["sessionId"] for s in sessions] == [theirs["sessionId"]]
        await gateway.engine.run_until_idle()
        pulled = (await other.get("/kakao-sangdam/1/inbound")).json()["results"]  # they have no inbound URL
        assert [p["messageId"] for p in pulled] == [theirs["messageId"]]
        r = await other.post(
            "/sandbox/1/sangdam/replies", json={"userKey": "user-9", "messageId": mine["messageId"], "button": "x"}
        )
        assert_error(r, 404)
    assert [r["messageId"] for r in inbound_results(receiver)] == [mine["messageId"]]
    assert (await client.get("/kakao-sangdam/1/inbound")).json()["results"] == []


async def test_closed_sessions_and_their_transcripts_are_purged_after_retention(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    """Kept 90 days after closing (--transcript-retention-days); a session that closed later stays."""
    await setup_sender(client)
    closed = await user_writes(client, "user-old")
    await send(client, sangdam_body("user-old", content={"type": "TERMINATE_SESSION"}))
    await gateway.engine.run_until_idle()
    still_open = await user_writes(client, "user-new")
    transcript = f"/kakao/1/sangdam/sessions/{closed['sessionId']}/messages"
    clock.advance(89 * 24 * 3600)
    await gateway.engine.run_until_idle()
    assert (await client.get(transcript)).status_code == 200
    clock.advance(2 * 24 * 3600)
    await gateway.engine.run_until_idle()
    assert (await client.get(transcript)).status_code == 404
    sessions = (await client.get("/kakao/1/sangdam/sessions")).json()["results"]
    assert [s["sessionId"] for s in sessions] == [still_open["sessionId"]]
