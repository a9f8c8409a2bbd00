"""The webhooks Kakao upstreams push Sangdam users' messages to, as their providers declare them: today
POST /upstream/1/kakao/inbound/<secret> (an `infobip://` upstream; the URL given to Infobip as the channel's inbound
URL).

Guarded as the report webhooks are (api.upstream_reports): the secret names the upstream (its inbound secret, not its
report one), compared in constant time; a wrong or missing one is a 401 and nothing is read. The body is validated
with the provider's model and read by the provider into PushedMessage; a channel no account has on that upstream is
a 404 and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..connectors import registry
from ..connectors.provider import Webhook
from ..service.upstream_inbound import record_inbound
from .http import context, handled, json_response, parse
from .upstream_reports import find_target


def _receiver(hook: Webhook) -> Callable[[Request], Awaitable[Response]]:
    read = hook.messages
    assert read is not None

    @handled
    async def receive(request: Request) -> Response:
        _, route = await find_target(request, hook)
        body = await parse(request, hook.body)
        written = await record_inbound(context(request), route, read(body))
        return json_response({"received": written.received, "written": written.written})

    return receive


routes = [Route(f"{hook.path}/{{token}}", _receiver(hook), methods=["POST"]) for hook in registry.webhooks("inbound")]
