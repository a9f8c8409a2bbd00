"""Inbound forwarding: in order per session across a receiver outage (the retry ladder), honest counts, bodies
batched across sessions; the inbound pull hands each message out once, also to concurrent callers, and takes
what the pushes gave up on."""

from __future__ import annotations

import asyncio

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock

from .conftest import START_MS, Receiver
from .sangdam_helpers import inbound_bodies, sangdam_body, setup_sender, user_writes
from .spec import assert_schema

MINUTE = 60_000


async def test_order_per_session_survives_a_receiver_outage(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await setup_sender(client)
    receiver.status = 503
    written: dict[str, list[str]] = {"alice": [], "bob": []}
    for i in range(3):
        for user in written:
            written[user].append((await user_writes(client, user, f"{user} {i}"))["messageId"])
    await gateway.engine.run_until_idle()  # the first pushes fail
    for i in range(3, 6):  # more arrive while the receiver is down and the first batch waits for its retry
        clock.set(clock.now_ms() + 1000)
        for user in written:
            written[user].append((await user_writes(client, user, f"{user} {i}"))["messageId"])
        await gateway.engine.run_until_idle()
    await gateway.advance_clock(clock.now_ms() + 10 * MINUTE)  # retries, still failing
    failed = len(receiver.requests)
    assert failed >= 2
    receiver.status = 200
    await gateway.advance_clock(clock.now_ms() + 60 * MINUTE)
    bodies = inbound_bodies(receiver)
    taken = [r for body in bodies[failed:] for r in body["results"]]
    for user, ids in written.items():
        assert [r["messageId"] for r in taken if r["sender"] == user] == ids, user
    # Every failed push carried only the first messages: nothing later was ever posted before them.
    for body in bodies[:failed]:
        for r in body["results"]:
            assert written[r["sender"]].index(r["messageId"]) < 3
    # A retry posts the body as it was formed (nothing was waiting then); the held messages followed in one body.
    assert [b["messageCount"] for b in bodies[failed:]] == [6, 6]
    assert bodies[-1]["pendingMessageCount"] == 0


async def test_a_failed_push_keeps_later_messages_of_its_session_back(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    """While a session's batch waits for its retry, the session's later messages are not posted at all, but other
    sessions' messages are."""
    await setup_sender(client)
    receiver.status = 500
    first = await user_writes(client, "carol", "one")
    await gateway.engine.run_until_idle()
    receiver.status = 200
    second = await user_writes(client, "carol", "two")
    other = await user_writes(client, "dave", "hi")
    await gateway.engine.run_until_idle()
    posted = [[r["messageId"] for r in body["results"]] for body in inbound_bodies(receiver)]
    assert posted == [[first["messageId"]], [other["messageId"]]]
    await gateway.advance_clock(clock.now_ms() + 10 * MINUTE)
    posted = [[r["messageId"] for r in body["results"]] for body in inbound_bodies(receiver)]
    assert posted[2:] == [[first["messageId"]], [second["messageId"]]]


async def test_bodies_batch_sessions_together(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client)
    for i in range(250):
        await user_writes(client, f"user-{i}", "hi")
    await gateway.engine.run_until_idle()
    bodies = inbound_bodies(receiver)
    assert [b["messageCount"] for b in bodies] == [100, 100, 50]
    assert [b["pendingMessageCount"] for b in bodies] == [150, 50, 0]
    assert len({r["messageId"] for b in bodies for r in b["results"]}) == 250


async def test_pull_without_an_inbound_url(client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver) -> None:
    await setup_sender(client, inbound=False)
    ids = [(await user_writes(client, f"u{i % 3}", f"m{i}"))["messageId"] for i in range(7)]
    await gateway.engine.run_until_idle()
    assert receiver.requests == []
    r = await client.get("/kakao-sangdam/1/inbound", params={"limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert_schema(body, "KakaoSangdamInboundResponse")
    assert [x["messageId"] for x in body["results"]] == ids[:5]
    assert (body["messageCount"], body["pendingMessageCount"]) == (5, 2)
    rest = (await client.get("/kakao-sangdam/1/inbound")).json()
    assert [x["messageId"] for x in rest["results"]] == ids[5:]
    assert (await client.get("/kakao-sangdam/1/inbound")).json() == {
        "results": [],
        "messageCount": 0,
        "pendingMessageCount": 0,
    }
    r = await client.get("/kakao-sangdam/1/inbound", params={"limit": "0"})
    assert r.status_code == 400


async def test_concurrent_pulls_hand_each_message_out_once(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await setup_sender(client, inbound=False)
    ids = {(await user_writes(client, f"u{i % 5}", f"m{i}"))["messageId"] for i in range(60)}

    async def pull() -> list[str]:
        r = await client.get("/kakao-sangdam/1/inbound", params={"limit": 7})
        assert r.status_code == 200
        return [x["messageId"] for x in r.json()["results"]]

    got: list[str] = []
    for _ in range(3):
        for batch in await asyncio.gather(*(pull() for _ in range(6))):
            got.extend(batch)
    assert len(got) == len(set(got)) == 60 and set(got) == ids


async def test_exhausted_pushes_become_pullable(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    await setup_sender(client)
    receiver.status = 500
    first = await user_writes(client, "erin", "one")
    second = await user_writes(client, "erin", "two")
    await gateway.engine.run_until_idle()
    assert (await client.get("/kakao-sangdam/1/inbound")).json()["results"] == []  # still being retried
    third = await user_writes(client, "erin", "three")
    await gateway.advance_clock(clock.now_ms() + 4 * 24 * 60 * MINUTE)
    pulled = (await client.get("/kakao-sangdam/1/inbound")).json()["results"]
    # The first batch (1, 2) gave up; the third went out after it, in order, and gave up in its turn; so did the
    # session's expiry a day later.
    assert [p["messageId"] for p in pulled[:3]] == [first["messageId"], second["messageId"], third["messageId"]]
    assert [p["message"]["type"] for p in pulled[3:]] == ["EXPIRED_SESSION"]
    firsts = [body["results"][0]["messageId"] for body in inbound_bodies(receiver)]
    assert firsts.index(third["messageId"]) > max(i for i, m in enumerate(firsts) if m == first["messageId"])
    assert (await client.get("/kakao-sangdam/1/inbound")).json()["results"] == []
    assert clock.now_ms() > START_MS


async def test_order_holds_across_a_users_sessions(
    client: httpx.AsyncClient, gateway: Gateway, receiver: Receiver, clock: ManualClock
) -> None:
    """The business ends a session while its user's last message waits for a retry; the user writes again (a new
    session): the new message is not posted before the old one."""
    await setup_sender(client)
    receiver.status = 500
    first = await user_writes(client, "erin", "before")
    await gateway.engine.run_until_idle()  # its push fails: retried in a minute
    end = sangdam_body("erin", content={"type": "TERMINATE_SESSION"})
    assert (await client.post("/kakao-sangdam/1/messages", json=end)).status_code == 200
    await gateway.engine.run_until_idle()
    receiver.status = 200
    second = await user_writes(client, "erin", "after")
    assert second["sessionId"] != first["sessionId"]
    await gateway.engine.run_until_idle()
    await gateway.advance_clock(clock.now_ms() + 10 * MINUTE)
    delivered = [r["messageId"] for body in inbound_bodies(receiver)[1:] for r in body["results"]]
    assert delivered == [first["messageId"], second["messageId"]]
