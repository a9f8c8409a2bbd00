"""A fake NHN Cloud KakaoTalk Bizmessage API on a real socket, built from NHN's public API guides (AlimTalk v2.3,
Brand Message v1.0, error codes): it checks each request body field by field (problems are collected in `problems`)
and answers in the documented shapes."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

APP_KEY = "fakeAppKey123"
SECRET_KEY = "fakeSecretKey456"
SENDER_KEY = "a" * 40

ALIM_TOP = {
    "senderKey",
    "templateCode",
    "requestDate",
    "senderGroupingKey",
    "createUser",
    "recipientList",
    "messageOption",
    "statsId",
}
ALIM_RECIPIENT = {
    "recipientNo",
    "content",
    "templateTitle",
    "templateHeader",
    "templateItem",
    "templateItemHighlight",
    "templateRepresentLink",
    "buttons",
    "quickReplies",
    "resendParameter",
    "recipientGroupingKey",
}
ALIM_BUTTON = {
    "ordering",
    "type",
    "name",
    "linkMo",
    "linkPc",
    "schemeIos",
    "schemeAndroid",
    "chatExtra",
    "chatEvent",
    "bizFormId",
    "pluginId",
    "relayId",
    "oneClickId",
    "productId",
    "target",
    "telNumber",
}
ALIM_BUTTON_TYPES = {"WL", "AL", "DS", "BK", "MD", "BC", "BT", "AC", "BF", "P1", "P2", "P3", "TN"}
BRAND_TOP = {
    "senderKey",
    "chatBubbleType",
    "pushAlarm",
    "requestDate",
    "unsubscribeNo",
    "unsubscribeAuthNo",
    "adult",
    "content",
    "image",
    "buttons",
    "coupon",
    "recipientList",
    "senderGroupingKey",
    "resellerCode",
    "createUser",
    "statsId",
}
BRAND_RECIPIENT = {
    "recipientNo",
    "resendParameter",
    "targeting",
    "unsubscribeNo",
    "unsubscribeAuthNo",
    "recipientGroupingKey",
}
BRAND_BUTTON = {
    "name",
    "type",
    "linkMo",
    "linkPc",
    "schemeAndroid",
    "schemeIos",
    "chatExtra",
    "chatEvent",
    "bizFormKey",
}


def header(code: int = 0, message: str = "SUCCESS") -> dict[str, Any]:
    return {"resultCode": code, "resultMessage": message, "isSuccessful": code == 0}


@dataclass
class Sent:
    channel: str
    request_id: str
    recipient_seq: int
    recipient_no: str
    grouping_key: str | None
    requested_at: float


@dataclass
class FakeNhn:
    base_url: str = ""
    problems: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)  # every send body, in order
    sent: list[Sent] = field(default_factory=list)
    results: dict[str, tuple[str, str]] = field(default_factory=dict)  # recipientNo -> (messageStatus, resultCode)
    refusals: dict[str, int] = field(default_factory=dict)  # recipientNo -> a send resultCode < 0
    queued: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)  # forced answers
    delay_s: float = 0.0  # answer sends this late (a timeout)
    result_queries: int = 0
    templates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/alimtalk/v2.3/appkeys/{appkey}/raw-messages", self._send_alim, methods=["POST"]),
                Route("/brand-message/v1.0/appkeys/{appkey}/freestyle-messages", self._send_brand, methods=["POST"]),
                Route("/alimtalk/v2.3/appkeys/{appkey}/messages", self._list, methods=["GET"]),
                Route("/brand-message/v1.0/appkeys/{appkey}/messages", self._list, methods=["GET"]),
                Route("/alimtalk/v2.3/appkeys/{appkey}/messages/{rid}/{seq:int}", self._result, methods=["GET"]),
                Route("/brand-message/v1.0/appkeys/{appkey}/messages/{rid}/{seq:int}", self._result, methods=["GET"]),
                Route("/alimtalk/v2.3/appkeys/{appkey}/senders/{sk}/templates", self._templates, methods=["GET"]),
            ]
        )

    def _gate(self, request: Request) -> Response | None:
        if self.queued:
            status, headers, body = self.queued.pop(0)
            return JSONResponse(body, status, headers=headers)
        if request.path_params["appkey"] != APP_KEY:
            return JSONResponse({"header": header(-1000, "Invalid appKey.")})
        if request.headers.get("x-secret-key") != SECRET_KEY:
            return JSONResponse({"header": header(-1001, "Invalid secretKey.")})
        return None

    def _check(self, where: str, value: dict[str, Any], allowed: set[str]) -> None:
        self.problems += [f"{where}.{k}: not a documented field" for k in sorted(set(value) - allowed)]

    async def _send_alim(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        body = await request.json()
        self.bodies.append(body)
        self._check("alim", body, ALIM_TOP)
        if body.get("senderKey") != SENDER_KEY:
            self.problems.append("alim.senderKey: not the sender key")
        if not isinstance(body.get("templateCode"), str) or len(body["templateCode"]) > 20:
            self.problems.append("alim.templateCode: required, at most 20 characters")
        for i, r in enumerate(body.get("recipientList") or []):
            self._check(f"alim.recipientList[{i}]", r, ALIM_RECIPIENT)
            if not isinstance(r.get("content"), str) or not r["content"]:
                self.problems.append(f"alim.recipientList[{i}].content: required")
            for j, b in enumerate(r.get("buttons") or []):
                self._check(f"alim.recipientList[{i}].buttons[{j}]", b, ALIM_BUTTON)
                if b.get("type") not in ALIM_BUTTON_TYPES or not isinstance(b.get("ordering"), int):
                    self.problems.append(f"alim.recipientList[{i}].buttons[{j}]: type/ordering")
        return await self._accept("ALIM", body)

    async def _send_brand(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        body = await request.json()
        self.bodies.append(body)
        self._check("brand", body, BRAND_TOP)
        if body.get("chatBubbleType") not in ("TEXT", "IMAGE"):
            self.problems.append("brand.chatBubbleType: TEXT or IMAGE here")
        if body.get("chatBubbleType") == "IMAGE" and not (body.get("image") or {}).get("imageUrl"):
            self.problems.append("brand.image.imageUrl: required for IMAGE")
        for j, b in enumerate(body.get("buttons") or []):
            self._check(f"brand.buttons[{j}]", b, BRAND_BUTTON)
        for i, r in enumerate(body.get("recipientList") or []):
            self._check(f"brand.recipientList[{i}]", r, BRAND_RECIPIENT)
            if r.get("targeting") not in ("M", "N", "I"):
                self.problems.append(f"brand.recipientList[{i}].targeting: M, N or I")
        return await self._accept("BRAND", body)

    async def _accept(self, channel: str, body: dict[str, Any]) -> Response:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        recipients = body.get("recipientList") or []
        if not 1 <= len(recipients) <= 1000:
            self.problems.append(f"{channel}.recipientList: 1 to 1000 recipients")
        request_id = f"2026{next(self._ids):016d}"
        results = []
        for seq, r in enumerate(recipients, start=1):
            no = str(r.get("recipientNo"))
            if not no.isdigit() or len(no) > 15 or not no.startswith("0"):
                self.problems.append(f"{channel}.recipientNo {no}: a national number of at most 15 digits")
            key = r.get("recipientGroupingKey")
            if key is not None and len(key) > 100:
                self.problems.append(f"{channel}.recipientGroupingKey: at most 100 characters")
            code = self.refusals.get(no, 0)
            if code == 0:
                self.sent.append(Sent(channel, request_id, seq, no, key, asyncio.get_running_loop().time()))
            results.append(
                {
                    "recipientSeq": seq,
                    "recipientNo": no,
                    "resultCode": code,
                    "resultMessage": "SUCCESS" if code == 0 else "refused",
                    "recipientGroupingKey": key,
                }
            )
        return JSONResponse({"header": header(), "message": {"requestId": request_id, "sendResults": results}})

    def _message(self, s: Sent) -> dict[str, Any]:
        status, code = self.results.get(s.recipient_no, ("READY", ""))
        return {
            "requestId": s.request_id,
            "recipientSeq": s.recipient_seq,
            "recipientNo": s.recipient_no,
            "messageStatus": status,
            "resultCode": code or None,
            "recipientGroupingKey": s.grouping_key,
        }

    async def _result(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        self.result_queries += 1
        rid, seq = request.path_params["rid"], request.path_params["seq"]
        for s in self.sent:
            if s.request_id == rid and s.recipient_seq == seq:
                return JSONResponse({"header": header(), "message": self._message(s)})
        return JSONResponse({"header": header(-4000, "not found")})

    async def _list(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        q = request.query_params
        if not (q.get("requestId") or (q.get("startRequestDate") and q.get("endRequestDate"))):
            self.problems.append("list: requestId or startRequestDate and endRequestDate are required")
        found = [
            self._message(s)
            for s in self.sent
            if s.grouping_key == q.get("recipientGroupingKey") and s.recipient_no == q.get("recipientNo")
        ]
        return JSONResponse(
            {"header": header(), "messageSearchResultResponse": {"messages": found, "totalCount": len(found)}}
        )

    async def _templates(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        if request.path_params["sk"] != SENDER_KEY:
            return JSONResponse({"header": header(-2017, "Not exist plus friend.")})
        return JSONResponse(
            {
                "header": header(),
                "templateListResponse": {"templates": self.templates, "totalCount": len(self.templates)},
            }
        )


@contextlib.asynccontextmanager
async def serving(fake: FakeNhn) -> AsyncIterator[FakeNhn]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    fake.base_url = f"127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(fake.app(), lifespan="off", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield fake
    finally:
        server.should_exit = True
        await task
        sock.close()
