"""Operations endpoints: `/health` (the process answers), `/ready` (it can do its work: JSON naming what failed,
200 or 503) and `/metrics` (Prometheus text; the operator key, `Authorization: App <admin key>`, is required)."""

from __future__ import annotations

from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .http import handled, json_response, require_admin


class Operations(Protocol):
    """What the composition root provides these endpoints (as `app.state.ops`)."""

    async def readiness(self) -> tuple[bool, dict[str, Any]]: ...

    async def metrics(self) -> bytes: ...


def _ops(request: Request) -> Operations:
    ops: Operations = request.app.state.ops
    return ops


async def health(request: Request) -> Response:
    """Alive: answers without touching the database."""
    return json_response({"status": "ok"})


async def ready(request: Request) -> Response:
    ok, body = await _ops(request).readiness()
    return json_response(body, 200 if ok else 503)


@handled
async def metrics(request: Request) -> Response:
    await require_admin(request)
    return Response(await _ops(request).metrics(), 200, media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/health", health),
    Route("/ready", ready),
    Route("/metrics", metrics),
]
