"""Building blocks for API tests: a registered sender and approved template, and Alim request bodies."""

from __future__ import annotations

from typing import Any

import httpx

from kakao_gateway.app import Gateway

SENDER = "TEST-CHANNEL"
TEMPLATE_CODE = "ORDER_SHIPPED"
TEMPLATE_TEXT = "Hello #{name}, your order #{order} has shipped."
TEXT = "Hello Jimin, your order 1234 has shipped."


async def register_basics(client: httpx.AsyncClient, **template: Any) -> None:
    response = await client.post("/kakao/1/senders", json={"sender": SENDER, "name": "Test channel"})
    assert response.status_code == 200, response.text
    body = {"sender": SENDER, "templateCode": TEMPLATE_CODE, "name": "Order shipped", "text": TEMPLATE_TEXT}
    body.update(template)
    response = await client.post("/kakao-alim/1/templates", json=body)
    assert response.status_code == 200, response.text


def alim_body(
    *destinations: str | dict[str, Any],
    text: str = TEXT,
    message: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    **content: Any,
) -> dict[str, Any]:
    dests = [d if isinstance(d, dict) else {"to": d} for d in destinations]
    msg: dict[str, Any] = {
        "sender": SENDER,
        "destinations": dests,
        "content": {"type": "TEMPLATE", "templateCode": TEMPLATE_CODE, "text": text, **content},
    }
    msg.update(message or {})
    body: dict[str, Any] = {"messages": [msg]}
    if options is not None:
        body["options"] = options
    return body


async def send(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/kakao-alim/1/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def pull(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/kakao-alim/1/reports", params=params)
    assert response.status_code == 200, response.text
    return response.json()["results"]  # type: ignore[no-any-return]


async def settle(gateway: Gateway) -> None:
    await gateway.engine.run_until_idle()
