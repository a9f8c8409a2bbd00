"""Wire models of the SMS failover extensions: an account's SMS settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .common import Wire


class SmsSettingsBody(Wire):
    """`PUT /kakao/1/sms/settings`: the default sender of the account's SMS hops (null: none)."""

    defaultSender: Annotated[str, Field(min_length=1, max_length=20)] | None = None


class SmsUpstreamBody(Wire):
    """`PUT /admin/1/accounts/{id}/sms` and `.../kakao`: the account's own upstream URL (null: the server's)."""

    upstream: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
