"""The console's languages (English, the source, and Korean) and time zones (Korea time by default, or UTC).

The Korean catalogue is kept as a .po file only and compiled with Babel when the console is mounted: there is no
compiled .mo to forget to rebuild, and the package ships one text file. Which language and zone a request is answered
in is held in context variables, set once per request by `Preferences`, so that every template and fragment (also
those rendered in a live stream) is rendered in the viewer's language without passing it around."""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from http.cookies import SimpleCookie
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ..service.console.messages import At, Text

LANGUAGES = ("en", "ko")
ZONES = {"KST": ZoneInfo("Asia/Seoul"), "UTC": ZoneInfo("UTC")}
LANG_COOKIE = "kakao_console_lang"
ZONE_COOKIE = "kakao_console_tz"
YEAR_S = 365 * 24 * 3600

_language: ContextVar[str] = ContextVar("console_language", default="en")
_zone: ContextVar[str] = ContextVar("console_zone", default="KST")


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of `language` (English: none, the templates' own text)."""
    if language == "en":
        return NullTranslations()
    source = files("kakao_gateway.console").joinpath(f"locale/{language}/LC_MESSAGES/messages.po")
    with source.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def language() -> str:
    return _language.get()


def zone() -> str:
    return _zone.get()


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def _(message: str, **values: Any) -> str:
    """`message` in the viewer's language, with `%(name)s` placeholders filled in."""
    text = gettext(message)
    return text % values if values else text


def told(text: str, values: Mapping[str, Any]) -> str:
    """A line the service tells in English with `%(name)s` placeholders (service.console.messages.Event), in the
    viewer's language: the text and its phrases (`Text`, which may hold placeholders too) translated, its instants
    (`At`) in the viewer's zone."""
    if not text:
        return ""
    plain = {k: when(v.ms) if isinstance(v, At) else "" if v is None else v for k, v in values.items()}
    shown = {k: _filled(v.message, plain) if isinstance(v, Text) else v for k, v in plain.items()}
    return _filled(text, shown)


def _filled(message: str, values: Mapping[str, Any]) -> str:
    """`message` translated, its placeholders filled; the English one where a translation lost a placeholder."""
    if not message:
        return ""
    for candidate in (gettext(message), message):
        try:
            return candidate % values if values else candidate
        except (KeyError, TypeError, ValueError):
            continue
    return message


def when(ms: int | None) -> str:
    """A console time, in the viewer's zone, named: `2026-11-29 13:00:00 KST`."""
    if ms is None:
        return ""
    name = _zone.get()
    moment = datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZONES[name])
    return f"{moment:%Y-%m-%d %H:%M:%S} {name}"


def when_iso(text: str | None) -> str:
    """A wire timestamp (`2026-11-29T04:00:00.000+0000`) as a console time."""
    if not text:
        return ""
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        return text
    return when(int(moment.timestamp() * 1000))


def negotiate(accept_language: str) -> str:
    """The language a browser prefers among ours (`ko-KR,ko;q=0.9` → ko), English when it prefers neither."""
    preferred = []
    for part in accept_language.split(","):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            preferred.append((quality, tag.strip().replace("-", "_")))
    ranked = [tag for _q, tag in sorted(preferred, key=lambda p: -p[0])]
    chosen = Locale.negotiate(ranked, list(LANGUAGES), sep="_") if ranked else None
    return chosen.language if chosen else "en"


def choose(headers: Headers) -> tuple[str, str]:
    """The language and zone of a request: its cookies, else the browser's languages (language) and KST (zone)."""
    cookie = SimpleCookie(headers.get("cookie", ""))
    lang = cookie[LANG_COOKIE].value if LANG_COOKIE in cookie else ""
    tz = cookie[ZONE_COOKIE].value if ZONE_COOKIE in cookie else ""
    if lang not in LANGUAGES:
        lang = negotiate(headers.get("accept-language", ""))
    return lang, tz if tz in ZONES else "KST"


class Preferences:
    """Sets the request's language and zone (context variables the templates and `_` read)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang, tz = choose(Headers(scope=scope))
        lang_token, zone_token = _language.set(lang), _zone.set(tz)
        try:
            await self.app(scope, receive, send)
        finally:
            _language.reset(lang_token)
            _zone.reset(zone_token)
