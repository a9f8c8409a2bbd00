"""Alim template matching: a sent text matches the approved template where each `#{variable}` is any text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"#\{[^}]*\}")


@lru_cache(maxsize=4096)
def fixed_parts(template_text: str) -> tuple[str, ...]:
    """The template's text between its variables (n variables give n + 1 parts, some possibly empty)."""
    return tuple(_VARIABLE.split(template_text))


def text_matches(template_text: str, text: str) -> bool:
    """Wildcard matching in linear passes: the first part is a prefix, the last a suffix, and each middle part is
    found leftmost after the previous one (leftmost is always safe when the gaps may be any text). A regex with
    lazy groups would backtrack polynomially on texts that do not match."""
    parts = fixed_parts(template_text)
    if len(parts) == 1:
        return text == parts[0]
    first, *middle, last = parts
    if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
        return False
    position, end = len(first), len(text) - len(last)
    for part in middle:
        found = text.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


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


def foreign_variables(text: str, parts: list[str]) -> list[str]:
    """The variables of `parts` that `text` does not have (in order of appearance, once each)."""
    known = set(variables(text))
    return list(dict.fromkeys(v for part in parts for v in variables(part) if v not in known))


def placeholders(template: dict[str, Any]) -> list[str]:
    """The variables an Alim template (as the API answers it) asks for: in its text, title and buttons, once each."""
    texts = [str(template["text"]), str(template.get("title") or "")]
    for button in template.get("buttons") or []:
        texts.extend(v for v in button.values() if isinstance(v, str))
    return list(dict.fromkeys(v for text in texts for v in variables(text)))


def fill(pattern: str, values: dict[str, str]) -> str:
    """`#{name}` replaced by its value (a placeholder without one stays as it is)."""
    return _VARIABLE.sub(lambda m: values.get(m.group(0)[2:-1], m.group(0)), pattern)


def alim_content(template: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """The `content` of an Alim message of `template` (as the API answers it) with its variables filled."""
    content: dict[str, Any] = {
        "type": "TEMPLATE",
        "templateCode": template["templateCode"],
        "text": fill(str(template["text"]), values),
    }
    if template.get("title"):
        content["title"] = fill(str(template["title"]), values)
    if template.get("buttons"):
        content["buttons"] = [
            {k: fill(v, values) if isinstance(v, str) else v for k, v in b.items()} for b in template["buttons"]
        ]
    return content
