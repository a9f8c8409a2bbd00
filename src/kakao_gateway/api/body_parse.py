"""Large JSON bodies: counted before they are parsed, then parsed and validated off the event loop in pieces.

orjson and pydantic-core hold the GIL for the whole of one call, so a worker thread alone would still stall the
loop for as long as the longest call. Here no call is long: the scan (api.body_scan) matches a few thousand items at
a time, and a send request's messages and destinations are validated CHUNK at a time, so the loop gets the GIL
back every few milliseconds. Nothing over a limit is ever handed to orjson or pydantic.
"""

from __future__ import annotations

import gc
import threading
import time
from functools import cache
from typing import Any, TypeVar, get_args

import orjson
from anyio import to_thread
from pydantic import BaseModel, TypeAdapter, ValidationError, create_model
from pydantic_core import ErrorDetails

from .body_scan import Pattern, Scan, array_limits, may_exceed, scan
from .errors import MAX_VIOLATIONS, error_violations, nul_violations_in

M = TypeVar("M", bound=BaseModel)

SCAN_ITEMS = 20_000  # a body that may hold more items than this is scanned before it is parsed
CHUNK = 2_000  # messages or destinations validated by one call (a few milliseconds)
GROUP_BYTES = 512 * 1024  # of messages parsed by one call of orjson (a few milliseconds)


class BodyProblem(Exception):
    """A body refused: the status to answer and its violations."""

    def __init__(self, status: int, problems: list[tuple[str, str]]) -> None:
        super().__init__(status)
        self.status = status
        self.problems = problems


@cache
def _limits(model: type[BaseModel]) -> dict[Pattern, int]:
    return array_limits(model)


@cache
def _parts(model: type[BaseModel]) -> tuple[type[BaseModel], TypeAdapter[list[Any]], TypeAdapter[list[Any]]] | None:
    """For a model of `messages` that each have `destinations`: the model without its messages, an adapter of
    messages and one of destinations. None for any other model."""
    field = model.model_fields.get("messages")
    items = get_args(field.annotation) if field is not None else ()
    message = items[0] if items else None
    if not (isinstance(message, type) and issubclass(message, BaseModel) and "destinations" in message.model_fields):
        return None
    envelope = create_model(f"{model.__name__}Envelope", __base__=model, messages=(list[Any], []))
    destinations: Any = message.model_fields["destinations"].annotation
    return envelope, TypeAdapter(list[message]), TypeAdapter(destinations)  # type: ignore[valid-type]


async def parse_large(raw: bytes, model: type[M], context: dict[str, Any]) -> M:
    """`raw` validated into `model` without a long stall of the loop, or BodyProblem."""
    return await to_thread.run_sync(_counted_then_validated, raw, model, context)


def _yield_gil() -> None:
    """Let the event loop's thread take the GIL now rather than after the interpreter's switch interval (5 ms),
    which it would wait for each time it wakes: a probe of `/health` wakes it a dozen times."""
    time.sleep(0)


