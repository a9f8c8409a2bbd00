"""Alim template matching: a sent text matches the approved template where each `#{variable}` is any text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"#\{[^}]*\}")


@lru_cache(maxsize=4096)
def compile_pattern(template_text: str) -> re.Pattern[str]:
    parts = _VARIABLE.split(template_text)
    return re.compile("(?s)" + ".*?".join(re.escape(part) for part in parts))


def text_matches(template_text: str, text: str) -> bool:
    return compile_pattern(template_text).fullmatch(text) is not None


def variables(template_text: str) -> list[str]:
    return [m.group(0)[2:-1] for m in _VARIABLE.finditer(template_text)]


def buttons_match(template_buttons: list[dict[str, Any]], buttons: list[dict[str, Any]]) -> bool:
    """Buttons match when they have the template's types in its order, and every field matches."""
    if len(template_buttons) != len(buttons):
        return False
    for expected, actual in zip(template_buttons, buttons, strict=True):
        if expected.get("type") != actual.get("type"):
            return False
        for key, pattern in expected.items():
            if key == "type" or pattern is None:
                continue
            value = actual.get(key)
            if not isinstance(value, str) or not text_matches(str(pattern), value):
                return False
    return True
