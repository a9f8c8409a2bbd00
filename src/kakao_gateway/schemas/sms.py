"""Wire models of the SMS failover extensions: an account's SMS settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .common import Wire


class SmsSettingsBody(Wire):
    """`PUT /kakao/1/sms/settings`: the default sender of the account's SMS hops (null: none)."""

    defaultSender: Annotated[str, Field(min_length=1, max_length=20)] | None = None


class SmsUpstreamBody(Wire):
    """`PUT /admin/1/accounts/{id}/sms` and `.../kakao`: the account's own upstreams, in order (first = preferred;
    the next ones take over while the one before is unhealthy), or one `upstream` URL (null, or an empty list: the
    server's)."""

    upstream: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    upstreams: Annotated[list[Annotated[str, Field(min_length=1, max_length=2000)]], Field(max_length=5)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> SmsUpstreamBody:
        if self.upstream is not None and self.upstreams is not None:
            raise ValueError("give upstream or upstreams, not both")
        return self

    def urls(self) -> list[str]:
        if self.upstreams is not None:
            return list(self.upstreams)
        return [self.upstream] if self.upstream is not None else []
