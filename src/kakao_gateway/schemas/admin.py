"""Wire models of the operator API (`/admin/1/...`) that carry scopes or operator keys."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .common import Wire

Scope = Literal["message:send", "kakao:message:send", "kakao:manage", "kakao:logs:read", "sandbox:manage", "console"]


class ApiKeyBody(Wire):
    """A new API key of an account: `scopes` omitted means the four Kakao scopes (not `sandbox:manage`)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = "key"
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=10)] | None = None


class OperatorKeyBody(Wire):
    name: Annotated[str, Field(min_length=1, max_length=200)] = "operator"
