"""A fake Infobip SMS API on a real local socket (uvicorn), answering as spec/infobip-sms-openapi.json says.

Every send body is validated against the spec's SmsRequestEnvelope, made strict (no property the spec does not
name): a violation is answered 400 like Infobip, and kept in `spec_errors`, which the fixture asserts is empty. What
the fake answers (send answers, pushed report bodies, polled report bodies) is validated against the spec as well.

Behaviour a test sets: `api_key` (another key is 401), `script` (the next answers to a path, e.g. a 429 with its
Retry-After), `hang` (sends never answer), `rejected_to` (destinations answered REJECTED in a 200), `invalid_to`
(destinations that make the whole send a 400 naming them). A messageId sent twice is answered
REJECTED_DUPLICATE_MESSAGE_ID. Reports: `push` posts one to the message's webhook; `complete` keeps one for
`GET /sms/3/reports`, which hands each out once.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
import uvicorn
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kakao_gateway.clock import ManualClock
from kakao_gateway.domain import status as st
from kakao_gateway.domain.times import format_ms

from .spec import SMS_SPEC_PATH

_STRICT = "urn:infobip-sms-strict"
_PLAIN = "urn:infobip-sms"


@cache
def _spec() -> dict[str, Any]:
    with open(SMS_SPEC_PATH, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def _strict(node: Any) -> Any:
    """The spec with every object schema closed: a property it does not name is an error."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["unevaluatedProperties"] = False
    return out


@cache
def _registry() -> Registry:
    strict = _strict(copy.deepcopy(_spec()))
    return Registry().with_resources(
        [
            (_STRICT, Resource.from_contents(strict, default_specification=DRAFT202012)),
            (_PLAIN, Resource.from_contents(_spec(), default_specification=DRAFT202012)),
        ]
    )


def _schema_ref(name: str) -> str:
    (full,) = [n for n in _spec()["components"]["schemas"] if n.endswith("." + name) and "20085a40" in n]
    return f"#/components/schemas/{full}"


def spec_problems(body: Any, schema: str, strict: bool = False) -> list[tuple[str, str]]:
    """(property path, violation) for every way `body` breaks the spec's schema `schema`."""
    validator = Draft202012Validator(
        {"$ref": (_STRICT if strict else _PLAIN) + _schema_ref(schema)}, registry=_registry()
    )
    found = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path).lstrip(".")
        found.append((path, error.message))
    return found


def api_error(status: int, violations: list[tuple[str, str]] | None = None) -> JSONResponse:
    codes = {400: "E400", 401: "E401", 429: "E429", 500: "E500", 503: "E503"}
    return JSONResponse(
        {
            "errorCode": codes.get(status, f"E{status}"),
            "description": "Request cannot be processed." if status == 400 else "Error.",
            "action": "Check the request.",
            "violations": [{"property": p, "violation": v} for p, v in violations or []],
            "resources": [],
        },
        status,
    )


@dataclass
class Sent:
    message: dict[str, Any]
    destination: dict[str, Any]
    sent_at: int


