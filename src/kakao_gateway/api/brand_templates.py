"""Placeholder: filled in by the Brand Message work."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
