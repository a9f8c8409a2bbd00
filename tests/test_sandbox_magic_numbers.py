"""Every row of the README's "Sandbox magic numbers" table, through the public API with the fake clock: the table
lists exactly the numbers below, and each number ends as its row says (reports validated against the spec)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock

from .helpers import register_basics
from .spec import assert_matches
from .test_brand_smoke import brand_body
from .test_engine import DELIVERED, LAPSED, assert_outcome, offset_s, one_message, pull_all, run_for, state_of
from .test_sms_failover import failover_message

README = Path(__file__).resolve().parents[1] / "README.md"
NOT_A_USER = ("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_USER")
TEN_MINUTES = {"validityPeriod": {"amount": 10, "timeUnit": "MINUTES"}}


@dataclass(frozen=True)
class Row:
    outcome: tuple[str, str]
    run_s: int = 0  # fake time to let pass after the send
    done_s: tuple[float, float] = (0, 0)  # when the report's doneAt may fall (seconds after the send)
    failover: bool = False  # sent with smsFailover: the report is the SMS's
    validity: dict[str, Any] | None = None
    attempts: int | None = None  # of the hop that ended it


ROWS = {
    "821000000001": Row(DELIVERED),
    "821000000002": Row(NOT_A_USER),
    "821000000003": Row(("UNDELIVERABLE_NOT_DELIVERED", "EC_BLOCKED_USER")),
    # retried after 30 s, 1, 2, 4, 8 minutes: the attempt 15.5 minutes after the first is the first after 10 minutes
    "821000000004": Row(DELIVERED, run_s=20 * 60, done_s=(930, 930), attempts=6),
    "821000000005": Row(LAPSED, run_s=15 * 60, done_s=(600, 600), validity=TEN_MINUTES),
    "821000000006": Row(DELIVERED, run_s=60, done_s=(30, 30), attempts=2),
    "821000000007": Row(LAPSED, run_s=15 * 60, done_s=(600, 600), validity=TEN_MINUTES),
    "821000000008": Row(DELIVERED),  # for Alim; Brand: test_brand_message_to_821000000008_reaches_no_friend
    "821000000009": Row(("UNDELIVERABLE_NOT_DELIVERED", "EC_UNKNOWN_SUBSCRIBER"), failover=True),
    "821000000010": Row(DELIVERED, run_s=20 * 60, done_s=(930, 930), failover=True, attempts=6),
    "821000000011": Row(DELIVERED, run_s=60, done_s=(30, 30), failover=True, attempts=2),
    "821000000012": Row(("UNDELIVERABLE_REJECTED_OPERATOR", "EC_NOT_ALLOWED_SENDING_TIME")),
    "821000000013": Row(("REJECTED_FLOODING_FILTER", "EC_TOO_MANY_REQUESTS")),
    "821000000014": Row(("DELIVERED_TO_OPERATOR", "NO_ERROR")),
    "821000000015": Row(("EXPIRED_DLR_UNKNOWN", "EC_PROVIDER_DR_ERROR"), run_s=120, done_s=(60, 60), attempts=1),
    "821000000016": Row(("REJECTED_SENDER", "EC_INVALID_SOURCE_ADDRESS")),
    "821000000017": Row(("REJECTED_NOT_ENOUGH_CREDITS", "EC_INTERNAL_ERROR")),
    "821099999999": Row(DELIVERED),  # "any valid number not listed here"
}


def readme_numbers() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Sandbox magic numbers", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `8210")]
    return [re.findall(r"`(8210\d{8})`", row.split("|")[1])[0] for row in rows]


def test_the_readme_table_lists_these_numbers_and_no_others() -> None:
    assert readme_numbers() == sorted(n for n in ROWS if n != "821099999999")


@pytest.mark.parametrize("to", sorted(ROWS))
async def test_each_row_of_the_table(client: httpx.AsyncClient, gateway: Gateway, clock: ManualClock, to: str) -> None:
    row = ROWS[to]
    await register_basics(client)
    options = dict(row.validity or {})
    if row.failover:
        message_id = await failover_message(client, to, **options)
    else:
        message_id = await one_message(client, to, **({"options": options} if options else {}))
    await gateway.engine.run_until_idle()
    await run_for(gateway, clock, row.run_s, step=1 if row.run_s <= 120 else 30)
    await gateway.engine.run_until_idle()
    report = (await pull_all(client))[message_id]
    assert_outcome(report, row.outcome)
    assert report["channel"] == ("SMS" if row.failover else "KAKAO_ALIM")
    assert row.done_s[0] <= offset_s(report["doneAt"]) <= row.done_s[1], report
    if row.attempts is not None:
        assert (await state_of(gateway, message_id))["attempts"] == row.attempts


async def test_brand_message_to_821000000008_reaches_no_friend(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    response = await client.post("/kakao-chingu/1/messages", json=brand_body("821000000008", "821000000001"))
    assert response.status_code == 200, response.text
    await gateway.engine.run_until_idle()
    reports = (await client.get("/kakao-chingu/1/reports")).json()
    assert_matches(reports, "/kakao-chingu/1/reports", "get", 200)
    by_to = {r["to"]: (r["status"]["name"], r["error"]["name"]) for r in reports["results"]}
    assert by_to == {"821000000008": NOT_A_USER, "821000000001": DELIVERED}