@dataclass
class FakeInfobipSms:
    clock: ManualClock
    api_key: str = "fake-infobip-key"
    base_url: str = ""
    hang: bool = False
    rejected_to: set[str] = field(default_factory=set)
    invalid_to: set[str] = field(default_factory=set)
    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    sends: list[dict[str, Any]] = field(default_factory=list)  # every send body that passed auth
    requests: list[tuple[str, int]] = field(default_factory=list)  # (path, fake-clock instant) of every request
    spec_errors: list[str] = field(default_factory=list)
    sent: dict[str, Sent] = field(default_factory=dict)  # by messageId
    pollable: dict[str, dict[str, Any]] = field(default_factory=dict)  # reports for GET /sms/3/reports
    push_transport: httpx.AsyncBaseTransport | None = None  # where pushed reports go (the gateway's app)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/sms/3/messages", self._send, methods=["POST"]),
                Route("/sms/3/reports", self._reports, methods=["GET"]),
            ]
        )

    def _refusal(self, request: Request) -> Response | None:
        self.requests.append((request.url.path, self.clock.now_ms()))
        if request.headers.get("authorization") != f"App {self.api_key}":
            return api_error(401)
        scripted = self.script.get(request.url.path)
        if scripted:
            status, headers = scripted.pop(0)
            response = api_error(status)
            response.headers.update(headers)
            return response
        return None

    async def _send(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        if self.hang:
            await self.released.wait()
        body = json.loads(await request.body())
        problems = spec_problems(body, "SmsRequestEnvelope", strict=True)
        if problems:
            self.spec_errors.extend(f"{p}: {v}" for p, v in problems)
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
        return self._answer({"bulkId": f"bulk-{len(self.sends)}", "messages": answers}, "SmsResponseEnvelope")

    def _accept(self, message: dict[str, Any], destination: dict[str, Any]) -> dict[str, Any]:
        message_id = destination.get("messageId") or f"fake-{len(self.sent) + 1}"
        if message_id in self.sent:
            status = "REJECTED_DUPLICATE_MESSAGE_ID"
        elif destination["to"] in self.rejected_to:
            status = "REJECTED_DESTINATION_BLOCKLISTED"
        else:
            status = "PENDING_ACCEPTED"
            self.sent[message_id] = Sent(message, destination, self.clock.now_ms())
        wire = st.status(status).wire()
        return {
            "messageId": message_id,
            "status": {k: wire[k] for k in ("groupId", "groupName", "id", "name")},
            "destination": destination["to"],
            "details": {"messageCount": 1},
        }

    async def _reports(self, request: Request) -> Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        wanted = request.query_params.get("messageId")
        limit = int(request.query_params.get("limit", "50"))
        if not 1 <= limit <= 1000:
            self.spec_errors.append(f"limit {limit} is outside the spec's 1..1000")
        ids = [m for m in self.pollable if wanted in (None, m)][:limit]
        return self._answer({"results": [self.pollable.pop(m) for m in ids]}, "DeliveryReports")

    def _answer(self, body: dict[str, Any], schema: str) -> Response:
        self.spec_errors.extend(f"the fake's own {schema}: {p}: {v}" for p, v in spec_problems(body, schema))
        return JSONResponse(body)

    def report(self, message_id: str, status: str = "DELIVERED_TO_HANDSET", error: str = "NO_ERROR") -> dict[str, Any]:
        sent = self.sent[message_id]
        wire, error_wire = st.status(status).wire(), st.error(error).wire()
        body = {
            "bulkId": "bulk-1",
            "price": {"pricePerMessage": 0.01, "currency": "EUR"},
            "status": {k: wire[k] for k in ("groupId", "groupName", "id", "name")},
            "error": {k: error_wire[k] for k in ("groupId", "groupName", "id", "name", "permanent")},
            "messageId": message_id,
            "to": sent.destination["to"],
            "sender": sent.message.get("sender", ""),
            "sentAt": format_ms(sent.sent_at),
            "doneAt": format_ms(self.clock.now_ms()),
            "messageCount": 1,
        }
        callback = sent.message.get("webhooks", {}).get("callbackData")
        if callback is not None:
            body["callbackData"] = callback
        return body

    def complete(self, message_id: str, status: str = "DELIVERED_TO_HANDSET", error: str = "NO_ERROR") -> None:
        """The message's report, kept for GET /sms/3/reports (never pushed)."""
        self.pollable[message_id] = self.report(message_id, status, error)

    async def push(
        self, *reports: dict[str, Any], url: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """Push reports (built by `report`) to the webhook of the first one's message, or to `url`."""
        body = {"results": list(reports)}
        self.spec_errors.extend(f"the fake's push: {p}: {v}" for p, v in spec_problems(body, "DeliveryReports"))
        target = url or self.sent[reports[0]["messageId"]].message["webhooks"]["delivery"]["url"]
        async with httpx.AsyncClient(transport=self.push_transport) as client:
            return await client.post(target, json=body, headers=headers)


@contextlib.asynccontextmanager
async def serving(fake: FakeInfobipSms) -> AsyncIterator[FakeInfobipSms]:
    """The fake on 127.0.0.1 at a free port (its socket listens before this yields, so no waiting is needed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    fake.base_url = f"127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(fake.app(), lifespan="off", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield fake
    finally:
        fake.released.set()
        server.should_exit = True
        await task
        sock.close()
