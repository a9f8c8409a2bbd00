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
    "header",
    "item",
    "additionalContent",
    "image",
    "commerce",
    "video",
    "carousel",
    "buttons",
    "coupon",
    "recipientList",
    "senderGroupingKey",
    "resellerCode",
    "createUser",
    "statsId",
}
# Per chatBubbleType: the body fields only some bubbles take, and the limits NHN's guide gives.
BUBBLE_ONLY = {
    "header": {"WIDE_ITEM_LIST", "PREMIUM_VIDEO"},
    "item": {"WIDE_ITEM_LIST"},
    "additionalContent": {"COMMERCE"},
    "commerce": {"COMMERCE"},
    "video": {"PREMIUM_VIDEO"},
    "carousel": {"CAROUSEL_FEED", "CAROUSEL_COMMERCE"},
    "image": {"IMAGE", "WIDE", "COMMERCE"},
    "content": {"TEXT", "IMAGE", "WIDE", "PREMIUM_VIDEO"},
}
CONTENT_MAX = {"TEXT": 1300, "IMAGE": 400, "WIDE": 76, "PREMIUM_VIDEO": 76}
CONTENT_REQUIRED = {"TEXT", "IMAGE", "WIDE"}
IMAGE_REQUIRED = {"IMAGE", "WIDE", "COMMERCE"}
BUTTONS_MAX = {
    "TEXT": 5,
    "IMAGE": 5,
    "WIDE": 2,
    "WIDE_ITEM_LIST": 2,
    "PREMIUM_VIDEO": 1,
    "COMMERCE": 2,
    "CAROUSEL_FEED": 0,  # buttons are per card
    "CAROUSEL_COMMERCE": 0,
}
CARD = {
    "CAROUSEL_FEED": {"header", "message", "imageUrl", "imageLink", "buttons", "coupon"},
    "CAROUSEL_COMMERCE": {"additionalContent", "imageUrl", "imageLink", "buttons", "coupon", "commerce"},
}
CAROUSEL_HEAD = {"header", "content", "imageUrl", "linkMo", "linkPc", "schemeAndroid", "schemeIos"}
CAROUSEL_TAIL = {"linkMo", "linkPc", "schemeAndroid", "schemeIos"}
BRAND_ITEM = {"title", "imageUrl", "linkMo", "linkPc", "schemeAndroid", "schemeIos"}
BRAND_COMMERCE = {"title", "regularPrice", "discountPrice", "discountRate", "discountFixed"}
BRAND_COUPON = {"title", "description", "linkMo", "linkPc", "schemeAndroid", "schemeIos"}
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
    calls: list[str] = field(default_factory=list)  # the path of every request, answered or not
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
        self.calls.append(request.url.path)
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
        self._check_bubble(body)
        for i, r in enumerate(body.get("recipientList") or []):
            self._check(f"brand.recipientList[{i}]", r, BRAND_RECIPIENT)
            if r.get("targeting") not in ("M", "N", "I"):
                self.problems.append(f"brand.recipientList[{i}].targeting: M, N or I")
        return await self._accept("BRAND", body)

    def _check_bubble(self, body: dict[str, Any]) -> None:
        bubble = body.get("chatBubbleType")
        if bubble not in BUTTONS_MAX:
            self.problems.append(f"brand.chatBubbleType {bubble}: not one we map")
            return
        for name, bubbles in BUBBLE_ONLY.items():
            if name in body and bubble not in bubbles:
                self.problems.append(f"brand.{name}: not for {bubble}")
        self._check_content(bubble, body)
        self._check_buttons(bubble, body.get("buttons") or [])
        if "coupon" in body:
            self._check_coupon("brand.coupon", body["coupon"])
        if bubble == "WIDE_ITEM_LIST":
            self._check_item_list(body)
        if bubble == "COMMERCE":
            self._check_commerce("brand.commerce", body.get("commerce") or {})
            extra = body.get("additionalContent")
            if extra is not None and (not isinstance(extra, str) or len(extra) > 34):
                self.problems.append("brand.additionalContent: at most 34 characters")
        if bubble in CARD:
            self._check_carousel(bubble, body.get("carousel") or {})
        if bubble == "PREMIUM_VIDEO":
            self._check_video(body)

    def _check_coupon(self, where: str, coupon: dict[str, Any]) -> None:
        self._check(where, coupon, BRAND_COUPON)
        if not isinstance(coupon.get("title"), str):
            self.problems.append(f"{where}.title: a string (one of the five title formats)")

    def _check_video(self, body: dict[str, Any]) -> None:
        video = body.get("video") or {}
        self._check("brand.video", video, {"videoUrl", "thumbnailUrl"})
        if not 1 <= len(video.get("videoUrl") or "") <= 500 or len(video.get("thumbnailUrl") or "") > 500:
            self.problems.append("brand.video: videoUrl required; both at most 500 characters")
        if len(body.get("header") or "") > 20:
            self.problems.append("brand.header: at most 20 characters")

    def _check_content(self, bubble: str, body: dict[str, Any]) -> None:
        content = body.get("content")
        if bubble in CONTENT_REQUIRED and not (isinstance(content, str) and content):
            self.problems.append(f"brand.content: required for {bubble}")
        if isinstance(content, str) and len(content) > CONTENT_MAX.get(bubble, 0):
            self.problems.append(f"brand.content: at most {CONTENT_MAX.get(bubble)} characters for {bubble}")
        if bubble in IMAGE_REQUIRED and not (body.get("image") or {}).get("imageUrl"):
            self.problems.append(f"brand.image.imageUrl: required for {bubble}")
        if "image" in body:
            self._check("brand.image", body["image"], {"imageUrl", "imageLink"})

    def _check_buttons(self, bubble: str, buttons: list[dict[str, Any]], where: str = "brand.buttons") -> None:
        at_most, at_least = (2, 1) if where != "brand.buttons" else (BUTTONS_MAX[bubble], int(bubble == "COMMERCE"))
        if not at_least <= len(buttons) <= at_most:
            self.problems.append(f"{where}: {len(buttons)} buttons for {bubble}")
        for j, b in enumerate(buttons):
            self._check(f"{where}[{j}]", b, BRAND_BUTTON)
            name_max = 14 if bubble in ("TEXT", "IMAGE") else 8
            # AC: ours has no name, and is sent without one; NHN's guide wants "Add Channel" (an open question).
            if b.get("type") != "AC" and not (isinstance(b.get("name"), str) and 1 <= len(b["name"]) <= name_max):
                self.problems.append(f"{where}[{j}].name: 1 to {name_max} characters for {bubble}")
            if b.get("type") == "BF" and j != 0:
                self.problems.append(f"{where}[{j}]: BF only as the first button")
            if b.get("type") == "AC" and name_max == 8 and j != len(buttons) - 1:
                self.problems.append(f"{where}[{j}]: AC only as the last (right) button for {bubble}")
            if b.get("type") == "WL" and not b.get("linkMo"):
                self.problems.append(f"{where}[{j}].linkMo: required for WL")

    def _check_item_list(self, body: dict[str, Any]) -> None:
        header = body.get("header")
        if not (isinstance(header, str) and 1 <= len(header) <= 20):
            self.problems.append("brand.header: required for WIDE_ITEM_LIST, at most 20 characters")
        items = (body.get("item") or {}).get("list") or []
        if not 3 <= len(items) <= 4:
            self.problems.append(f"brand.item.list: 3 to 4 items; got {len(items)}")
        for i, item in enumerate(items):
            self._check(f"brand.item.list[{i}]", item, BRAND_ITEM)
            if not item.get("imageUrl") or not item.get("linkMo"):
                self.problems.append(f"brand.item.list[{i}]: imageUrl and linkMo are required")
            title, limit = item.get("title"), 25 if i == 0 else 30
            if (i > 0 and not title) or (title is not None and len(title) > limit):
                self.problems.append(f"brand.item.list[{i}].title: at most {limit} characters")

    def _check_commerce(self, where: str, commerce: dict[str, Any]) -> None:
        self._check(where, commerce, BRAND_COMMERCE)
        if not isinstance(commerce.get("title"), str) or not 1 <= len(commerce["title"]) <= 30:
            self.problems.append(f"{where}.title: required, at most 30 characters")
        for name in BRAND_COMMERCE - {"title"}:
            if name in commerce and not isinstance(commerce[name], int):
                self.problems.append(f"{where}.{name}: an integer")
        if not isinstance(commerce.get("regularPrice"), int):
            self.problems.append(f"{where}.regularPrice: required")

    def _check_carousel(self, bubble: str, carousel: dict[str, Any]) -> None:
        self._check(
            "brand.carousel", carousel, {"head", "list", "tail"} if bubble == "CAROUSEL_COMMERCE" else {"list", "tail"}
        )
        cards = carousel.get("list") or []
        low, high = (1, 5) if "head" in carousel else (2, 6)
        if not low <= len(cards) <= high:
            self.problems.append(f"brand.carousel.list: {low} to {high} cards; got {len(cards)}")
        buttons = [b for card in cards for b in card.get("buttons") or []]
        if sum(b.get("type") == "AC" for b in buttons) > 1:
            self.problems.append("brand.carousel: at most one AC button in the whole carousel")
        for i, card in enumerate(cards):
            self._check_card(bubble, f"brand.carousel.list[{i}]", card)
        self._check_head_tail(carousel)

    def _check_card(self, bubble: str, where: str, card: dict[str, Any]) -> None:
        self._check(where, card, CARD[bubble])
        if "coupon" in card:
            self._check_coupon(f"{where}.coupon", card["coupon"])
        if not card.get("imageUrl"):
            self.problems.append(f"{where}.imageUrl: required")
        self._check_buttons(bubble, card.get("buttons") or [], f"{where}.buttons")
        if bubble == "CAROUSEL_FEED":
            header, message = card.get("header"), card.get("message")
            if not (isinstance(header, str) and 1 <= len(header) <= 20):
                self.problems.append(f"{where}.header: required, at most 20 characters")
            if not (isinstance(message, str) and 1 <= len(message) <= 180):
                self.problems.append(f"{where}.message: required, at most 180 characters")
        else:
            self._check_commerce(f"{where}.commerce", card.get("commerce") or {})
            if len(card.get("additionalContent") or "") > 34:
                self.problems.append(f"{where}.additionalContent: at most 34 characters")

    def _check_head_tail(self, carousel: dict[str, Any]) -> None:
        head = carousel.get("head")
        if head is not None:
            self._check("brand.carousel.head", head, CAROUSEL_HEAD)
            if not 1 <= len(head.get("header") or "") <= 20 or not 1 <= len(head.get("content") or "") <= 50:
                self.problems.append("brand.carousel.head: header (at most 20) and content (at most 50) required")
            if not head.get("imageUrl"):
                self.problems.append("brand.carousel.head.imageUrl: required")
            if not head.get("linkMo") and set(head) & CAROUSEL_TAIL:
                self.problems.append("brand.carousel.head.linkMo: required with any other link")
        tail = carousel.get("tail")
        if tail is not None:
            self._check("brand.carousel.tail", tail, CAROUSEL_TAIL)
            if not tail.get("linkMo"):
                self.problems.append("brand.carousel.tail.linkMo: required")

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
        if q.get("requestId"):
            self.result_queries += 1
        page, size = int(q.get("pageNum", "1")), int(q.get("pageSize", "15"))
        if not 1 <= size <= 1000:
            self.problems.append(f"list: pageSize {size} (at most 1000)")
        wanted = {
            "request_id": q.get("requestId"),
            "grouping_key": q.get("recipientGroupingKey"),
            "recipient_no": q.get("recipientNo"),
        }
        matching = [s for s in self.sent if all(v is None or getattr(s, k) == v for k, v in wanted.items())]
        found = [self._message(s) for s in matching[(page - 1) * size : page * size]]
        return JSONResponse(
            {"header": header(), "messageSearchResultResponse": {"messages": found, "totalCount": len(matching)}}
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
