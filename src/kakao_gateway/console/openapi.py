"""`/openapi.json`: the gateway's whole HTTP API, generated from the routes it serves.

Each operation is read off its endpoint's own code: the Pydantic model it validates the body with
(`parse(request, Model)`), the query parameters it reads (`one(params, "name")` and the like, followed into the
helpers it calls), the auth guard it calls (`principal`: an API key, `require_admin`: the operator key) and the
statuses it can answer (`api_error(409, ...)`, `Response(status_code=204)`, `json_response(body, 503)`, a media
type other than JSON, and the service errors raised by the service functions it calls: `Conflict` 409, `NotFound`
404, `InvalidRequest` 400). Request bodies are those models' JSON Schemas, so the document cannot drift from what
validation accepts. Paths Infobip specifies keep Infobip's summary, parameter descriptions and response schemas
(from `spec/`, packaged next to this module), plus the error statuses this gateway adds to them; the extensions
answer JSON objects described by their summary. Date-times are described as the wire writes them
(`2026-11-29T04:00:00.000+0000`: no colon in the offset, so not RFC 3339's `date-time` format).
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from types import ModuleType
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Route

from ..service.accounts import DEFAULT_ACCOUNT
from ..service.demo import demo_alim_body

REF = "#/components/schemas/"
QUERY_READERS = {"one": "string", "many": "array", "instant": "string", "boolean": "boolean"}
STATUS_TEXT = {
    200: "OK",
    204: "No Content",
    302: "Found: a redirect to the link's target",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type: the body must be application/json",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
SERVICE_ERRORS = {"Conflict": 409, "NotFound": 404, "InvalidRequest": 400}
RESPONSE_MAKERS = {"Response": 1, "json_response": 1, "api_error": 0, "RedirectResponse": 1}
AUTH_STATUSES = {"key": (401, 403, 429), "operator": (401, 429)}  # 429: too many failed sign-ins
BODY_STATUSES = (400, 413, 415)
MAX_DEPTH = 3
READ_DATE_TIMES = ["2026-11-29T04:00:00.000+0000", "2026-11-29T13:00:00+09:00"]
WIRE_DATE_TIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$",
    "description": "yyyy-MM-dd'T'HH:mm:ss.SSSZ, as Infobip writes it: e.g. 2026-11-29T04:00:00.000+0000",
    "examples": ["2026-11-29T04:00:00.000+0000"],
}


@functools.cache
def infobip_spec() -> dict[str, Any]:
    raw = resources.files(__package__).joinpath("spec/infobip-kakao-openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(raw)
    return spec


def _endpoint(route: Route) -> Callable[..., Any]:
    """The function a route calls, under the `handled` wrapper (its closure holds it)."""
    fn: Any = route.endpoint
    for cell in getattr(fn, "__closure__", None) or ():
        inner = cell.cell_contents
        if inspect.iscoroutinefunction(inner) and inner.__name__ == fn.__name__:
            return inner  # type: ignore[no-any-return]
    return fn  # type: ignore[no-any-return]


class Facts:
    """What an endpoint's code says about its operation."""

    def __init__(self) -> None:
        self.models: list[type[BaseModel]] = []  # one, or the alternatives of `parse(request, A if ... else B)`
        self.query: dict[str, str] = {}
        self.auth: str | None = None  # "key" | "operator"
        self.doc: str | None = None
        self.statuses: set[int] = set()
        self.media: str | None = None  # a success body that is not JSON (Prometheus text)


def _all_calls(fn: Callable[..., Any]) -> Iterator[tuple[ast.Call, ModuleType]]:
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return
    module = inspect.getmodule(fn)
    if module is None:
        return
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            yield node, module


def _calls(fn: Callable[..., Any]) -> Iterator[tuple[ast.Call, ModuleType]]:
    for call, module in _all_calls(fn):
        if isinstance(call.func, ast.Name):
            yield call, module


def _read(fn: Callable[..., Any], facts: Facts, depth: int = 0) -> None:
    for call, module in _all_calls(fn):
        if isinstance(call.func, ast.Attribute):
            _read_service(_service_function(call.func, module), facts, depth)
            continue
        name = call.func.id  # type: ignore[attr-defined]
        args = call.args
        if name == "parse" and len(args) >= 2:  # parse(request, Model[, byte limit])
            _read_models(args[1], module, facts)
        elif name in QUERY_READERS and len(args) == 2 and isinstance(args[1], ast.Constant):
            facts.query.setdefault(str(args[1].value), QUERY_READERS[name])
            facts.statuses.add(400)  # a NUL character, or a value of the wrong kind
        elif name == "principal":
            facts.auth = facts.auth or "key"
        elif name == "require_admin":
            facts.auth = "operator"
        elif name in RESPONSE_MAKERS or name in SERVICE_ERRORS:
            _read_response(name, call, module, facts)
        elif depth < MAX_DEPTH:
            _read_helper(getattr(module, name, None), args, facts, depth)


