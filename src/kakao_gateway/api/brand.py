"""`/kakao-chingu/1/...`: Brand Message send, delivery reports and logs (Infobip's spec), and the Brand extensions:
advertising hours and identity per account, and the sandbox's channel friend lists."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain import ad_rules
from ..schemas.brand import BrandRequest
from ..schemas.common import Wire
from ..service import brand
from ..service.auth import MANAGE_SCOPES, SEND_SCOPES
from .body_limits import FRIENDS_BYTES, SEND_BYTES, SMALL_BYTES
from .channel_reports import logs_for, pull_reports_for
from .http import context, handled, json_response, parse, principal

CHANNEL = "BRAND"
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class AdHours(Wire):
    from_: str = Field(alias="from")
    to: str

    @field_validator("from_", "to")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _HHMM.fullmatch(value):
            raise ValueError("must be a time of day HH:MM (Korea time)")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> AdHours:
        if self.from_ == self.to:
            raise ValueError("'from' and 'to' must differ")
        return self


class AdIdentityBody(Wire):
    """Who advertises: the name after `(광고)` and the free (080) opt-out number of the failover SMS."""

    name: str
    optOutNumber: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        problem = ad_rules.name_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("optOutNumber")
    @classmethod
    def _number(cls, value: str) -> str:
        problem = ad_rules.opt_out_number_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()


class BrandSettings(Wire):
    """A PUT changes the settings it names (null switches one off) and leaves the others as they are."""

    brandAdHours: AdHours | None = None
    adIdentity: AdIdentityBody | None = None

    @model_validator(mode="after")
    def _names_one(self) -> BrandSettings:
        if not self.model_fields_set:
            raise ValueError("name brandAdHours and/or adIdentity")
        return self

    def changes(self) -> dict[str, Any]:
        wire = self.model_dump(by_alias=True)
        return {name: wire[name] for name in sorted(self.model_fields_set)}


class Friends(Wire):
    destinations: Annotated[list[Annotated[str, Field(min_length=1, max_length=32)]], Field(max_length=100_000)]


@handled
async def send(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES)
    body = await parse(request, BrandRequest, SEND_BYTES)
    return json_response(await brand.send(context(request), who.account_id, body))


@handled
async def pull_reports(request: Request) -> Response:
    return await pull_reports_for(request, CHANNEL)


@handled
async def logs(request: Request) -> Response:
    return await logs_for(request, CHANNEL)


@handled
async def get_settings(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response(await brand.get_settings(context(request), who.account_id))


@handled
async def put_settings(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, BrandSettings, SMALL_BYTES)
    return json_response(await brand.put_settings(context(request), who.account_id, body.changes()))


@handled
async def put_friends(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, Friends, FRIENDS_BYTES)
    result = await brand.put_friends(context(request), who.account_id, request.path_params["sender"], body.destinations)
    return json_response(result)


routes = [
    Route("/kakao-chingu/1/messages", send, methods=["POST"]),
    Route("/kakao-chingu/1/reports", pull_reports, methods=["GET"]),
    Route("/kakao-chingu/1/logs", logs, methods=["GET"]),
    Route("/kakao/1/brand-settings", get_settings, methods=["GET"]),
    Route("/kakao/1/brand-settings", put_settings, methods=["PUT"]),
    Route("/sandbox/1/senders/{sender}/friends", put_friends, methods=["PUT"]),
]
