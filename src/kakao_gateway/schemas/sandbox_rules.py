"""Wire models of the sandbox's rules and API faults (extensions: README, "Sandbox rules", "API faults").

Unknown fields are refused rather than ignored: a misspelt `match` field would otherwise match every message."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from ..domain import status as st
from ..domain.channels import CHANNELS

MAX_RULES = 100
MAX_AFTER_S = 2 * 24 * 3600  # the default validity of a message
MAX_FAULTS = 10_000  # requests one fault answers
FAULTS_PATH = "/sandbox/1/faults"


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleMatchWire(Closed):
    destination: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    sender: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    templateCode: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    channel: str | None = None
    hop: Literal["KAKAO", "SMS"] | None = None

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value not in CHANNELS:
            raise ValueError(f"must be one of {', '.join(CHANNELS)}")
        return value

    @model_validator(mode="after")
    def _sms_hop(self) -> RuleMatchWire:
        if self.hop == "SMS" and (self.channel is not None or self.templateCode is not None):
            raise ValueError("the SMS hop has no channel or templateCode to match: match it by destination or sender")
        return self


class RuleOutcomeWire(Closed):
    status: str
    error: str | None = None
    afterSeconds: Annotated[int, Strict(), Field(ge=1, le=MAX_AFTER_S)] | None = None
    attempts: Annotated[int, Strict(), Field(ge=1, le=100)] | None = None

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in st.STATUSES:
            raise ValueError('must be a status name of the catalogue (README, "Sandbox rules")')
        return value

    @field_validator("error")
    @classmethod
    def _error(cls, value: str | None) -> str | None:
        if value is not None and value not in st.ERRORS:
            raise ValueError('must be an error name of the catalogue (README, "Sandbox rules")')
        return value


class RuleWire(Closed):
    match: RuleMatchWire = RuleMatchWire()
    outcome: RuleOutcomeWire


class RulesWire(Closed):
    rules: Annotated[list[RuleWire], Field(max_length=MAX_RULES)]


class FaultWire(Closed):
    path: Annotated[str, Field(min_length=1, max_length=500, pattern=r"^/")]
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] | None = None
    status: Literal[429, 500, 503]
    count: Annotated[int, Strict(), Field(ge=1, le=MAX_FAULTS)]
    retryAfterSeconds: Annotated[int, Strict(), Field(ge=0, le=3600)] | None = None

    @field_validator("path")
    @classmethod
    def _not_faults(cls, value: str) -> str:
        if value.rstrip("/") == FAULTS_PATH:
            raise ValueError(f"{FAULTS_PATH} takes no faults: it is how they are cleared")
        return value

    @model_validator(mode="after")
    def _retry_after(self) -> FaultWire:
        if self.retryAfterSeconds is not None and self.status == 500:
            raise ValueError("retryAfterSeconds goes with 429 and 503 only")
        return self
