"""`/kakao-chingu/1/...`: Brand Message send, delivery reports and logs (Infobip's spec), and the Brand extensions:
advertising hours per account, and the sandbox's channel friend lists."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

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


class BrandSettings(Wire):
    brandAdHours: AdHours | None


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
    hours = {"from": body.brandAdHours.from_, "to": body.brandAdHours.to} if body.brandAdHours else None
    return json_response(await brand.put_settings(context(request), who.account_id, hours))


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
