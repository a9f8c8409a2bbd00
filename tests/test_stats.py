"""`GET /kakao/1/stats`: exact counts of final messages from the rollups, through the HTTP API with the fake clock.

The sums must equal the final messages after any mix of sends, retries, failovers, expiries, rejections and cancels,
and stay so after the logs' 48 hours purge the messages themselves.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.domain.rollups import DAY_MS, HOUR_MS, MINUTE_MS, FinalFact
from kakao_gateway.domain.times import format_ms
from kakao_gateway.store import rollups
from kakao_gateway.store.migrate import downgrade, upgrade

from .conftest import START_MS
from .helpers import SENDER, TEMPLATE_CODE, alim_body, register_basics, send
from .test_auth import assert_error
from .test_bulks import other_account, set_status
from .test_engine import run_for
from .test_scheduling import bulk_body
from .test_sms_failover import FAILOVER

TEN_MINUTES = {"validityPeriod": {"amount": 10, "timeUnit": "MINUTES"}}
FORTY_DAYS_OF_MINUTES = {"from": format_ms(START_MS - 40 * DAY_MS), "to": format_ms(START_MS), "granularity": "MINUTE"}
WHOLE_RANGE = {"from": format_ms(START_MS - DAY_MS), "to": format_ms(START_MS + 5 * DAY_MS), "granularity": "DAY"}


async def stats(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/kakao/1/stats", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"results"}
    return body["results"]  # type: ignore[no-any-return]


async def final_reports(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every final report pulled (one per message, plus those of refused duplicate messageIds)."""
    found: list[dict[str, Any]] = []
    while True:
        page = (await client.get("/kakao-alim/1/reports", params={"limit": 1000})).json()["results"]
        if not page:
            return found
        found.extend(page)


async def send_a_mix(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    """Delivered, unknown user, retried then delivered, failed over to SMS, lapsed, rejected at accept, a refused
    duplicate messageId, a canceled scheduled bulk, and a campaign."""
    await register_basics(client)
    await send(client, alim_body("821000000001", "821000000002", "821000000004", "12"))
    await send(client, alim_body({"to": "821000000001", "messageId": "twice"}))
    await send(client, alim_body({"to": "821000000001", "messageId": "twice"}))  # refused: not a message
    await send(client, alim_body("821000000009", message={"options": {"smsFailover": FAILOVER}}))
    await send(client, alim_body("821000000005", message={"options": TEN_MINUTES}))
    campaign = alim_body("821000000001", "821000000001", message={"options": {"campaignReferenceId": "winter"}})
    await send(client, campaign)
    await send(client, bulk_body(["821000000001"] * 2, bulk_id="later", send_at=format_ms(START_MS + HOUR_MS)))
    await gateway.engine.run_until_idle()
    await set_status(client, "later", "CANCELED")
    await run_for(gateway, clock, 30 * 60)


def group_counts(results: list[dict[str, Any]], field: str) -> Counter[Any]:
    counted: Counter[Any] = Counter()
    for r in results:
        counted[r[field]] += r["messages"]
    return counted


async def test_the_sums_equal_the_final_messages(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await send_a_mix(client, gateway, clock)
    reports = [r for r in await final_reports(client) if r["status"]["name"] != "REJECTED_DUPLICATE_MESSAGE_ID"]
    assert len(reports) == 11
    by_group = await stats(client, **WHOLE_RANGE, groupBy="statusGroup")
    assert group_counts(by_group, "statusGroup") == Counter(r["status"]["groupName"] for r in reports)
    everything = await stats(client, **WHOLE_RANGE)
    assert len(everything) == 1
    assert everything[0]["time"] == format_ms(START_MS - START_MS % DAY_MS)
    assert everything[0]["messages"] == len(reports)
    assert everything[0]["failovers"] == sum(r["channel"] == "SMS" for r in reports) == 1
    by_error = await stats(client, **WHOLE_RANGE, groupBy="errorId")
    assert group_counts(by_error, "errorId") == Counter(r["error"]["id"] for r in reports)
    by_status = await stats(client, **WHOLE_RANGE, groupBy="status")
    assert group_counts(by_status, "status") == Counter(r["status"]["name"] for r in reports)
    # The totals (no sender filter, coarse groups) and the detailed rollups agree.
    detailed = await stats(client, **WHOLE_RANGE, groupBy="statusGroup", sender=SENDER)
    assert detailed == by_group


async def test_sums_outlive_the_logs(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    await send_a_mix(client, gateway, clock)
    before = await stats(client, **WHOLE_RANGE, groupBy="statusGroup,templateCode")
    await run_for(gateway, clock, 3 * DAY_MS / 1000, step=3600)
    logs = (await client.get("/kakao-alim/1/logs")).json()["results"]
    assert logs == []
    assert await stats(client, **WHOLE_RANGE, groupBy="statusGroup,templateCode") == before


async def test_group_by_several_fields(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    await send_a_mix(client, gateway, clock)
    rows = await stats(client, **WHOLE_RANGE, groupBy="channel,sender,templateCode,campaignReferenceId,route")
    keys = {(r["channel"], r["sender"], r["templateCode"], r["campaignReferenceId"], r["route"]) for r in rows}
    assert ("ALIM", SENDER, TEMPLATE_CODE, "winter", "KAKAO_SANDBOX") in keys
    assert ("ALIM", SENDER, TEMPLATE_CODE, None, "KAKAO_SANDBOX") in keys
    assert any(r["route"] != "KAKAO_SANDBOX" and r["failovers"] == 1 for r in rows)  # ended on the SMS route
    winter = [r for r in rows if r["campaignReferenceId"] == "winter"]
    assert sum(r["messages"] for r in winter) == 2
    assert await stats(client, **WHOLE_RANGE, channel="BRAND") == []
    assert await stats(client, **WHOLE_RANGE, sender="someone else") == []
    assert sum(r["messages"] for r in await stats(client, **WHOLE_RANGE, channel="alim", sender=SENDER)) == 11


async def test_periods_and_times_to_final(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock) -> None:
    """Periods follow the granularity (UTC); p50 and p95 come from the histogram of times from accept to final."""
    await register_basics(client)
    await send(client, alim_body("821000000001"))
    await gateway.engine.run_until_idle()  # final at once
    clock.set(START_MS + 2 * HOUR_MS)
    await send(client, alim_body("821000000006"))  # retried: final after 30 s
    await run_for(gateway, clock, 120, step=1)
    hours = await stats(
        client, **{"from": format_ms(START_MS), "to": format_ms(START_MS + 3 * HOUR_MS)}, granularity="HOUR"
    )
    assert [r["time"] for r in hours] == [format_ms(START_MS), format_ms(START_MS + 2 * HOUR_MS)]
    assert [r["messages"] for r in hours] == [1, 1]
    assert hours[0]["secondsToFinal"] == {"p50": 0.05, "p95": 0.095}  # within the first bucket (up to 0.1 s)
    retried = hours[1]["secondsToFinal"]
    assert 30 / 1.19 <= retried["p50"] <= 30 * 1.19
    minutes = await stats(
        client,
        **{"from": format_ms(START_MS + 2 * HOUR_MS), "to": format_ms(START_MS + 3 * HOUR_MS)},
        granularity="MINUTE",
    )
    assert [r["time"] for r in minutes] == [format_ms(START_MS + 2 * HOUR_MS + 30_000 - 30_000 % MINUTE_MS)]
    # Any offset in; UTC out.
    kst = await stats(client, **{"from": "2026-01-01T00:00:00+09:00", "to": format_ms(START_MS + DAY_MS)})
    assert all(r["time"].endswith("+0000") for r in kst)


async def test_accounts_see_their_own(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, admin: httpx.AsyncClient
) -> None:
    await register_basics(client)
    await send(client, alim_body("821000000001"))
    await gateway.engine.run_until_idle()
    async with other_account(gateway, admin) as other:
        assert await stats(other, **WHOLE_RANGE) == []
    assert [r["messages"] for r in await stats(client, **WHOLE_RANGE)] == [1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"granularity": "WEEK"}, "granularity"),
        ({"groupBy": "destination"}, "groupBy"),
        ({"from": "yesterday"}, "from"),
        ({"from": format_ms(START_MS), "to": format_ms(START_MS - 1)}, "from"),
        (FORTY_DAYS_OF_MINUTES, "granularity"),
    ],
)
async def test_bad_parameters_are_400(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/kakao/1/stats", params=params)
    assert_error(response, 400)
    assert field in response.text


async def test_stats_need_a_logs_key(gateway: Gateway) -> None:
    from kakao_gateway.app import create_app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(gateway)), base_url="http://gateway.test"
    ) as anonymous:
        assert_error(await anonymous.get("/kakao/1/stats"), 401)


