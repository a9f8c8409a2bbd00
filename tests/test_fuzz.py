"""Spec fuzzing: schemathesis generates requests for every operation of our copy of Infobip's Kakao spec
(spec/infobip-kakao-openapi.json) and sends them to the ASGI app on a real database, with a valid key.

Checks on every answer: no server error (5xx), a status code the spec lists, the content type it lists, a body
that matches the spec's schema for that status, and every 4xx is a spec-valid `ApiError`. Each operation gets
EXAMPLES positive and EXAMPLES negative examples (hypothesis, derandomized so a run is repeatable), about a minute
per database.

Where the spec is wrong or silent, we answer as follows, and the copy of the spec the fuzzer uses is adjusted in
`fuzz_spec()` to say so (the kept copy in spec/ is never changed):

- **Timestamps** are written `2026-11-29T04:00:00.000+0000`, as Infobip writes them. That offset has no colon, so
  it is not an RFC 3339 `date-time`, and strict format validation fails on it. We keep the wire format (clients
  parse Infobip's), so `format: date-time` is dropped from response schemas.
- **400 on the report and log pulls** (`GET .../reports`, `.../logs`): the spec lists no 400, but an invalid query
  parameter (`limit=0`, an unknown `generalStatus`, a forged `cursor`, a NUL character) is answered 400 ApiError
  with the parameter's name rather than ignored.
- **413 and 415** on every JSON body: over 64 MiB, or not declared `application/json` (the spec lists neither).
- **Ranges the spec leaves open** are answered 400: `limit` above 1000, `validityPeriod`/`sendingSpeedLimit`
  `amount` ≤ 0, a `messageId` over 200 characters, more than 100,000 destinations in one request.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings

from .conftest import ADMIN_KEY, API_KEY, START_MS
from .helpers import SENDER, TEMPLATE_CODE, TEMPLATE_TEXT
from .spec import assert_api_error, spec

EXAMPLES = 25  # per operation and generation mode
API_ERROR = "#/components/responses/FuzzApiError"
OPERATIONS = [(path, method) for path, item in spec()["paths"].items() for method in item if method != "parameters"]


def _drop_date_time_formats(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            del node["format"]
        for value in node.values():
            _drop_date_time_formats(value)
    elif isinstance(node, list):
        for value in node:
            _drop_date_time_formats(value)


def fuzz_spec() -> dict[str, Any]:
    """The spec as the fuzzer checks it: Infobip's, with the deviations listed in the module docstring."""
    document = copy.deepcopy(spec())
    _drop_date_time_formats(document["components"]["schemas"])
    error_schema = next(n for n in document["components"]["schemas"] if n == "ApiError" or n.endswith(".ApiError"))
    document["components"]["responses"]["FuzzApiError"] = {
        "description": "ApiError",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{error_schema}"}}},
    }
    for path, method in OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        added = ["400", "413", "415"] if "requestBody" in document["paths"][path][method] else ["400"]
        for status in added:
            responses.setdefault(status, {"$ref": API_ERROR})
    return document


@pytest.fixture
def fuzzed_app(database_url: str) -> Iterator[Any]:
    """The gateway's ASGI app with a registered sender and template, started by schemathesis' ASGI client (its
    lifespan runs on schemathesis' event loop), and stopped after the test."""
    gateway = Gateway(
        Settings(database_url=database_url, api_key=API_KEY, admin_key=ADMIN_KEY, engine=False),
        clock=ManualClock(START_MS),
    )
    app = create_app(gateway)
    try:
        with asgi.get_client(app) as client:
            headers = {"Authorization": f"App {API_KEY}"}
            assert client.post("/kakao/1/senders", json={"sender": SENDER, "name": "n"}, headers=headers).ok
            template = {"sender": SENDER, "templateCode": TEMPLATE_CODE, "name": "t", "text": TEMPLATE_TEXT}
            assert client.post("/kakao-alim/1/templates", json=template, headers=headers).ok
            yield app
    finally:
        asgi.shutdown_lifespans()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _check(case: Any, app: Any) -> None:
    response = case.call(app=app, headers={"Authorization": f"App {API_KEY}"})
    case.validate_response(response, checks=CHECKS)
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])  # schemathesis: each header a list of values
        assert content_type[0].startswith("application/json"), response.text
        assert_api_error(json.loads(response.content))


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_spec_fuzzing(fuzzed_app: Any, path: str, method: str) -> None:
    schema = schemathesis.openapi.from_dict(fuzz_spec())
    schema.app = fuzzed_app
    operation = schema[path][method.upper()]
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=2 * EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        _check(case, fuzzed_app)

    run()