class _CyclicGcPause:
    """The cyclic garbage collector off while any large body is parsed. Parsing one builds up to millions of
    objects, and each full collection it would set off walks all of them holding the GIL (0.4 s at 100,000
    messages); what it frees meanwhile goes by reference counting."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = False

    def __enter__(self) -> None:
        with self.lock:
            if self.holders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.holders += 1

    def __exit__(self, *_: object) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders == 0 and self.was_enabled:
                gc.enable()


_gc_paused = _CyclicGcPause()


def _counted_then_validated(raw: bytes, model: type[M], context: dict[str, Any]) -> M:
    with _gc_paused:
        return _counted_then_validated_now(raw, model, context)


def _counted_then_validated_now(raw: bytes, model: type[M], context: dict[str, Any]) -> M:
    found = None
    if may_exceed(raw, SCAN_ITEMS, _yield_gil):
        found = scan(raw, _limits(model), _yield_gil)
        problems = found.violations()
        if problems:
            raise BodyProblem(400 if found.exceeded() else 413, problems)
    _yield_gil()
    return _validate(raw, model, context, found)


def _validate(raw: bytes, model: type[M], context: dict[str, Any], found: Scan | None) -> M:
    try:
        document = _load(raw, found)
    except orjson.JSONDecodeError:
        return _at_once_json(raw, model, context)  # pydantic says where the JSON is broken, as for small bodies
    _yield_gil()
    if b"\\u0000" in raw:
        problems = nul_violations_in(document)
        if problems:
            raise BodyProblem(400, problems)
    parts = _parts(model)
    messages = document.get("messages") if isinstance(document, dict) else None
    if parts is None or not isinstance(messages, list) or not messages:
        return _at_once(document, model, context)
    return _in_chunks(document, messages, model, parts, context)


def _load(raw: bytes, found: Scan | None) -> Any:
    """The body parsed: at once, or its messages a group at a time where the scan saw where they lie, so that no
    call of orjson runs long."""
    if found is None or found.messages_span is None or not found.message_spans:
        return orjson.loads(raw)
    start, end = found.messages_span
    document = orjson.loads(raw[:start] + b"[]" + raw[end:])
    if not isinstance(document, dict) or document.get("messages") != []:
        return orjson.loads(raw)  # the scan's messages are not the ones orjson keeps (a repeated key)
    spans = found.message_spans
    messages: list[Any] = []
    first = 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= GROUP_BYTES:
            last += 1
        messages.extend(orjson.loads(b"[" + raw[spans[first][0] : spans[last][1]] + b"]"))
        _yield_gil()
        first = last + 1
    document["messages"] = messages
    return document


def _at_once_json(raw: bytes, model: type[M], context: dict[str, Any]) -> M:
    try:
        return model.model_validate_json(raw, context=context)
    except ValidationError as exc:
        raise _problem(exc.errors(include_url=False, include_context=True), exc.error_count(), None) from None


def _at_once(document: Any, model: type[M], context: dict[str, Any]) -> M:
    try:
        return model.model_validate(document, context=context)
    except ValidationError as exc:
        raise _problem(exc.errors(include_url=False, include_context=True), exc.error_count(), document) from None


def _problem(errors: list[ErrorDetails], total: int, document: Any) -> BodyProblem:
    return BodyProblem(400, error_violations(errors, total, document))


class _Errors:
    """Pydantic's errors of the pieces, placed where they are in the whole request."""

    def __init__(self) -> None:
        self.found: list[ErrorDetails] = []
        self.total = 0

    def add(self, exc: ValidationError, prefix: tuple[str | int, ...], offset: int = 0) -> None:
        self.total += exc.error_count()
        for error in exc.errors(include_url=False, include_context=True)[: MAX_VIOLATIONS - len(self.found) + 1]:
            loc = list(error["loc"])
            if offset and loc and isinstance(loc[0], int):
                loc[0] += offset
            self.found.append({**error, "loc": (*prefix, *loc)})


def _in_chunks(
    document: dict[str, Any],
    messages: list[Any],
    model: type[M],
    parts: tuple[type[BaseModel], TypeAdapter[list[Any]], TypeAdapter[list[Any]]],
    context: dict[str, Any],
) -> M:
    envelope_model, message_adapter, _ = parts
    errors = _Errors()
    validated: list[Any] = []
    start = 0
    while start < len(messages):
        message = messages[start]
        destinations = message.get("destinations") if isinstance(message, dict) else None
        if isinstance(destinations, list) and len(destinations) > CHUNK:
            validated.extend(_one_message(message, destinations, start, parts, errors, context))
            start += 1
            continue
        end = _batch_end(messages, start)
        try:
            validated.extend(message_adapter.validate_python(messages[start:end], context=context))
        except ValidationError as exc:
            errors.add(exc, ("messages",), start)
        start = end
        _yield_gil()
    try:
        envelope = envelope_model.model_validate({**document, "messages": []}, context=context)
    except ValidationError as exc:
        errors.add(exc, ())
    if errors.total:
        raise _problem(errors.found, errors.total, document)
    fields = {name: getattr(envelope, name) for name in model.model_fields if name != "messages"}
    return model.model_construct(envelope.model_fields_set | {"messages"}, messages=validated, **fields)


def _batch_end(messages: list[Any], start: int) -> int:
    """The end of a batch of messages from `start` holding about CHUNK items (messages and destinations)."""
    items, end = 0, start
    while end < len(messages) and items < CHUNK:
        message = messages[end]
        destinations = message.get("destinations") if isinstance(message, dict) else None
        if isinstance(destinations, list) and len(destinations) > CHUNK and end > start:
            break
        items += 1 + (len(destinations) if isinstance(destinations, list) else 0)
        end += 1
    return end


def _one_message(
    message: dict[str, Any],
    destinations: list[Any],
    index: int,
    parts: tuple[type[BaseModel], TypeAdapter[list[Any]], TypeAdapter[list[Any]]],
    errors: _Errors,
    context: dict[str, Any],
) -> list[Any]:
    """A message of many destinations: validated with its first, then the rest CHUNK at a time."""
    _, message_adapter, destination_adapter = parts
    rest: list[Any] = []
    try:
        head = message_adapter.validate_python([{**message, "destinations": destinations[:1]}], context=context)[0]
    except ValidationError as exc:
        errors.add(exc, ("messages",), index)
        head = None
    for start in range(1, len(destinations), CHUNK):
        try:
            rest.extend(destination_adapter.validate_python(destinations[start : start + CHUNK], context=context))
        except ValidationError as exc:
            errors.add(exc, ("messages", index, "destinations"), start)
        _yield_gil()
    if head is None or errors.total:
        return []
    return [head.model_copy(update={"destinations": [*head.destinations, *rest]})]