async def test_rollups_are_kept_for_the_stats_retention(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    await register_basics(client)
    await send(client, alim_body("821000000001"))
    await gateway.engine.run_until_idle()
    whole = {"from": format_ms(START_MS - DAY_MS), "to": format_ms(START_MS + 500 * DAY_MS), "granularity": "DAY"}
    clock.set(START_MS + 399 * DAY_MS)
    await gateway.engine.run_until_idle()
    assert [r["messages"] for r in await stats(client, **whole)] == [1]
    clock.set(START_MS + 401 * DAY_MS)
    await gateway.engine.run_until_idle()
    assert await stats(client, **whole) == []


async def test_the_upgrade_counts_the_messages_already_final(
    client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock
) -> None:
    """A database from before the rollups (revision 0024) gets them filled from its final messages."""
    await send_a_mix(client, gateway, clock)
    grouped = {**WHOLE_RANGE, "groupBy": "statusGroup,errorId,templateCode,campaignReferenceId,route"}
    before = await stats(client, **grouped)
    url = gateway.settings.database_url
    await asyncio.to_thread(downgrade, url, "0024")
    await asyncio.to_thread(upgrade, url)
    assert await stats(client, **grouped) == before


async def test_rows_of_several_processes_add_up(
    client: httpx.AsyncClient, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each process adds to rows of its own shard (two workers never wait on each other's rows); reads sum them."""
    account = gateway.default_account_id
    fact = FinalFact(account, "ALIM", SENDER, TEMPLATE_CODE, "", "KAKAO_SANDBOX", 5, 0, False, START_MS, START_MS + 10)
    for shard in (1, 2, 2):
        monkeypatch.setattr(rollups, "SHARD", shard)
        await gateway.db.write(rollups.count_finals([fact]))
    (row,) = await stats(client, **WHOLE_RANGE, groupBy="templateCode")
    assert row["messages"] == 3
    (row,) = await stats(client, **WHOLE_RANGE, groupBy="statusGroup")  # the totals
    assert row["messages"] == 3
