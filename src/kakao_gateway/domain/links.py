"""URL shortening and click facts: finding links in text, short codes, short URLs, devices from user agents."""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = re.compile(r"https?://[^\s<>\"'()]+[^\s<>\"'().,;:!?]", re.IGNORECASE)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CODE_LENGTH = 8
CODE = re.compile(rf"[0-9A-Za-z]{{{CODE_LENGTH}}}")


def find_urls(text: str) -> list[str]:
    """The http(s) URLs in a text, in order, without trailing punctuation."""
    return [m.group(0) for m in _URL.finditer(text)]


def code_from(random: bytes) -> str:
    """A short-link code from CODE_LENGTH random bytes the caller draws (a slight bias towards the first 8 letters
    of the alphabet is harmless: codes only need to be unguessable and unique, which the store enforces)."""
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in random[:CODE_LENGTH])


def short_url(domain: str, code: str, *, scheme: str = "https", remove_protocol: bool = False) -> str:
    return f"{domain}/{code}" if remove_protocol else f"{scheme}://{domain}/{code}"


def rewrite_text(text: str, replacements: dict[str, str]) -> str:
    """Replace each URL found in `text` by its replacement (URLs without one stay as they are)."""
    return _URL.sub(lambda m: replacements.get(m.group(0), m.group(0)), text)


@dataclass(frozen=True, slots=True)
class Device:
    device_type: str
    os: str
    device_name: str


def device_of(user_agent: str | None) -> Device:
    """A coarse reading of a User-Agent: enough for click reports (Phone/Tablet/Desktop, OS, maker)."""
    ua = (user_agent or "").lower()
    if not ua:
        return Device("Unknown", "Unknown", "Unknown")
    if "ipad" in ua or ("android" in ua and "mobile" not in ua) or "tablet" in ua:
        device_type = "Tablet"
    elif "iphone" in ua or "android" in ua or "mobile" in ua:
        device_type = "Phone"
    elif "bot" in ua or "crawl" in ua or "spider" in ua:
        device_type = "Bot"
    else:
        device_type = "Desktop"
    os_name = next(
        (
            name
            for key, name in (
                ("iphone", "iOS"),
                ("ipad", "iOS"),
                ("android", "Android"),
                ("windows", "Windows"),
                ("mac os", "macOS"),
                ("linux", "Linux"),
            )
            if key in ua
        ),
        "Unknown",
    )
    maker = next(
        (
            name
            for key, name in (
                ("iphone", "Apple"),
                ("ipad", "Apple"),
                ("macintosh", "Apple"),
                ("samsung", "Samsung"),
                ("sm-", "Samsung"),
                ("pixel", "Google"),
                ("lg-", "LG"),
            )
            if key in ua
        ),
        "Unknown",
    )
    return Device(device_type, os_name, maker)
