"""Counting the items of a JSON body before it is parsed: every array's items and every object's members against
their limits, and a send request's destinations over all its messages, read off the raw bytes without building a
Python object per item.

The scan walks the body with a few compiled patterns. Runs of flat items (scalars, strings, objects of a few scalar
members: what a huge array is made of) and runs of flat members are consumed 4096, 256, 16 or 1 at a time by one
C-level match each, so three million destinations cost a few thousand steps of Python; each array or object that
holds another costs a step to open and one to close. Nothing read is kept but the stack of containers it is in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel

from ..schemas.common import MAX_DESTINATIONS

_WS = rb"[ \t\n\r]*"
_SEP = rb"[ \t\n\r,]*"  # commas only separate: items are counted as they are read
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_SCALAR = rb"(?:" + _STRING + rb"|-?[0-9][-+.0-9eE]*|true|false|null)"
_MEMBER = _STRING + _WS + rb":" + _WS + _SCALAR
FLAT_MEMBERS = 32  # an object of more scalar members than this is walked, its members counted
_FLAT = rb"(?:" + _SCALAR + rb"|\{" + _SEP + rb"(?:" + _MEMBER + _SEP + rb"){0,%d}\})" % FLAT_MEMBERS
_SIZES = (4096, 256, 16, 1)
_ITEMS = {size: re.compile(rb"(?:" + _SEP + _FLAT + rb"){%d}" % size) for size in _SIZES}
_FLAT_MEMBER = _SEP + _STRING + _WS + rb":" + _WS + _FLAT
_MEMBERS = {size: re.compile(rb"(?:" + _FLAT_MEMBER + rb"){%d}" % size) for size in _SIZES}
_KEY = re.compile(_SEP + rb"(" + _STRING + rb")" + _WS + rb":")
_BRACKET = re.compile(_SEP + rb"([\[\]{}])")

ANY = "[]"  # an array's item in a pattern path: ("messages", ANY, "destinations")
MESSAGES = ("messages",)
DESTINATIONS = ("messages", ANY, "destinations")
MAX_ITEMS = MAX_DESTINATIONS  # in an array whose schema says no less (or that the model ignores)
MAX_MEMBERS = 1000  # in an object: no wire object has a hundredth as many fields
# Each step opens or closes an array or object that holds another. A legitimate request of 100,000 messages takes
# well under a million; a body that takes more is refused, so no body costs more than a few seconds of one thread.
MAX_STEPS = 4_000_000
EXTRA_STEPS = 100_000  # taken once a limit is passed, to say by how much when that is cheap
PAUSE_WORK = 4096  # items read (a millisecond or so) between two calls of `pause`
WINDOW = 1024 * 1024  # bytes counted between two calls of `pause` by may_exceed

Pause = Callable[[], None]

Pattern = tuple[str, ...]


def array_limits(model: type[BaseModel]) -> dict[Pattern, int]:
    """The most items each array of `model`'s JSON may hold, by pattern path: its schema's `maxItems` (the largest
    over the variants of a union at that path), or MAX_ITEMS where the schema sets none."""
    schema = model.model_json_schema()
    definitions: dict[str, Any] = schema.get("$defs", {})
    limits: dict[Pattern, int] = {}

    def walk(node: dict[str, Any], path: Pattern, seen: frozenset[str]) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(definitions[name], path, seen | {name})
            return
        for variant in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
            walk(variant, path, seen)
        if node.get("type") == "array":
            limit = min(int(node.get("maxItems", MAX_ITEMS)), MAX_ITEMS)
            limits[path] = max(limits.get(path, 0), limit)
            walk(node.get("items", {}), (*path, ANY), seen)
        for name, child in node.get("properties", {}).items():
            walk(child, (*path, name), seen)

    walk(schema, (), frozenset())
    return limits


@dataclass(slots=True)
class _Frame:
    array: bool
    pattern: Pattern
    label: str  # the wire path of this container, e.g. messages[0].content
    limit: int
    tally: int = 0  # 1: its items are the messages; 2: a message's destinations
    count: int = 0
    key: str = ""  # an object's current member


@dataclass
class Scan:
    """What the scan found. `complete` is False when it stopped early (a while after a limit was passed, or at its
    step budget): its counts are then lower bounds."""

    destinations: int = 0
    messages: int = 0
    over: list[_Frame] = field(default_factory=list)  # the first container found over its limit
    complete: bool = True

    def exceeded(self) -> bool:
        return self.messages > MAX_DESTINATIONS or self.destinations > MAX_DESTINATIONS or bool(self.over)

    def _has(self, count: int) -> str:
        return f"{count}" if self.complete else f"at least {count}"

    def violations(self) -> list[tuple[str, str]]:
        """What the wire models say of a request over the destination limit (checked on `messages` before anything
        else), else of the first array or object found over its limit; empty when nothing is."""
        if self.messages > MAX_DESTINATIONS:
            has = self._has(self.messages)
            return [("messages", f"must hold at most {MAX_DESTINATIONS} messages; this request has {has}")]
        if self.destinations > MAX_DESTINATIONS:
            has = self._has(self.destinations)
            return [("messages", f"a request may carry at most {MAX_DESTINATIONS} destinations; this one has {has}")]
        if self.over:
            frame = self.over[0]
            what = "items" if frame.array else "members"
            return [(frame.label, f"must hold at most {frame.limit} {what}; this one has {self._has(frame.count)}")]
        if not self.complete:
            return [("", f"the body nests more than {MAX_STEPS // 2} arrays and objects")]
        return []


def _key(token: bytes) -> str:
    if b"\\" not in token:
        return token[1:-1].decode(errors="replace")
    try:
        key = orjson.loads(token)
    except orjson.JSONDecodeError:
        return "?"
    return key if isinstance(key, str) else "?"


class _Walk:
    def __init__(self, raw: bytes, limits: dict[Pattern, int], scan: Scan, pause: Pause) -> None:
        self.raw = raw
        self.limits = limits
        self.scan = scan
        self.pause = pause
        self.work = 0  # about one per item read since the last pause
        self.stack: list[_Frame] = []

    def open(self, parent: _Frame | None, array: bool) -> _Frame:
        if parent is None:
            pattern: Pattern = ()
            label = ""
        elif parent.array:
            pattern = (*parent.pattern, ANY)
            label = f"{parent.label}[{parent.count - 1}]"
        else:
            pattern = (*parent.pattern, parent.key)
            label = f"{parent.label}.{parent.key}" if parent.label else parent.key
        limit = self.limits.get(pattern, MAX_ITEMS) if array else MAX_MEMBERS
        tally = (1 if pattern == MESSAGES else 2 if pattern == DESTINATIONS else 0) if array else 0
        return _Frame(array, pattern, label, limit, tally)

    def add(self, frame: _Frame, count: int) -> None:
        frame.count += count
        if frame.tally == 2:
            self.scan.destinations += count
        elif frame.tally == 1:
            self.scan.messages += count
        elif frame.count > frame.limit and not self.scan.over:
            self.scan.over.append(frame)

    def tick(self, work: int) -> None:
        self.work += work
        if self.work >= PAUSE_WORK:
            self.pause()
            self.work = 0

    def flat(self, frame: _Frame, pos: int) -> int:
        """Past the flat items (or members) at `pos`, in as few C-level matches as their number allows."""
        runs = _ITEMS if frame.array else _MEMBERS
        for size in _SIZES if runs[16].match(self.raw, pos) else (1,):
            while match := runs[size].match(self.raw, pos):
                self.add(frame, size)
                self.tick(size)
                pos = match.end()
        return pos

    def step(self, pos: int) -> int:
        """What lies flat, then one bracket: the position after it, or -1 at the end or at what the scan cannot
        read (the parse then says what is wrong)."""
        top = self.stack[-1] if self.stack else None
        if top is not None:
            pos = self.flat(top, pos)
            if not top.array:
                key = _KEY.match(self.raw, pos)
                if key is not None:
                    top.key = _key(key.group(1))
                    self.add(top, 1)
                    pos = key.end()
        bracket = _BRACKET.match(self.raw, pos)
        if bracket is None:
            return -1
        char = bracket.group(1)
        if char in b"[{":
            if top is not None and top.array:
                self.add(top, 1)
            self.stack.append(self.open(top, char == b"["))
        elif self.stack:
            self.stack.pop()
        else:
            return -1
        return bracket.end()

    def run(self) -> None:
        pos, steps, stop = 0, 0, MAX_STEPS
        while pos >= 0:
            steps += 1
            if steps >= stop:
                self.scan.complete = False
                return
            if stop == MAX_STEPS and self.scan.exceeded():
                stop = min(MAX_STEPS, steps + EXTRA_STEPS)  # what is over is known: count on a while, not to the end
            pos = self.step(pos)
            self.tick(16)


def _no_pause() -> None:
    pass


def scan(raw: bytes, limits: dict[Pattern, int], pause: Pause = _no_pause) -> Scan:
    """The arrays and objects of `raw` counted (see the module), calling `pause` about every millisecond of work.
    Invalid JSON is scanned as far as it can be read."""
    found = Scan()
    _Walk(raw, limits, found, pause).run()
    return found


def may_exceed(raw: bytes, threshold: int, pause: Pause = _no_pause) -> bool:
    """Whether `raw` may hold more than `threshold` items and members: an upper bound from C-speed counts (every
    item or member but a container's first follows a comma), so a body under it needs no scan. Counted a window
    at a time, `pause` between windows, until the bound passes `threshold`."""
    if len(raw) <= threshold:
        return False
    bound = 0
    for start in range(0, len(raw), WINDOW):
        end = start + WINDOW
        bound += raw.count(b",", start, end) + raw.count(b"[", start, end) + raw.count(b"{", start, end)
        if bound > threshold:
            return True
        pause()
    return False
