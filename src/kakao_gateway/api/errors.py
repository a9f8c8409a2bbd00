"""Infobip's ApiError bodies (JSON, or XML when the client asks for it) and pydantic errors as violations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

import orjson
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.requests import Request
from starlette.responses import Response

_KINDS: dict[int, tuple[str, str, str, list[dict[str, str]]]] = {
    400: ("E400", "Request cannot be processed.", "Check the syntax, violations and adjust the request.", []),
    401: (
        "E401",
        "The request lacks valid authentication credentials for the requested resource.",
        "Check the resources and adjust authentication credentials.",
        [{"name": "API Authentication", "url": "https://www.infobip.com/docs/essentials/api-authentication"}],
    ),
    403: (
        "E403",
        "Insufficient permissions to access the requested resource.",
        "Repeat the request with new or different credentials.",
        [
            {
                "name": "API Scopes",
                "url": "https://www.infobip.com/docs/essentials/api-essentials/api-authorization#api-scopes",
            }
        ],
    ),
    404: (
        "E404",
        "Not found - request URL doesn't exist on the API server or resource is not found.",
        "Check the resources and adjust your request.",
        [],
    ),
    405: ("E405", "Method not allowed.", "Check the resources and adjust your request.", []),
    409: (
        "E409",
        "The request conflicts with the current state of the resource.",
        "Check the violations and adjust the request.",
        [],
    ),
    413: ("E413", "Request entity too large.", "Split the request into smaller ones.", []),
    415: (
        "E415",
        "Unsupported media type.",
        "Send the body as JSON with the header Content-Type: application/json.",
        [],
    ),
    429: (
        "E429",
        "Too many requests sent.",
        "Check request rate limit specified in the API endpoint documentation resource.",
        [
            {
                "name": "Throttling handling errors",
                "url": "https://www.infobip.com/docs/essentials/integration-best-practices#throttling-handling-errors",
            }
        ],
    ),
    500: ("E500", "Something went wrong.", "Contact the support.", []),
    503: ("E503", "Service unavailable.", "Retry the request later.", []),
}


MAX_VIOLATIONS = 100  # listed in one answer; the rest are counted in one more violation


def capped(found: list[tuple[str, str]], total: int | None = None) -> list[tuple[str, str]]:
    """At most MAX_VIOLATIONS violations, then one saying how many more there were (`total` when counted apart)."""
    total = len(found) if total is None else total
    if total <= MAX_VIOLATIONS:
        return found
    return [*found[:MAX_VIOLATIONS], ("", f"and {total - MAX_VIOLATIONS} more violations ({total} in all)")]


def api_error_body(status: int, violations: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    code, description, action, resources = _KINDS.get(status, _KINDS[500])
    listed = violations or []
    if len(listed) > MAX_VIOLATIONS + 1:
        listed = capped(listed)
    return {
        "errorCode": code,
        "description": description,
        "action": action,
        "violations": [{"property": p, "violation": v} for p, v in listed],
        "resources": resources,
    }


def _xml(body: dict[str, Any]) -> bytes:
    root = ET.Element("ApiError")
    for key in ("errorCode", "description", "action"):
        ET.SubElement(root, key).text = body[key]
    violations = ET.SubElement(root, "violations")
    for v in body["violations"]:
        item = ET.SubElement(violations, "violation")
        ET.SubElement(item, "property").text = v["property"]
        ET.SubElement(item, "violation").text = v["violation"]
    resources = ET.SubElement(root, "resources")
    for r in body["resources"]:
        item = ET.SubElement(resources, "resource")
        ET.SubElement(item, "name").text = r["name"]
        ET.SubElement(item, "url").text = r["url"]
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def wants_xml(request: Request | None) -> bool:
    if request is None:
        return False
    accept = request.headers.get("accept", "")
    return "xml" in accept and "json" not in accept


def api_error(status: int, violations: list[tuple[str, str]] | None = None, request: Request | None = None) -> Response:
    body = api_error_body(status, violations)
    if wants_xml(request):
        return Response(_xml(body), status, media_type="application/xml")
    return Response(orjson.dumps(body), status, media_type="application/json")


def property_path(loc: tuple[int | str, ...], document: Any = None) -> str:
    """`('messages', 0, 'content', 'TEMPLATE', 'text')` -> `messages[0].content.text`.

    Discriminated unions put the tag (the object's `type`) into the location; the wire path has none. A part is a
    tag when the object at that point of the request has no such key and its `type` equals the part.
    """
    path = ""
    node = document
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            continue
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue
        if part.startswith(("function-", "union[")):
            continue
        path += f".{part}" if path else part
        node = node.get(part) if isinstance(node, dict) else None
    return path


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "must not be null"
    if kind == "union_tag_invalid":
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f"unknown type; expected one of {expected}"
    if kind == "union_tag_not_found":
        return "type is required"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def violations(exc: ValidationError, raw: bytes = b"") -> list[tuple[str, str]]:
    """One violation per error, the first MAX_VIOLATIONS with their paths, then a count of the rest."""
    try:
        document = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        document = None
    errors = exc.errors(include_url=False, include_input=False, include_context=True)[:MAX_VIOLATIONS]
    return error_violations(errors, exc.error_count(), document)


def error_violations(errors: Sequence[ErrorDetails], total: int, document: Any) -> list[tuple[str, str]]:
    """`violations` of pydantic's error details, their paths read against the request's parsed JSON."""
    found: list[tuple[str, str]] = []
    for error in errors[:MAX_VIOLATIONS]:
        loc = tuple(error["loc"])
        if error["type"] == "json_invalid":
            found.append(("", f"request body is not valid JSON: {error['msg']}"))
            continue
        path = property_path(loc, document)
        if error["type"] == "union_tag_not_found":
            path = f"{path}.type" if path else "type"
        found.append((path, _message(error)))
    return capped(found, total)


def nul_violations(raw: bytes) -> list[tuple[str, str]]:
    """Paths of the strings (values or keys) of a JSON body that hold a NUL character, which no database column
    takes: empty when there are none or the body is not JSON (its validation then says so)."""
    if b"\\u0000" not in raw:
        return []
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return []
    return nul_violations_in(document)


def nul_violations_in(document: Any) -> list[tuple[str, str]]:
    """`nul_violations` of a parsed body."""
    found: list[tuple[str, str]] = []
    count = 0
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                count += 1
                if len(found) < MAX_VIOLATIONS:
                    found.append((path, "must not contain a NUL character (\\u0000)"))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", item) for i, item in reversed(list(enumerate(node))))
        elif isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                child = f"{path}.{key}" if path else key
                stack.append((child, key if "\x00" in key else value))
    return capped(found, count)
