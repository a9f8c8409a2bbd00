"""A fake Infobip Kakao API on a real local socket (uvicorn), answering as spec/infobip-kakao-openapi.json says: the
Infobip SMS fake (tests/fake_infobip_sms.py) with Kakao's paths and schemas.

Every send body is validated against the spec's request schema of its path (KakaoAlimRequest, KakaoChinguRequest,
KakaoSangdamRequest), made strict: no property the spec does not name, and OpenAPI discriminators followed (a content
or button is checked against the subtype its `type` names, closed too). A violation is answered 400 like Infobip, and
kept in `spec_errors`, which the fixture asserts is empty. What the fake answers and pushes is validated as well.

Behaviour a test sets is the SMS fake's (`api_key`, `script` by path, `hang`, `rejected_to`, `invalid_to`; a
messageId sent twice is REJECTED_DUPLICATE_MESSAGE_ID). `push` posts reports to the message's webhook; `complete`
keeps one for the reports endpoint of the product it was sent with, which hands each out once. `push_inbound` posts
Sangdam users' messages (built by `inbound`) to the inbound URL Infobip was given for the channel.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kakao_gateway.domain.times import format_ms

from .fake_infobip_sms import FakeInfobipSms, _strict, api_error
from .spec import spec

_STRICT = "urn:infobip-kakao-strict"
_PLAIN = "urn:infobip-kakao"
ALIM = "/kakao-alim/1"
BRAND = "/kakao-chingu/1"
SANGDAM = "/kakao-sangdam/1"
PRODUCTS = (ALIM, BRAND, SANGDAM)
_SCHEMAS = "#/components/schemas/"


def _followed(original: dict[str, Any]) -> dict[str, Any]:
    """The spec with every discriminator made a dispatch (`if type is K then the subtype`), each subtype's `allOf`
    back to its base pointed at a copy of the base without the dispatch (else it would recurse), every object schema
    closed, and the bases left open (their subtypes are closed, and name the base's properties through `allOf`)."""
    doc = copy.deepcopy(original)
    schemas: dict[str, Any] = doc["components"]["schemas"]
    bases = [name for name, schema in schemas.items() if "mapping" in schema.get("discriminator", {})]
    for name in bases:
        schemas[f"{name}.plain"] = {k: v for k, v in schemas[name].items() if k != "discriminator"}
    for schema in list(schemas.values()):
        for part in schema.get("allOf", []):
            ref = part.get("$ref", "")
            if ref.removeprefix(_SCHEMAS) in bases:
                part["$ref"] = f"{ref}.plain"
    doc = _close_all_of(_strict(doc))
    schemas = doc["components"]["schemas"]
    for name in bases:
        discriminator = schemas[name].pop("discriminator")
        prop = discriminator["propertyName"]
        schemas[name]["required"] = sorted({*schemas[name].get("required", []), prop})
        schemas[name]["allOf"] = [
            {"if": {"properties": {prop: {"const": value}}}, "then": {"$ref": target}}
            for value, target in discriminator["mapping"].items()
        ]
        for key in (name, f"{name}.plain"):
            schemas[key].pop("unevaluatedProperties", None)
    return doc


def _close_all_of(node: Any) -> Any:
    """A schema made of `allOf` parts is closed as a whole (its parts name its properties between them)."""
    if isinstance(node, list):
        return [_close_all_of(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _close_all_of(value) for key, value in node.items()}
    parts = out.get("allOf")
    if isinstance(parts, list) and any(isinstance(p, dict) and "properties" in p for p in parts):
        for part in parts:
            part.pop("unevaluatedProperties", None)
        out["unevaluatedProperties"] = False
    return out


@cache
def _registry() -> Registry:
    return Registry().with_resources(
        [
            (_STRICT, Resource.from_contents(_followed(spec()), default_specification=DRAFT202012)),
            (_PLAIN, Resource.from_contents(spec(), default_specification=DRAFT202012)),
        ]
    )


def schema_ref(name: str) -> str:
    (full,) = [n for n in spec()["components"]["schemas"] if n.endswith(f".{name}")]
    return f"{_SCHEMAS}{full}"


def request_ref(path: str) -> str:
    return str(spec()["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"])


def response_ref(path: str, method: str) -> str:
    answer = spec()["paths"][path][method]["responses"]["200"]
    return str(answer["content"]["application/json"]["schema"]["$ref"])


def spec_problems(body: Any, ref: str, strict: bool = False) -> list[tuple[str, str]]:
    """(property path, violation) for every way `body` breaks the spec's schema at `ref` (#/components/...)."""
    validator = Draft202012Validator({"$ref": (_STRICT if strict else _PLAIN) + ref}, registry=_registry())
    found = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path).lstrip(".")
        found.append((path, error.message))
    return found


@dataclass
class FakeInfobipKakao(FakeInfobipSms):
    product_of: dict[str, str] = field(default_factory=dict)  # by messageId: ALIM, BRAND or SANGDAM

    def app(self) -> Starlette:
        routes = []
        for product in PRODUCTS:
            routes.append(Route(f"{product}/messages", self._send, methods=["POST"]))
            routes.append(Route(f"{product}/reports", self._reports, methods=["GET"]))
        return Starlette(routes=routes)

    async def _send(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        if self.hang:
            await self.released.wait()
        path = request.url.path
        body = json.loads(await request.body())
        problems = spec_problems(body, request_ref(path), strict=True)
        if problems:
            self.spec_errors.extend(f"{path}: {p}: {v}" for p, v in problems)
            return api_error(400, problems)
        self.sends.append(body)
        invalid = [
            (f"messages[{i}].destinations[{j}].to", "invalid destination")
            for i, m in enumerate(body["messages"])
            for j, d in enumerate(m["destinations"])
            if d["to"] in self.invalid_to
        ]
        if invalid:
            return api_error(400, invalid)
        answers = [self._accept(m, d) for m in body["messages"] for d in m["destinations"]]
        for answer in answers:
            self.product_of.setdefault(answer["messageId"], path.removesuffix("/messages"))
        return self._checked({"bulkId": f"bulk-{len(self.sends)}", "messages": answers}, response_ref(path, "post"))

    async def _reports(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        product = request.url.path.removesuffix("/reports")
        limit = int(request.query_params.get("limit", "50"))
        if not 1 <= limit <= 1000:
            self.spec_errors.append(f"limit {limit} is outside the spec's 1..1000")
        ids = [m for m in self.pollable if self.product_of.get(m) == product][:limit]
        reports = {"results": [self.pollable.pop(m) for m in ids]}
        return self._checked(reports, response_ref(request.url.path, "get"))

    def _checked(self, body: dict[str, Any], ref: str) -> Response:
        self.spec_errors.extend(f"the fake's own {ref}: {p}: {v}" for p, v in spec_problems(body, ref))
        return JSONResponse(body)

    def reports_path(self, message_id: str) -> str:
        return f"{self.product_of[message_id]}/reports"

    async def push(
        self, *reports: dict[str, Any], url: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """Push reports (built by `report`) to the webhook of the first one's message, or to `url`."""
        body = {"results": list(reports)}
        ref = response_ref(self.reports_path(reports[0]["messageId"]), "get")  # a pushed body is a reports page
        self.spec_errors.extend(f"the fake's push: {p}: {v}" for p, v in spec_problems(body, ref))
        target = url or self.sent[reports[0]["messageId"]].message["webhooks"]["delivery"]["url"]
        async with httpx.AsyncClient(transport=self.push_transport) as client:
            return await client.post(target, json=body, headers=headers)

    def inbound(self, user_key: str, to: str, message_id: str, text: str = "hello", **more: Any) -> dict[str, Any]:
        """A user's TEXT as Infobip pushes it (InboundMessageKakaoSangdamInboundContent); `more` overrides fields."""
        now = format_ms(self.clock.now_ms())
        body: dict[str, Any] = {
            "sender": user_key,
            "to": to,
            "integrationType": "KAKAO_SANGDAM",
            "receivedAt": now,
            "messageId": message_id,
            "message": {"type": "TEXT", "text": text, "sentAt": now},
            "price": {"pricePerMessage": 0, "currency": "KRW"},
        }
        body.update(more)
        return body

    async def push_inbound(self, url: str, *results: dict[str, Any]) -> httpx.Response:
        body = {"results": list(results), "messageCount": len(results), "pendingMessageCount": 0}
        ref = schema_ref("KakaoSangdamInboundResponse")
        self.spec_errors.extend(f"the fake's inbound push: {p}: {v}" for p, v in spec_problems(body, ref, strict=True))
        async with httpx.AsyncClient(transport=self.push_transport) as client:
            return await client.post(url, json=body)