def _constants(node: ast.expr | None) -> list[int]:
    """The status codes an argument can be: `204`, or both of `200 if ok else 503`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _read_response(name: str, call: ast.Call, module: ModuleType, facts: Facts) -> None:
    """A status the endpoint answers: a response it makes, or a service error it raises."""
    if name in SERVICE_ERRORS:
        facts.statuses.add(SERVICE_ERRORS[name])
        return
    keywords = {k.arg: k.value for k in call.keywords}
    index = RESPONSE_MAKERS[name]
    status = keywords.get("status_code") or (call.args[index] if len(call.args) > index else None)
    found = _constants(status)
    facts.statuses.update(found or ([200] if name in ("Response", "json_response") else []))
    media = keywords.get("media_type")
    value = getattr(module, media.id, None) if isinstance(media, ast.Name) else getattr(media, "value", None)
    if name == "Response" and isinstance(value, str) and "json" not in value:
        facts.media = value


def _service_function(func: ast.Attribute, module: ModuleType) -> Any:
    """`links.click` in an endpoint or a service function: the function, when `links` is a service module."""
    owner = getattr(module, func.value.id, None) if isinstance(func.value, ast.Name) else None
    if isinstance(owner, ModuleType) and owner.__name__.startswith("kakao_gateway.service"):
        return getattr(owner, func.attr, None)
    return None


def _read_service(fn: Any, facts: Facts, depth: int, seen: set[Any] | None = None) -> None:
    """The service errors a service function (and the service functions it calls) can raise."""
    seen = set() if seen is None else seen
    if not inspect.isfunction(fn) or fn in seen or depth > MAX_DEPTH:
        return
    seen.add(fn)
    for call, module in _all_calls(fn):
        if isinstance(call.func, ast.Name) and call.func.id in SERVICE_ERRORS:
            facts.statuses.add(SERVICE_ERRORS[call.func.id])
        elif isinstance(call.func, ast.Name):
            _read_service(getattr(module, call.func.id, None), facts, depth + 1, seen)
        elif isinstance(call.func, ast.Attribute):
            _read_service(_service_function(call.func, module), facts, depth + 1, seen)


def _read_models(arg: ast.expr, module: ModuleType, facts: Facts) -> None:
    """The model of `parse(request, Model)`, or both of `parse(request, A if ... else B)`."""
    for choice in [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]:
        model = getattr(module, choice.id, None) if isinstance(choice, ast.Name) else None
        if isinstance(model, type) and issubclass(model, BaseModel) and model not in facts.models:
            facts.models.append(model)


def _read_helper(target: Any, args: list[ast.expr], facts: Facts, depth: int) -> None:
    """Follow a helper of the API package the endpoint hands its request or query to."""
    if not (inspect.isfunction(target) and target.__module__.startswith("kakao_gateway.api")):
        return
    if not any(isinstance(a, ast.Name) and a.id in ("request", "params") for a in args):
        return
    _read(target, facts, depth + 1)
    if _reads_a_named_parameter(target):  # a helper like `_text(params, "sender", 40)`
        for a in args:
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                facts.query.setdefault(a.value, "string")


def _reads_a_named_parameter(fn: Callable[..., Any]) -> bool:
    """Whether `fn` reads a query parameter whose name it was given (`one(params, name)`)."""
    return any(
        call.func.id in QUERY_READERS and len(call.args) == 2 and isinstance(call.args[1], ast.Name)  # type: ignore[attr-defined]
        for call, _ in _calls(fn)
    )


def _facts(route: Route) -> Facts:
    fn = _endpoint(route)
    facts = Facts()
    _read(fn, facts)
    module = inspect.getmodule(fn)
    facts.doc = (module.__doc__ or "").strip().split("\n\n")[0] if module else None
    return facts


def _path_params(path: str) -> list[str]:
    return re.findall(r"{([^}:]+)(?::[^}]*)?}", path)


def _spec_path(path: str) -> str:
    return re.sub(r"{([^}:]+):[^}]*}", r"{\1}", path)


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/"):
        node: Any = spec
        for part in ref[2:].split("/"):
            node = node[part]
        return dict(node)
    return item


def _parameters(path: str, facts: Facts, infobip: dict[str, Any] | None) -> list[dict[str, Any]]:
    spec = infobip_spec()
    theirs: dict[tuple[str, str], dict[str, Any]] = {}
    for p in (infobip or {}).get("parameters", []):
        resolved = _read_date_times(_resolve(spec, p))
        theirs[(resolved["name"], resolved["in"])] = resolved
    params: list[dict[str, Any]] = []
    for name in _path_params(path):
        params.append(theirs.get((name, "path"), {"name": name, "in": "path", "required": True, "schema": {}}))
    for name, kind in facts.query.items():
        known = theirs.get((name, "query"))
        if known is not None:
            params.append(known)
            continue
        schema: dict[str, Any] = {"type": "string"}
        if kind == "array":
            schema = {"type": "array", "items": {"type": "string"}}
        elif kind == "boolean":
            schema = {"type": "boolean"}
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
        if kind == "array":
            param.update(style="form", explode=True)
        params.append(param)
    for p in params:
        if p["in"] == "path":
            p["schema"] = p.get("schema") or {"type": "string"}
    return [_without_examples(p) for p in params]


def _statuses(facts: Facts) -> set[int]:
    """Every status the operation answers: what its code makes, and what its auth guard and body parsing add."""
    statuses = set(facts.statuses)
    statuses.update(AUTH_STATUSES.get(facts.auth or "", ()))
    if facts.models:
        statuses.update(BODY_STATUSES)
    if not any(s < 400 for s in statuses):
        statuses.add(200)
    return statuses


def _response(status: int, facts: Facts) -> dict[str, Any]:
    described: dict[str, Any] = {"description": STATUS_TEXT.get(status, str(status))}
    if status >= 400:
        described["content"] = {"application/json": {"schema": {"$ref": f"{REF}ApiError"}}}
    elif status == 302:
        described["headers"] = {"Location": {"schema": {"type": "string"}, "description": "The link's target"}}
    elif status != 204 and facts.media:
        described["content"] = {facts.media: {"schema": {"type": "string"}}}
    elif status != 204:
        described["content"] = {"application/json": {"schema": {"type": "object"}}}
    return described


def _responses(facts: Facts, infobip: dict[str, Any] | None) -> dict[str, Any]:
    """Infobip's responses where Infobip specifies the operation, plus every status the gateway adds to them."""
    ours = {str(s): _response(s, facts) for s in sorted(_statuses(facts))}
    if not infobip:
        return ours
    theirs: dict[str, Any] = dict(infobip["responses"])
    for status, response in ours.items():
        if int(status) >= 400:
            theirs.setdefault(status, response)
    return dict(sorted(theirs.items()))


