"""The header's switches: the console's language (KO | EN) and time zone (KST | UTC), remembered in cookies."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .i18n import LANG_COOKIE, LANGUAGES, YEAR_S, ZONE_COOKIE, ZONES
from .web import BASE


def _back(request: Request) -> str:
    """Where the switch was used (a console address only: no redirect elsewhere)."""
    to = request.query_params.get("next", "")
    return to if to.startswith(f"{BASE}/") and not to.startswith(f"{BASE}//") else f"{BASE}/"


def _remember(request: Request, cookie: str, value: str) -> Response:
    answer = RedirectResponse(_back(request), status_code=303)
    answer.set_cookie(cookie, value, max_age=YEAR_S, path=BASE, samesite="lax", httponly=True)
    return answer


async def set_language(request: Request) -> Response:
    lang = request.path_params["lang"]
    return _remember(request, LANG_COOKIE, lang) if lang in LANGUAGES else Response(status_code=404)


async def set_zone(request: Request) -> Response:
    tz = request.path_params["zone"].upper()
    return _remember(request, ZONE_COOKIE, tz) if tz in ZONES else Response(status_code=404)
