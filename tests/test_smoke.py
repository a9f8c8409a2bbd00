from __future__ import annotations

import httpx

from kakao_gateway.app import Gateway

from .helpers import alim_body, pull, register_basics, send, settle
from .spec import assert_matches


async def test_send_deliver_pull(client: httpx.AsyncClient, gateway: Gateway) -> None:
    await register_basics(client)
    answer = await send(client, alim_body("821000000001", "821000000002"))
    assert_matches(answer, "/kakao-alim/1/messages", "post", 200)
    assert [m["status"]["name"] for m in answer["messages"]] == ["PENDING_ENROUTE", "PENDING_ENROUTE"]
    await settle(gateway)
    reports = {r["to"]: r for r in await pull(client)}
    assert reports["821000000001"]["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert reports["821000000002"]["error"]["name"] == "EC_UNKNOWN_USER"
    assert_matches({"results": list(reports.values())}, "/kakao-alim/1/reports", "get", 200)
    assert await pull(client) == []
