"""Validation of response bodies against the schemas in Infobip's own OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[1] / "spec"  # copies kept in the repository (see spec/README.md)
SPEC_PATH = SPEC_DIR / "infobip-kakao-openapi.json"
SMS_SPEC_PATH = SPEC_DIR / "infobip-sms-openapi.json"
_URI = "urn:infobip-kakao"


@cache
def spec() -> dict[str, Any]:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


@cache
def _registry() -> Registry:
    return Registry().with_resource(_URI, Resource.from_contents(spec(), default_specification=DRAFT202012))


def _validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{_URI}{ref}"}, registry=_registry())


def response_schema_ref(path: str, method: str, status: int) -> str:
    response = spec()["paths"][path][method.lower()]["responses"][str(status)]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = spec()["components"]["responses"][name]
    return str(response["content"]["application/json"]["schema"]["$ref"])


def assert_matches(body: Any, path: str, method: str, status: int) -> None:
    """Fail with every schema error when `body` is not what the spec says `path` answers with `status`."""
    validator = _validator(response_schema_ref(path, method, status))
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def assert_schema(body: Any, schema_name: str) -> None:
    """Validate against a component schema by its name (the hash-prefixed name is found by suffix)."""
    names = [n for n in spec()["components"]["schemas"] if n == schema_name or n.endswith("." + schema_name)]
    assert names, f"no schema named {schema_name}"
    validator = _validator(f"#/components/schemas/{names[0]}")
    errors = list(validator.iter_errors(body))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def assert_api_error(body: Any) -> None:
    assert_schema(body, "ApiError")
