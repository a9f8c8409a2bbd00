"""Kakao Sangdam through the Infobip Kakao upstream (infobip://): the business's messages sent to Infobip's
`POST /kakao-sangdam/1/messages` (validated by the fake against the spec) and their reports, and users' messages
Infobip pushes to our inbound webhook, written and forwarded like sandbox users' (tests/test_sangdam.py)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from kakao_gateway.app import Gateway
from kakao_gateway.clock import ManualClock
from kakao_gateway.connectors.base import LateResult
from kakao_gateway.connectors.infobip.client import InfobipConnector
from kakao_gateway.connectors.infobip.config import report_token
from kakao_gateway.connectors.infobip.kakao import InfobipKakaoConnector
from kakao_gateway.connectors.upstreams import kakao_route

from .conftest import Receiver
from .fake_infobip_kakao import ALIM, BRAND, SANGDAM, FakeInfobipKakao, request_ref, spec_problems
from .helpers import SENDER, settle
from .sangdam_helpers import delivery_reports, inbound_results, sangdam_body, send, setup_sender
from .spec import assert_api_error, assert_matches, spec
from .test_kakao_infobip import ACCEPTED, KEY, PUBLIC_URL, alim, conn, fake, infobip_gateway, sent_messages
from .test_kakao_infobip import connector_of as _connector_of

__all__ = ["conn", "fake", "infobip_gateway"]  # fixtures of test_kakao_infobip, used here

USER = "kakao-user-1"
TEXT_CONTENT = {"type": "TEXT", "text": "How can we help?"}
BUTTONS_CONTENT = {
    "type": "BUTTON_LIST",
    "text": "Pick one",
    "buttons": [
        {"type": "REPLY", "name": "Yes", "extra": "y"},
        {"type": "OPEN_URL", "name": "Site", "urlMobile": "https://m.example.com", "urlPc": "https://example.com"},
    ],
}


def connector_of(gw: Gateway) -> InfobipKakaoConnector:
    c = _connector_of(gw)
    assert isinstance(c, InfobipKakaoConnector)
    return c


def sangdam(seq: int, content: dict[str, Any] = TEXT_CONTENT) -> Any:
    return alim(seq, channel="SANGDAM", content=content, destination=USER)


# --- the connector ---------------------------------------------------------------------------------------------------


async def test_sangdam_goes_to_its_own_endpoint_as_accepted_with_our_id_and_webhook(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    results = await conn.submit([sangdam(1), alim(2), sangdam(3, BUTTONS_CONTENT)], clock.now_ms())
    assert results == [ACCEPTED] * 3
    assert sorted(p for p, _ in fake.requests) == ["/kakao-alim/1/messages", f"{SANGDAM}/messages"]
    (body,) = [b for b in fake.sends if b["messages"][0]["content"]["type"] != "TEMPLATE"]
    token = report_token(KEY, conn.route, "kakao")
    assert body["messages"] == [
        {
            "sender": SENDER,
            "destinations": [{"to": USER, "messageId": "message-1"}],
            "content": TEXT_CONTENT,
            "webhooks": {
                "delivery": {"url": f"{PUBLIC_URL}/upstream/1/kakao/reports/{token}"},
                "contentType": "application/json",
                "callbackData": '{"seq":1,"hop":0}',
            },
        },
        {
            "sender": SENDER,
            "destinations": [{"to": USER, "messageId": "message-3"}],
            "content": BUTTONS_CONTENT,
            "webhooks": {
                "delivery": {"url": f"{PUBLIC_URL}/upstream/1/kakao/reports/{token}"},
                "contentType": "application/json",
                "callbackData": '{"seq":3,"hop":0}',
            },
        },
    ]


async def test_sangdam_reports_are_polled_on_their_own_endpoint(
    fake: FakeInfobipKakao, conn: InfobipConnector, clock: ManualClock
) -> None:
    assert await conn.submit([sangdam(1)], clock.now_ms()) == [ACCEPTED]
    fake.complete("message-1", "UNDELIVERABLE_NOT_DELIVERED", "EC_NO_SESSION")
    clock.advance(30)
    assert await conn.poll_results(clock.now_ms()) == [
        LateResult(1, "final", "UNDELIVERABLE_NOT_DELIVERED", "EC_NO_SESSION", 0)
    ]
    # the other products' endpoints are swept too (they may hold reports of messages sent before a restart)
    assert [p for p, _ in fake.requests if p.endswith("/reports")] == [f"{e}/reports" for e in (ALIM, BRAND, SANGDAM)]


# --- the gateway: sends and their reports, inbound --------------------------------------------------------------------


async def test_e2e_a_sangdam_send_goes_through_infobip_and_its_pushed_report_settles_it(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao, receiver: Receiver
) -> None:
    gw, client = infobip_gateway
    await setup_sender(client)
    answer = await send(client, sangdam_body(USER, content=BUTTONS_CONTENT))
    message_id = answer["messages"][0]["messageId"]
    await settle(gw)
    (sent,) = sent_messages(fake)
    assert (sent["destinations"], sent["content"]) == ([{"to": USER, "messageId": message_id}], BUTTONS_CONTENT)

    response = await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))
    assert (response.status_code, response.json()) == (200, {"received": 1, "settled": 1})
    await settle(gw)
    (report,) = delivery_reports(receiver)
    assert (report["messageId"], report["status"]["name"]) == (message_id, "DELIVERED_TO_HANDSET")
    logs = await client.get("/kakao-sangdam/1/logs", params={"messageId": message_id})
    assert_matches(logs.json(), "/kakao-sangdam/1/logs", "get", 200)
    assert logs.json()["results"][0]["status"]["groupName"] == "DELIVERED"
    assert connector_of(gw).health()["waiting"] == 0


async def test_e2e_a_users_message_pushed_by_infobip_reaches_the_clients_inbound_url_and_the_transcript(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao, receiver: Receiver
) -> None:
    gw, client = infobip_gateway
    await setup_sender(client)
    url = connector_of(gw).inbound_url
    assert url.startswith(f"{PUBLIC_URL}/upstream/1/kakao/inbound/")
    image = {
        "type": "IMAGE",
        "url": "https://img.example.com/1.jpg",
        "urlsDetails": [{"url": "https://img.example.com/1.jpg"}],
        "sentAt": "2025-01-01T00:00:00.000+0000",
    }
    first = fake.inbound(USER, SENDER, "ib-in-1", text="안녕하세요")
    second = fake.inbound(USER, SENDER, "ib-in-2", message=image)
    response = await fake.push_inbound(url, first, second)
    assert (response.status_code, response.json()) == (200, {"received": 2, "written": 2})
    again = await fake.push_inbound(url, first)  # Infobip pushed it again: not written twice
    assert again.json() == {"received": 1, "written": 0}
    await settle(gw)

    results = inbound_results(receiver)  # each body validated against KakaoSangdamInboundResponse
    assert [(r["messageId"], r["sender"], r["to"]) for r in results] == [
        ("ib-in-1", USER, SENDER),
        ("ib-in-2", USER, SENDER),
    ]
    assert results[0]["message"]["text"] == "안녕하세요"
    assert results[1]["message"] == image
    sessions = (await client.get("/kakao/1/sangdam/sessions")).json()["results"]
    assert [(s["userKey"], s["sender"], s["state"]) for s in sessions] == [(USER, SENDER, "OPEN")]
    transcript = await client.get(f"/kakao/1/sangdam/sessions/{sessions[0]['sessionId']}/messages")
    entries = transcript.json()["results"]
    assert [(e["direction"], e["messageId"]) for e in entries] == [("INBOUND", "ib-in-1"), ("INBOUND", "ib-in-2")]


async def test_inbound_with_a_wrong_secret_is_401_and_the_report_secret_is_no_inbound_secret(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao
) -> None:
    gw, client = infobip_gateway
    await setup_sender(client)
    body = {"results": [fake.inbound(USER, SENDER, "ib-in-1")]}
    for token in ("x", "wrong-secret-of-the-right-length-0000000", connector_of(gw).report_token):
        response = await client.post(f"/upstream/1/kakao/inbound/{token}", json=body)
        assert response.status_code == 401
        assert_api_error(response.json())
    inbound = connector_of(gw).inbound_token
    assert (await client.post(f"/upstream/1/kakao/reports/{inbound}", json={"results": []})).status_code == 401
    assert (await client.get("/kakao/1/sangdam/sessions")).json()["results"] == []


async def test_inbound_to_a_channel_no_account_has_is_refused_whole(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao, receiver: Receiver
) -> None:
    gw, client = infobip_gateway
    await setup_sender(client)
    url = connector_of(gw).inbound_url
    good = fake.inbound(USER, SENDER, "ib-in-1")
    response = await fake.push_inbound(url, good, fake.inbound(USER, "NO-SUCH-CHANNEL", "ib-in-2"))
    assert response.status_code == 404
    assert_api_error(response.json())
    assert response.json()["violations"][0]["property"] == "results[1].to"
    await settle(gw)
    assert inbound_results(receiver) == []
    assert (await client.get("/kakao/1/sangdam/sessions")).json()["results"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"results": [{"sender": USER, "to": SENDER, "message": {"type": "TEXT", "text": "hi"}}]},  # no messageId
        {"results": [{"sender": USER, "to": SENDER, "messageId": "m", "message": {"type": "TEXT"}}]},
        {"results": [{"sender": USER, "to": SENDER, "messageId": "m", "message": {"type": "STICKER"}}]},
        {"results": "nope"},
    ],
)
async def test_a_bad_inbound_body_is_400(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], body: dict[str, Any]
) -> None:
    gw, client = infobip_gateway
    await setup_sender(client)
    response = await client.post(f"/upstream/1/kakao/inbound/{connector_of(gw).inbound_token}", json=body)
    assert response.status_code == 400, response.text
    assert_api_error(response.json())


async def test_inbound_url_is_the_connectors_and_never_shows_the_key(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient],
) -> None:
    gw, _ = infobip_gateway
    c = connector_of(gw)
    assert c.inbound_token == report_token(KEY, c.route, "kakao-inbound") != c.report_token
    assert KEY not in c.inbound_url


def test_the_fake_checks_sangdam_bodies_strictly() -> None:
    path = f"{SANGDAM}/messages"
    examples = spec()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in examples.values():
        assert spec_problems(example["value"], request_ref(path), strict=True) == []
    good = {"messages": [{"sender": "s", "destinations": [{"to": USER}], "content": BUTTONS_CONTENT}]}
    assert spec_problems(good, request_ref(path), strict=True) == []
    bad = copy.deepcopy(good)
    bad["messages"][0]["content"]["buttons"][1]["urlMobil"] = "x"
    assert "messages[0].content.buttons[1]" in [p for p, _ in spec_problems(bad, request_ref(path), strict=True)]
    alim_content = copy.deepcopy(good)
    alim_content["messages"][0]["content"] = {"type": "TEMPLATE", "templateCode": "T", "text": "x"}
    assert spec_problems(alim_content, request_ref(path), strict=True) != []


async def test_an_accounts_own_upstream_takes_inbound_for_its_channels_only(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, gateway: Gateway
) -> None:
    url = "infobip+http://ACCOUNT-KEY@127.0.0.1:9"
    response = await admin.put(f"/admin/1/accounts/{gateway.default_account_id}/kakao", json={"upstream": url})
    assert response.status_code == 200, response.text
    await setup_sender(client)
    token = report_token("ACCOUNT-KEY", kakao_route(url), "kakao-inbound")
    message = {"sender": USER, "to": SENDER, "messageId": "ib-1", "message": {"type": "TEXT", "text": "hi"}}
    response = await client.post(f"/upstream/1/kakao/inbound/{token}", json={"results": [message]})
    assert (response.status_code, response.json()) == (200, {"received": 1, "written": 1})
    other = {**message, "to": "ANOTHER-CHANNEL"}
    response = await client.post(f"/upstream/1/kakao/inbound/{token}", json={"results": [other]})
    assert response.status_code == 404
    (session,) = (await client.get("/kakao/1/sangdam/sessions")).json()["results"]
    assert (session["userKey"], session["sender"]) == (USER, SENDER)


async def test_e2e_a_reply_infobip_delivered_goes_into_the_transcript_and_terminate_closes_the_session(
    infobip_gateway: tuple[Gateway, httpx.AsyncClient], fake: FakeInfobipKakao
) -> None:
    """The user writes (pushed by Infobip), the business answers and ends the session through Infobip: when Infobip
    reports them delivered, both answers are in the transcript and the session is closed."""
    gw, client = infobip_gateway
    await setup_sender(client)
    url = connector_of(gw).inbound_url
    await fake.push_inbound(url, fake.inbound(USER, SENDER, "ib-in-9", text="hello"))
    await settle(gw)
    answer = await send(client, sangdam_body(USER))
    end = await send(client, sangdam_body(USER, content={"type": "TERMINATE_SESSION"}))
    await settle(gw)
    reply_id, end_id = answer["messages"][0]["messageId"], end["messages"][0]["messageId"]
    for message_id in (reply_id, end_id):
        response = await fake.push(fake.report(message_id, "DELIVERED_TO_HANDSET"))
        assert response.json()["settled"] == 1
    again = await fake.push(fake.report(reply_id, "DELIVERED_TO_HANDSET"))  # a repeat changes nothing
    assert again.json()["settled"] == 0
    (session,) = (await client.get("/kakao/1/sangdam/sessions")).json()["results"]
    assert (session["state"], session["closeReason"]) == ("CLOSED", "TERMINATED")
    transcript = await client.get(f"/kakao/1/sangdam/sessions/{session['sessionId']}/messages")
    entries = [(e["direction"], e["messageId"]) for e in transcript.json()["results"]]
    assert entries == [("INBOUND", "ib-in-9"), ("OUTBOUND", reply_id), ("OUTBOUND", end_id)]
