"""The upgrade that split the message row (migration 0030) moves a database built at the revision before it in
place: queued, scheduled, paused, in-flight, sent and final messages each end once, nothing is lost or sent twice.

The rows are written at revision 0029 exactly as that code stored them (one wide `messages` row each)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.store.database import open_database
from kakao_gateway.store.migrate import downgrade, upgrade
from kakao_gateway.store.sql import Execute, Fetch

from .conftest import Receiver
from .helpers import SENDER, TEMPLATE_CODE, TEXT, register_basics
from .test_bulks import set_status
from .test_engine import DELIVERED, open_gateway, outcome, pull_all, run_for

OLD_COLUMNS = (
    "account_id, message_id, channel, route, hop, bulk_id, sender, destination, content, state, due_at, expires_at, "
    "validity_ms, priority, attempts, status_id, error_id, created_at, history, sent_at, done_at, notify, "
    "intermediate, held_reported, lease_owner, first_attempt_at, departed_at, template_code"
)
DAY_MS = 86_400_000
CONTENT = json.dumps({"type": "TEMPLATE", "templateCode": TEMPLATE_CODE, "text": TEXT})


def _old_rows(account_id: str, now: int) -> list[tuple[Any, ...]]:
    """(message id, bulk, destination, state, due, attempts, status, error, done_at, lease owner, departed, history)
    as revision 0029 left them: due now, scheduled in an hour, paused with its bulk, claimed by a worker that died
    (its lease ends in 30 s), submitted and waiting for a result that will never come (the deadline is in 60 s),
    and delivered yesterday."""
    held = f'{{"at":{now - 5000},"event":"held","until":{now + 3_600_000},"why":"schedule"}}\n'
    submitted = f'{{"at":{now - 1000},"event":"submitted","error":0,"route":"KAKAO_SANDBOX"}}\n'
    final = f'{{"at":{now - DAY_MS},"event":"final","status":5,"error":0}}\n'
    return [
        ("due", "b-live", "821000000001", "queued", now, 0, 26, 0, None, None, None, None),
        ("later", "b-live", "821000000001", "queued", now + 3_600_000, 0, 26, 0, None, None, None, held),
        ("paused", "b-paused", "821000000001", "paused", now, 0, 26, 0, None, None, None, None),
        ("inflight", "b-live", "821000000001", "inflight", now + 30_000, 1, 26, 0, None, "dead", None, None),
        ("sent", "b-live", "821000000001", "sent", now + 60_000, 1, 26, 0, None, None, now - 1000, submitted),
        ("done", "b-live", "821000000001", "done", now - DAY_MS, 1, 5, 0, now - DAY_MS, None, now - DAY_MS, final),
    ]


def _write_old(account_id: str, now: int) -> Any:
    for bulk, state in (("b-live", "active"), ("b-paused", "paused")):
        yield Execute(
            "INSERT INTO bulks (account_id, bulk_id, channel, created_at, send_at, state, slot_base, next_slot) "
            "VALUES (?, ?, 'ALIM', ?, ?, ?, ?, 0)",
            (account_id, bulk, now - 10_000, now - 10_000, state, now - 10_000),
        )
    marks = ", ".join("?" * len(OLD_COLUMNS.split(", ")))
    for message_id, bulk, to, state, due, attempts, status, error, done, owner, departed, history in _old_rows(
        account_id, now
    ):
        created = now - DAY_MS - 5000 if state == "done" else now - 5000
        yield Execute(
            f"INSERT INTO messages ({OLD_COLUMNS}) VALUES ({marks})",
            (
                account_id,
                message_id,
                "ALIM",
                "KAKAO_SANDBOX",
                0,
                bulk,
                SENDER,
                to,
                CONTENT,
                state,
                due,
                due + DAY_MS,
                DAY_MS,
                1,
                attempts,
                status,
                error,
                created,
                history,
                created,
                done,
                1,
                0,
                0,
                owner,
                None if attempts == 0 else now - 1000,
                departed,
                TEMPLATE_CODE,
            ),
        )


def _history_of(message_id: str) -> Any:
    rows = yield Fetch("SELECT history FROM message_view WHERE message_id = ?", (message_id,))
    return [json.loads(line)["event"] for line in (rows[0]["history"] or "").splitlines()]


async def test_rows_of_every_state_are_moved_and_each_ends_once(
    client: httpx.AsyncClient, gateway: Gateway, settings: Settings, clock: ManualClock, receiver: Receiver
) -> None:
    await register_basics(client)
    account_id, now, url = gateway.default_account_id, clock.now_ms(), settings.database_url
    await gateway.stop()
    await asyncio.to_thread(downgrade, url, "0029")
    old = open_database(url)  # the store alone, at revision 0029
    await old.start()
    try:
        await old.write(_write_old(account_id, now))
    finally:
        await old.close()
    await asyncio.to_thread(upgrade, url)

    async with open_gateway(settings, clock, receiver) as (gw, c):
        assert await gw.db.read(_history_of("later")) == ["held"]
        await gw.engine.run_until_idle()
        first = await pull_all(c)
        assert sorted(first) == ["due"]  # the scheduled one waits, the claimed and sent ones are someone's still
        await run_for(gw, clock, 5 * 60, step=5)  # the lease lapses (30 s), the result deadline passes (60 s)
        second = await pull_all(c)
        assert sorted(second) == ["inflight", "sent"]
        await set_status(c, "b-paused", "PROCESSING")
        await run_for(gw, clock, 60 * 60, step=60)  # the scheduled one's hour
        third = await pull_all(c)
        assert sorted(third) == ["later", "paused"]
        reports = first | second | third
        assert {m: outcome(r) for m, r in reports.items()} == dict.fromkeys(reports, DELIVERED)
        await run_for(gw, clock, 24 * 60 * 60, step=3600)
        assert await pull_all(c) == {}  # one final report each, and none for the one final before the upgrade

        logs = (await c.get("/kakao-alim/1/logs", params={"limit": 100})).json()["results"]
        assert {e["messageId"]: e["status"]["name"] for e in logs} == dict.fromkeys(
            ["due", "later", "paused", "inflight", "sent"], "DELIVERED_TO_HANDSET"
        )  # the one delivered before the upgrade left the logs' 48 hours; the history keeps it
        (found,) = (await c.get("/kakao/1/messages", params={"messageId": "done"})).json()["results"]
        assert found["status"]["name"] == "DELIVERED_TO_HANDSET"
        assert await gw.db.read(_history_of("done")) == ["final"]  # moved with its result
        assert (await gw.db.read(_history_of("sent")))[:1] == ["submitted"]  # kept, then the rest appended
