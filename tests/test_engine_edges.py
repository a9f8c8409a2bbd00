"""Edge cases of the engine found in review: a push that cannot even be sent still ends, and rows given back
during a step follow their bulk's pause."""

from __future__ import annotations

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.store import outcomes

from .conftest import START_MS
from .helpers import alim_body, pull, register_basics, send, settle

HOUR_MS = 3_600_000


async def test_a_push_to_an_unusable_url_goes_down_the_ladder_and_becomes_pullable(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """`xn--a.com` passes the URL check at accept but is not a valid IDNA name: every attempt fails before a
    request is made. The report must still be retried, given up, and handed out by a pull (not stuck pending)."""
    await register_basics(client)
    answer = await send(
        client, alim_body("821000000001", message={"webhooks": {"delivery": {"url": "http://xn--a.com/dlr"}}})
    )
    await settle(gateway)
    assert await pull(client) == []  # still being pushed
    await gateway.advance_clock(START_MS + 47 * HOUR_MS)
    reports = await pull(client)
    assert [r["messageId"] for r in reports] == [answer["messages"][0]["messageId"]]
    assert reports[0]["status"]["groupName"] == "DELIVERED"


async def test_rows_given_back_during_a_step_stay_paused_with_their_bulk(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """A worker claims two rows, the operator pauses the bulk, then the worker gives the rows back unsent (a closed
    window, a submit rate): they must wait paused, not go out, and leave when the bulk is resumed."""
    await register_basics(client)
    answer = await send(client, alim_body("821000000001", "821000000001"))
    bulk_id = answer["bulkId"]
    claimed = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 10, gateway.engine.owner, 30_000))
    assert len(claimed) == 2
    response = await client.put("/kakao/1/bulks/status", params={"bulkId": bulk_id}, json={"status": "PAUSED"})
    assert response.status_code == 200, response.text
    given_back = [outcomes.Outcome(c.seq, "release", 0, 0, clock.now_ms(), gateway.engine.owner) for c in claimed]
    assert (await gateway.db.write(outcomes.record(given_back, clock.now_ms()))).changed == 2
    clock.advance(60)
    await settle(gateway)
    assert await pull(client) == []  # nothing left while paused
    response = await client.put("/kakao/1/bulks/status", params={"bulkId": bulk_id}, json={"status": "PROCESSING"})
    assert response.status_code == 200, response.text
    await settle(gateway)
    assert len(await pull(client)) == 2


async def test_two_final_results_for_one_message_in_one_batch_end_it_once(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """A submit that timed out was taken after all and the message was sent again: both submits' final results can
    come in one poll. The message ends once, with one result and one final report, and the batch's other results
    are recorded too (a duplicate once failed the whole batch on the results' primary key)."""
    await register_basics(client)
    answer = await send(client, alim_body("821000000001", "821000000001"))
    claimed = await gateway.db.write(outcomes.claim_due(clock.now_ms(), 10, gateway.engine.owner, 30_000))
    assert len(claimed) == 2
    now = clock.now_ms()
    sent = [outcomes.Outcome(c.seq, "sent", 7, 0, now + 60_000, gateway.engine.owner, now) for c in claimed]
    await gateway.db.write(outcomes.record(sent, now))
    first, other = claimed
    late = [
        outcomes.Outcome(first.seq, "final", 5, 0),  # delivered (the resend's result)
        outcomes.Outcome(first.seq, "final", 5, 0),  # delivered (the first submit's, late)
        outcomes.Outcome(other.seq, "final", 5, 0),
    ]
    recorded = await gateway.db.write(outcomes.record(late, now))
    assert recorded.changed == 2
    reports = (await client.get("/kakao-alim/1/reports")).json()["results"]
    assert sorted(r["messageId"] for r in reports) == sorted(m["messageId"] for m in answer["messages"])
    assert {r["status"]["name"] for r in reports} == {"DELIVERED_TO_HANDSET"}
