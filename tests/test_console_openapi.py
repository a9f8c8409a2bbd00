"""`/openapi.json` describes every route the gateway serves, with request bodies generated from the models that
validate them; Infobip's paths keep Infobip's contract; `/docs` renders it from packaged assets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.routing import Route

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.schemas.sangdam import SangdamRequest
from kakao_gateway.service.demo import DEMO_SENDER_BODY, DEMO_TEMPLATE

ROOT = Path(__file__).resolve().parent.parent
INFOBIP = json.loads((ROOT / "spec" / "infobip-kakao-openapi.json").read_text())


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/openapi.json", headers={"Authorization": ""})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    document: dict[str, Any] = r.json()
    return document


def _validator(document: dict[str, Any], ref: str) -> jsonschema.Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:doc", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator({"$ref": "urn:doc" + ref}, registry=registry)


async def test_every_route_is_described(gateway: Gateway, client: httpx.AsyncClient) -> None:
    document = await _document(client)
    assert document["openapi"] == "3.1.0"
    served = {
        (r.path, m.lower())
        for r in create_app(gateway).routes
        if isinstance(r, Route) and r.include_in_schema and r.methods
        for m in r.methods - {"HEAD"}
    }
    described = {(p, m) for p, ops in document["paths"].items() for m in ops}
    assert described == served
    for prefix in ("/kakao-alim/1/", "/kakao-sangdam/1/", "/kakao-chingu/1/", "/kakao/1/", "/sandbox/1/", "/admin/1/"):
        assert any(p.startswith(prefix) for p, _ in described), prefix
    assert not any(p.startswith(("/console", "/docs", "/openapi")) for p, _ in described)
    for ops in document["paths"].values():
        for op in ops.values():
            for ref in _refs(op):
                kind, name = ref.removeprefix("#/components/").split("/", 1)
                assert name in document["components"][kind], ref


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_bodies_come_from_the_validating_models(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    send = document["paths"]["/kakao-sangdam/1/messages"]["post"]
    assert send["x-contract"] == "infobip" and send["security"] == [{"APIKeyHeader": []}, {"Basic": []}]
    ref = send["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/SangdamRequest"
    validator = _validator(document, ref)
    # Infobip's own example request is valid by our schema, and what our model refuses, our schema refuses too.
    example = INFOBIP["paths"]["/kakao-sangdam/1/messages"]["post"]["requestBody"]["content"]["application/json"]
    for sample in example["examples"].values():
        assert not list(validator.iter_errors(sample["value"]))
        SangdamRequest.model_validate(sample["value"])
    assert list(validator.iter_errors({"messages": []}))
    assert list(validator.iter_errors({"messages": [{"sender": "S", "destinations": [{"to": "u"}], "content": {}}]}))
    # Infobip's response contract, with the schemas it refers to, and the statuses the gateway adds to it.
    theirs = INFOBIP["paths"]["/kakao-sangdam/1/messages"]["post"]["responses"]
    assert {k: v for k, v in send["responses"].items() if k in theirs} == theirs
    assert set(send["responses"]) - set(theirs) == {"413", "415", "429"}  # 429: too many failed sign-ins
    logs = document["paths"]["/kakao-sangdam/1/logs"]["get"]
    names = {p["name"] for p in logs["parameters"]}
    assert {"sender", "destination", "bulkId", "messageId", "generalStatus", "sentSince", "limit"} <= names
    # Extensions: their bodies, path parameters and guards.
    admin = document["paths"]["/admin/1/accounts/{id}/keys"]["post"]
    assert admin["security"] == [{"OperatorKey": []}]
    assert [p["name"] for p in admin["parameters"] if p["in"] == "path"] == ["id"]
    keys = admin["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "console" in json.dumps(document["components"]["schemas"][keys.rsplit("/", 1)[1]])
    assert document["paths"]["/health"]["get"]["security"] == []
    single = document["paths"]["/kakao-brand-messages/1/templates/single"]["get"]
    assert {p["name"] for p in single["parameters"]} == {"sender", "senderGroup", "templateCode"}
    plan = document["paths"]["/kakao/1/bulks/plan"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert plan == {
        "oneOf": [{"$ref": "#/components/schemas/BrandRequest"}, {"$ref": "#/components/schemas/AlimRequest"}]
    }


async def test_docs_page_uses_packaged_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text, "nothing from a CDN"
    for asset in (
        "/console/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/console/static/vendor/swagger-ui/swagger-ui.css",
        "/console/static/docs.js",
        "/console/static/vendor/htmx/htmx.min.js",
        "/console/static/vendor/htmx-ext-sse/sse.js",
        "/console/static/console.css",
    ):
        r = await client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, asset


def test_the_packaged_infobip_spec_is_the_repositorys() -> None:
    packaged = ROOT / "src" / "kakao_gateway" / "console" / "spec" / "infobip-kakao-openapi.json"
    assert packaged.read_bytes() == (ROOT / "spec" / "infobip-kakao-openapi.json").read_bytes()


async def _probe(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> str:
    response = await client.request(method, re.sub(r"{[^}]+}", "x", path), **kwargs)
    assert response.status_code < 500, (method, path, response.text)
    return str(response.status_code)


async def test_every_status_a_route_answers_is_documented(client: httpx.AsyncClient) -> None:
    """Each operation is called without a key, with a wrong key, with the key and an empty JSON body, and with a
    body that is not declared JSON: whatever it answers is a status its operation lists."""
    document = await _document(client)
    undocumented = []
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            body = {"json": {}} if "requestBody" in op else {}
            answers = {
                await _probe(client, method, path, headers={"Authorization": ""}),
                await _probe(client, method, path, headers={"Authorization": "App wrong"}),
                await _probe(client, method, path, **body),
            }
            if "requestBody" in op:
                answers.add(await _probe(client, method, path, content=b"{}", headers={"Content-Type": "text/plain"}))
            undocumented += [(method, path, status) for status in answers - set(op["responses"])]
    assert undocumented == []


async def test_statuses_media_types_and_date_times_are_described_as_served(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    paths = document["paths"]
    assert set(paths["/kakao/1/webhook-signing"]["delete"]["responses"]) >= {"204", "401"}
    assert "200" not in paths["/kakao/1/webhook-signing"]["delete"]["responses"]
    assert "content" not in paths["/kakao/1/webhook-signing"]["delete"]["responses"]["204"]
    assert "409" in paths["/sandbox/1/clock/advance"]["post"]["responses"]
    assert "409" in paths["/admin/1/accounts"]["post"]["responses"]  # an account name taken
    assert "401" in paths["/upstream/1/kakao/reports/{token}"]["post"]["responses"]
    assert set(paths["/ready"]["get"]["responses"]) == {"200", "503"}
    assert set(paths["/{code}"]["get"]["responses"]) == {"302", "404"}
    metrics = paths["/metrics"]["get"]["responses"]["200"]["content"]
    assert [media.split(";")[0] for media in metrics] == ["text/plain"]
    for kind in ("413", "415"):
        assert kind in paths["/kakao-alim/1/messages"]["post"]["responses"]
    text = json.dumps(document)
    assert '"format": "date-time"' not in text
    patterns = {
        schema["properties"]["sentAt"]["pattern"]
        for name, schema in document["components"]["schemas"].items()
        if "DeliveryReport" in name and "sentAt" in schema.get("properties", {})
    }
    assert len(patterns) == 1
    pattern = patterns.pop()
    assert re.fullmatch(pattern, "2026-11-29T04:00:00.000+0000")
    assert not re.fullmatch(pattern, "2026-11-29T04:00:00.000+00:00")


async def test_docs_speak_of_this_gateway_and_try_it_out_works_against_the_demo(
    gateway: Gateway, client: httpx.AsyncClient
) -> None:
    """Issue 21: the Authorize dialog carried Infobip's text, and "Try it out" pre-filled values that return nothing
    here."""
    document = await _document(client)
    schemes = document["components"]["securitySchemes"]
    for name in ("APIKeyHeader", "Basic"):
        text = schemes[name]["description"]
        assert "Infobip" not in text and "--demo" in text, name
    prefilled = [
        (path, method, p["name"])
        for path, operations in document["paths"].items()
        for method, op in operations.items()
        for p in op.get("parameters", [])
        if "example" in p or "examples" in p or {"example", "examples"} & set(p.get("schema", {}))
    ]
    assert prefilled == [], "Infobip's sample values find nothing here"

    # The Alim send's example is the demo's message: it is accepted by a gateway that has the demo's sender and
    # template (what `serve --demo` sets up), and delivered by the sandbox.
    examples = document["paths"]["/kakao-alim/1/messages"]["post"]["requestBody"]["content"]["application/json"]
    example = next(iter(examples["examples"].values()))["value"]
    assert (await client.post("/kakao/1/senders", json=DEMO_SENDER_BODY)).status_code == 200
    assert (await client.post("/kakao-alim/1/templates", json=DEMO_TEMPLATE)).status_code == 200
    sent = await client.post("/kakao-alim/1/messages", json=example)
    assert sent.status_code == 200, sent.text
    await gateway.engine.run_until_idle()
    reports = (await client.get("/kakao-alim/1/reports")).json()["results"]
    assert [r["status"]["name"] for r in reports] == ["DELIVERED_TO_HANDSET"]
