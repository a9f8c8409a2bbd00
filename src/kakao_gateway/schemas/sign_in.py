"""Wire models of signing in (`/auth/1/session`) and of the operator API's login users and OAuth clients."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .admin import Scope
from .common import Wire


class SessionBody(Wire):
    """Infobip's Create session: `unsafe` (and any other field) is accepted and ignored."""

    username: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class LoginUserBody(Wire):
    """A new login user of an account: `scopes` omitted means the four Kakao scopes (as for a key)."""

    username: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]
    password: Annotated[str, Field(min_length=8, max_length=1000)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=10)] | None = None


class OAuthClientBody(Wire):
    """A new OAuth client of an account: `scopes` omitted means the four Kakao scopes (as for a key)."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = "oauth-client"
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=10)] | None = None
