"""`PUT /kakao/1/senders/{sender}/upstream-credentials`: a sender's NHN Cloud credentials (write-only)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Key = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]


class SenderCredentialsBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    appKey: Key
    secretKey: Key
    senderKey: Key
