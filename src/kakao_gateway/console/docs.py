"""`/openapi.json` (built once per app from its routes) and `/docs`, Swagger UI from the wheel's static files."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from . import openapi
from .web import env


async def openapi_json(request: Request) -> Response:
    state = request.app.state
    document: bytes | None = getattr(state, "openapi_document", None)
    if document is None:
        built: dict[str, Any] = openapi.build(request.app.routes)
        document = orjson.dumps(built)
        state.openapi_document = document
    return Response(document, media_type="application/json")


async def docs(request: Request) -> Response:
    return HTMLResponse(env.get_template("docs.html").render())


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
    Route("/docs", docs, methods=["GET"], include_in_schema=False),
]