def _refs(node: Any) -> Iterator[tuple[str, str]]:
    """(kind, name) of every `#/components/<kind>/<name>` reference in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                kind, _, name = value[len("#/components/") :].partition("/")
                yield kind, name
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _add_infobip_components(document: dict[str, Any]) -> None:
    """Copy in every Infobip component (schema, example, ...) the document refers to, transitively, with its
    date-times described as the wire writes them."""
    theirs = infobip_spec()["components"]
    ours = document["components"]
    pending = list(_refs(document))
    while pending:
        kind, name = pending.pop()
        if name in ours.get(kind, {}) or name not in theirs.get(kind, {}):
            continue
        ours.setdefault(kind, {})[name] = _wire_date_times(theirs[kind][name])
        pending.extend(_refs(theirs[kind][name]))


def _read_date_times(node: Any) -> Any:
    """A copy of a parameter whose date-time is described as read: ISO-8601 with an offset, `+0000` or `+00:00`
    (told in the description: an example value would be pre-filled by "Try it out", and find nothing)."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            told = f"ISO-8601 with an offset, e.g. {' or '.join(READ_DATE_TIMES)}"
            return {**{k: v for k, v in node.items() if k != "format"}, "description": told}
        return {k: _read_date_times(v) for k, v in node.items()}
    return node


def _without_examples(param: dict[str, Any]) -> dict[str, Any]:
    """A parameter without sample values: Swagger UI's "Try it out" pre-fills them, and Infobip's (`BULK-ID-123-xyz`)
    find nothing here."""
    kept = {k: v for k, v in param.items() if k not in ("example", "examples")}
    if isinstance(kept.get("schema"), dict):
        kept["schema"] = {k: v for k, v in kept["schema"].items() if k not in ("example", "examples")}
    return kept


