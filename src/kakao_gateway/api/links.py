"""Short links: URL domains and click statistics (extensions), the sandbox click, and the redirect itself."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..domain.links import CODE
from ..schemas.common import Wire
from ..service import links
from ..service.auth import LOGS_SCOPES, MANAGE_SCOPES, SEND_SCOPES
from ..service.errors import InvalidRequest, NotFound
from .errors import api_error
from .http import context, handled, json_response, parse, principal
from .query import one


class DomainBody(Wire):
    domain: str = Field(min_length=1, max_length=253)


class SandboxClick(Wire):
    shortUrl: str = Field(min_length=1)
    userAgent: str | None = None


@handled
async def add_domain(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    body = await parse(request, DomainBody)
    return json_response(await links.add_domain(context(request), who.account_id, body.domain))


@handled
async def list_domains(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    return json_response({"results": await links.list_domains(context(request), who.account_id)})


@handled
async def delete_domain(request: Request) -> Response:
    who = await principal(request, MANAGE_SCOPES)
    await links.delete_domain(context(request), who.account_id, request.path_params["domain"])
    return Response(status_code=204)


@handled
async def click_stats(request: Request) -> Response:
    who = await principal(request, SEND_SCOPES | LOGS_SCOPES)
    p = request.query_params
    body = await links.click_stats(
        context(request), who.account_id, one(p, "messageId"), one(p, "bulkId"), one(p, "campaignReferenceId")
    )
    return json_response(body)


@handled
async def sandbox_click(request: Request) -> Response:
    """A simulated user opens a short link: the same recording as a real click on the redirect."""
    who = await principal(request, SEND_SCOPES | LOGS_SCOPES | MANAGE_SCOPES)
    body = await parse(request, SandboxClick)
    short = body.shortUrl if "://" in body.shortUrl else f"https://{body.shortUrl}"
    host, _, code = short.split("://", 1)[1].partition("/")
    if not CODE.fullmatch(code):
        raise InvalidRequest([("shortUrl", "is not a short link of this gateway")])
    url = await links.click(
        context(request), code, host, body.userAgent or "KakaoTalk Sandbox (Android; Mobile)", "sandbox", who.account_id
    )
    if url is None:
        raise NotFound("no such short link", "shortUrl")
    return json_response({"url": url})


async def redirect(request: Request) -> Response:
    code = request.path_params["code"]
    host = request.headers.get("host", "")
    url = None
    if CODE.fullmatch(code):
        client = request.client.host if request.client else ""
        url = await links.click(context(request), code, host, request.headers.get("user-agent"), client)
    if url is None:
        return api_error(404, request=request)
    return RedirectResponse(url, status_code=302)


routes = [
    Route("/kakao/1/url-domains", add_domain, methods=["POST"]),
    Route("/kakao/1/url-domains", list_domains, methods=["GET"]),
    Route("/kakao/1/url-domains/{domain}", delete_domain, methods=["DELETE"]),
    Route("/kakao/1/clicks", click_stats, methods=["GET"]),
    Route("/sandbox/1/clicks", sandbox_click, methods=["POST"]),
    Route("/{code}", redirect, methods=["GET"]),
]
