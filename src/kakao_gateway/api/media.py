"""`GET /media/{mediaId}`: an uploaded image (a Sangdam reply's), public so that the upstream can fetch it; the id is
random and unguessable, and the bytes never change."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..service import media
from ..service.errors import NotFound
from .errors import api_error
from .http import context

HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


async def get_medium(request: Request) -> Response:
    try:
        kind, body = await media.image(context(request), request.path_params["mediaId"])
    except NotFound:
        return api_error(404, request=request)
    return Response(body, media_type=kind, headers=HEADERS)


routes = [Route("/media/{mediaId}", get_medium, methods=["GET"], include_in_schema=False)]