def _wire_date_times(node: Any) -> Any:
    """A copy of `node` whose `format: date-time` strings are described as `2026-11-29T04:00:00.000+0000`."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            kept = {k: v for k, v in node.items() if k not in ("format", "type", "pattern")}
            return {**kept, **WIRE_DATE_TIME, "description": node.get("description") or WIRE_DATE_TIME["description"]}
        return {k: _wire_date_times(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_wire_date_times(v) for v in node]
    return node


def _operation(path: str, method: str, route: Route, facts: Facts, models: dict[str, str]) -> dict[str, Any]:
    infobip = infobip_spec()["paths"].get(_spec_path(path), {}).get(method)
    name = _endpoint(route).__name__
    op: dict[str, Any] = {
        "operationId": f"{method}-{_spec_path(path).strip('/').replace('/', '-').replace('{', '').replace('}', '')}",
        "summary": infobip["summary"] if infobip else name.replace("_", " ").capitalize(),
        "tags": [_tag(path)],
    }
    if infobip:
        op["description"] = infobip.get("description", "")
        op["externalDocs"] = infobip.get("externalDocs")
        op = {k: v for k, v in op.items() if v is not None}
        op["x-contract"] = "infobip"
    elif facts.doc:
        op["description"] = facts.doc
    if _path_params(path) and facts.auth:
        facts.statuses.add(400)  # a path parameter with a NUL character (`handled`)
    params = _parameters(path, facts, infobip)
    if params:
        op["parameters"] = params
    refs = [{"$ref": REF + models[m.__name__]} for m in facts.models]
    if refs:
        schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
        body: dict[str, Any] = {"schema": schema}
        if _spec_path(path) in EXAMPLES and method == "post":
            body["examples"] = EXAMPLES[_spec_path(path)]
        op["requestBody"] = {"required": True, "content": {"application/json": body}}
    op["responses"] = _responses(facts, infobip)
    if facts.auth == "operator":
        op["security"] = [{"OperatorKey": []}]
    elif facts.auth == "key":
        op["security"] = [{"APIKeyHeader": []}, {"Basic": []}]
    else:
        op["security"] = []
    return op


def _tag(path: str) -> str:
    parts = path.strip("/").split("/")
    if parts[0].startswith("{"):
        return "short links"
    if len(parts) == 1:
        return "operations"
    if parts[0] == "kakao" and len(parts) > 2:
        return f"kakao: {parts[2]}"
    return parts[0]


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[tuple[str, str, Route]]:
    for route in routes:
        if isinstance(route, Route) and route.methods and route.include_in_schema:
            for method in sorted(route.methods - {"HEAD"}):
                yield route.path, method.lower(), route


# The Authorize dialog's words: this gateway's keys, not Infobip's.
API_KEY_TEXT = (
    "An API key of this gateway: enter `App <key>`. `kakao-gateway serve --demo` prints the demo account's key at "
    "start (and keeps it beside the database); `kakao-gateway keys create` or `POST /admin/1/accounts/{id}/keys` "
    "make more, each with its scopes (`kakao:send`, `kakao:logs`, `kakao:manage`, ...)."
)
BASIC_TEXT = (
    "The account's name as the user name and one of its API keys as the password, for clients that cannot send "
    f"`App`. The account of `serve --demo` is `{DEFAULT_ACCOUNT}`."
)
# Request examples that work against `serve --demo` (its sender, template and the sandbox's delivering number).
EXAMPLES: dict[str, dict[str, Any]] = {
    "/kakao-alim/1/messages": {
        "demo": {"summary": "The demo's Alim (serve --demo), delivered by the sandbox", "value": demo_alim_body()}
    }
}


def build(routes: Sequence[BaseRoute], title: str = "Kakao Gateway", version: str = "1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`."""
    found = [(path, method, route, _facts(route)) for path, method, route in _api_routes(routes)]
    model_types = {m.__name__: m for *_, f in found for m in f.models}
    key_map, defs = models_json_schema([(m, "validation") for m in model_types.values()], ref_template=REF + "{model}")
    models = {m.__name__: key_map[(m, "validation")]["$ref"][len(REF) :] for m in model_types.values()}
    paths: dict[str, dict[str, Any]] = {}
    for path, method, route, facts in found:
        paths.setdefault(_spec_path(path), {})[method] = _operation(path, method, route, facts, models)
    schemes = infobip_spec()["components"]["securitySchemes"]
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Infobip's Kakao API as this gateway serves it (operations marked `x-contract: infobip`), "
            "and the gateway's extensions: `/kakao/1`, `/sandbox/1`, `/admin/1`, operations.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(defs.get("$defs", {})),
            "securitySchemes": {
                "APIKeyHeader": {**schemes["APIKeyHeader"], "description": API_KEY_TEXT},
                "Basic": {**schemes["Basic"], "description": BASIC_TEXT},
                "OperatorKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The operator key: `Authorization: App <operator key>`.",
                },
            },
        },
    }
    _add_infobip_components(document)
    return document
