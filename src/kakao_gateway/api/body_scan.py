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
_BRACKET = re.compile(_SEP + rb"([\[\]{}])")
# A step inside an object: up to 15 flat members, then a bracket (after the key of the member it opens).
_IN_OBJECT = re.compile(
    rb"(?:" + _FLAT_MEMBER + rb"){0,15}" + _SEP + rb"(?:(" + _STRING + rb")" + _WS + rb":" + _WS + rb")?([\[\]{}])"
)

ANY = "[]"  # an array's item in a pattern path: ("messages", ANY, "destinations")
MESSAGES = ("messages",)
DESTINATIONS = ("messages", ANY, "destinations")
MAX_ITEMS = MAX_DESTINATIONS  # in an array whose schema says no less (or that the model ignores)
MAX_MEMBERS = 1000  # in an object: no wire object has a hundredth as many fields
MAX_DEPTH = 1024  # orjson's: deeper is a 400 from the parse, so the scan stops there (and holds no more frames)
# An array or object over its limit by fewer items than this is left to the parse, which says so as for a small body.
FEW = 1000
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
    parent: _Frame | None
    part: str  # its key in its parent object, or its index in its parent array, as the wire path writes it
    limit: int
    start: int  # where it opens in the body
    tally: int = 0  # 1: its items are the messages; 2: a message's destinations
    count: int = 0
    key: str = ""  # an object's current member

    def label(self) -> str:
        """Its wire path, e.g. messages[0].content.buttons."""
        parts: list[str] = []
        frame: _Frame | None = self
        while frame is not None and frame.parent is not None:
            parts.append(frame.part)
            frame = frame.parent
        return "".join(reversed(parts)).lstrip(".")


@dataclass
class Scan:
    """What the scan found. `complete` is False when it stopped early (a while after a limit was passed, or at its
    step budget): its counts are then lower bounds."""

    destinations: int = 0
    messages: int = 0
    over: list[_Frame] = field(default_factory=list)  # the first container found over its limit
    complete: bool = True
    # Where the messages array lies in the body and where each of its items does, when every item is an object (so
    # a parse can take the messages a few at a time).
    messages_span: tuple[int, int] | None = None
    message_spans: list[tuple[int, int]] = field(default_factory=list)

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
            return [(frame.label(), f"must hold at most {frame.limit} {what}; this one has {self._has(frame.count)}")]
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
        self.over = False  # whether a limit is passed

    def open(self, parent: _Frame | None, array: bool, start: int) -> _Frame:
        if parent is None:
            return _Frame(array, (), None, "", MAX_ITEMS if array else MAX_MEMBERS, start)
        if parent.array:
            pattern, part = (*parent.pattern, ANY), f"[{parent.count - 1}]"
        else:
            pattern, part = (*parent.pattern, parent.key), f".{parent.key}"
        if not array:
            return _Frame(array, pattern, parent, part, MAX_MEMBERS, start)
        tally = 1 if pattern == MESSAGES else 2 if pattern == DESTINATIONS else 0
        if tally == 1:
            self.scan.messages_span = (start, len(self.raw))
            self.scan.message_spans = []
        return _Frame(array, pattern, parent, part, self.limits.get(pattern, MAX_ITEMS), start, tally)

    def close(self, end: int) -> None:
        frame = self.stack.pop()
        parent = frame.parent
        if frame.tally == 1 and self.scan.messages_span is not None:
            self.scan.messages_span = (frame.start, end)
        elif parent is not None and parent.tally == 1 and not frame.array and not self.over:
            self.scan.message_spans.append((frame.start, end))

    def add(self, frame: _Frame, count: int) -> None:
        frame.count += count
        if frame.tally == 2:
            self.scan.destinations += count
            self.over = self.over or self.scan.destinations > MAX_DESTINATIONS
        elif frame.tally == 1:
            self.scan.messages += count
            self.over = self.over or self.scan.messages > MAX_DESTINATIONS
        elif frame.count > frame.limit and frame.count > FEW and not self.scan.over:
            self.scan.over.append(frame)
            self.over = True

    def counted(self, frame: _Frame, pos: int) -> int:
        """Past the flat items (or members) at `pos`, each counted, in as few C-level matches as their number
        allows; it pauses about every PAUSE_WORK items."""
        runs = _ITEMS if frame.array else _MEMBERS
        if runs[1].match(self.raw, pos) is None:
            return pos
        if frame.tally == 1:
            self.scan.messages_span = None  # a message that is not an object: the parse takes them all at once
        for size in _SIZES if runs[16].match(self.raw, pos) else (1,):
            while match := runs[size].match(self.raw, pos):
                self.add(frame, size)
                pos = match.end()
                self.work += size
                if self.work >= PAUSE_WORK:
                    self.pause()
                    self.work = 0
        return pos

    def bracket(self, top: _Frame | None, char: bytes, end: int) -> int:
        """The position after a bracket at `end - 1`, its container opened or closed; -1 where JSON cannot have it."""
        if char in b"[{":
            if len(self.stack) >= MAX_DEPTH:
                return -1
            if top is not None and top.array:
                self.add(top, 1)
            self.stack.append(self.open(top, char == b"[", end - 1))
        elif self.stack:
            self.close(end)
        else:
            return -1
        return end

    def in_object(self, top: _Frame, pos: int) -> int:
        match = _IN_OBJECT.match(self.raw, pos)
        if match is None:  # 16 flat members or more (or what is not JSON): count them
            after = self.counted(top, pos)
            return after if after > pos else -1
        key, char = match.groups()
        if key is not None:
            if char not in b"[{":
                return -1
            top.key = _key(key)
            self.add(top, 1)
        return self.bracket(top, char, match.end())

    def in_array(self, top: _Frame, pos: int) -> int:
        match = _BRACKET.match(self.raw, self.counted(top, pos))
        return -1 if match is None else self.bracket(top, match.group(1), match.end())

    def run(self) -> None:
        pos, steps, stop = 0, 0, MAX_STEPS
        while pos >= 0:
            steps += 1
            if steps >= stop:
                self.scan.complete = False
                return
            if self.over and stop == MAX_STEPS:
                stop = min(MAX_STEPS, steps + EXTRA_STEPS)  # what is over is known: count on a while, not to the end
            top = self.stack[-1] if self.stack else None
            if top is None:  # the body's own array or object, or the end of it
                match = _BRACKET.match(self.raw, pos) if pos == 0 else None
                pos = -1 if match is None else self.bracket(None, match.group(1), match.end())
            else:
                pos = self.in_array(top, pos) if top.array else self.in_object(top, pos)
            self.work += 16
            if self.work >= PAUSE_WORK:
                self.pause()
                self.work = 0


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
