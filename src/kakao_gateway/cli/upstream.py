"""`kakao-gateway upstream check`: verify a Kakao upstream's setup with one test message, end to end.

The message goes through a running gateway's HTTP API, as a client's would, so whatever upstream the account's
Kakao route is (the server's `--kakao-upstream` or the account's own: Infobip, a dealer, the sandbox) is checked with
everything around it: the API key, the sender and template, the upstream's credentials, and the way its result
comes back (a pushed report reaching `--public-url`, or polling). The command prints what happened at each step and
exits 0 only when the message was delivered.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from ..domain.korean_numbers import to_international
from .errors import ApiClient, fail
from .options import DEFAULT_URL, KeyOpt, UrlOpt

app = typer.Typer(help="Kakao upstreams of a running gateway.", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)  # a hint line stays one line when piped or logged

FINAL_GROUPS = ("DELIVERED", "UNDELIVERABLE", "EXPIRED", "REJECTED")


@app.command()
def check(
    to: Annotated[
        str,
        typer.Option("--to", help="Phone number to send the test message to (821012345678, or 010-1234-5678)."),
    ],
    sender: Annotated[str, typer.Option("--sender", help="The Kakao sender (channel) key to send from.")],
    template: Annotated[str, typer.Option("--template", help="An approved Alim template's code.")],
    text: Annotated[str, typer.Option("--text", help="The message text: the template's, variables filled in.")],
    title: Annotated[str | None, typer.Option("--title", help="The title, if the template has one.")] = None,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for the final result.", min=0)] = 120.0,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between looks.", min=0.05)] = 2.0,
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
) -> None:
    """Send one Alim through the gateway and follow it to its final result (exit status 0: delivered)."""
    content: dict[str, Any] = {"type": "TEMPLATE", "templateCode": template, "text": text}
    if title is not None:
        content["title"] = title
    with ApiClient(url, api_key) as api:
        destination = to_international(to) or to  # as people type it; what cannot be read is sent as typed
        message_id = _send(api, {"sender": sender, "destinations": [{"to": destination}], "content": content})
        result = _follow(api, message_id, wait, interval)
        if result is None:
            troubled = _upstream_problems(url)
            fail(f"no final result for {message_id} within {wait:g} s", _UPSTREAM_TROUBLE if troubled else _NO_RESULT)
    _show(result)
    status = result.get("status", {})
    if status.get("groupName") != "DELIVERED":
        _upstream_problems(url)
        raise typer.Exit(1)
    _upstream_states(url)


_UPSTREAM_TROUBLE = (
    "the gateway accepted it, but the upstream named above refused or failed it: fix what it says (its API key or "
    "credentials, say; `kakao-gateway accounts kakao` or --kakao-upstream), then check again"
)
_NO_RESULT = (
    "the upstream accepted it but no report came back: check that Infobip (or your dealer) can reach the gateway's "
    "--public-url, and the gateway's log; `kakao-gateway upstream check --wait` waits longer"
)


def _send(api: ApiClient, message: dict[str, Any]) -> str:
    answer = api.call("POST", "/kakao-alim/1/messages", body={"messages": [message]})
    (sent,) = answer["messages"]
    status = sent["status"]
    console.print(f"accepted:  {sent['messageId']} ({status['groupName']} {status['name']})", markup=False)
    if status["groupName"] == "REJECTED":
        fail(f"the gateway refused the message: {status['name']} ({status.get('description', '')})", _REFUSED)
    return str(sent["messageId"])


_REFUSED = "check --sender, --template and that --text is the template's text with its variables filled in"


def _follow(api: ApiClient, message_id: str, wait: float, interval: float) -> dict[str, Any] | None:
    """The message's log entry once its status is final; None if it is not within `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        logs = api.call("GET", "/kakao-alim/1/logs", params={"messageId": message_id})["results"]
        if logs and logs[0].get("status", {}).get("groupName") in FINAL_GROUPS:
            return dict(logs[0])
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def _show(result: dict[str, Any]) -> None:
    status, error = result.get("status", {}), result.get("error", {})
    console.print(f"final:     {status.get('groupName')} {status.get('name')}", markup=False)
    if error.get("name") not in (None, "NO_ERROR"):
        console.print(f"error:     {error.get('name')} ({error.get('description', '')})", markup=False)


def _upstream_problems(url: str) -> bool:
    """Print what /ready says about Kakao upstreams that are not well (a refused API key, say), as hints; whether
    any. SMS routes are left out: the check's Alim has no SMS failover."""
    try:
        ready = httpx.get(f"{url.rstrip('/')}/ready", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return False
    upstreams = ready.get("checks", {}).get("connectors", {}).get("upstreams", {})
    troubled = False
    for route, health in upstreams.items():
        if isinstance(health, dict) and health.get("family") == "kakao" and not health.get("ok", True):
            breaker = health.get("breaker") or {}
            problem = health.get("error") or breaker.get("lastError") or "not ok"
            if breaker.get("state", "CLOSED") != "CLOSED":
                problem = f"{problem} (breaker {breaker['state']}: its messages go to the next upstream of their list)"
            console.print(f"upstream:  {route}: {problem}", markup=False)
            troubled = True
    return troubled


def _upstream_states(url: str) -> None:
    """One line with each Kakao upstream's state as /ready tells it (with failover, several)."""
    try:
        ready = httpx.get(f"{url.rstrip('/')}/ready", timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return
    upstreams = ready.get("checks", {}).get("connectors", {}).get("upstreams", {})
    states = [
        f"{route} {(health.get('breaker') or {}).get('state', 'CLOSED') if health.get('ok', True) else 'UNHEALTHY'}"
        for route, health in sorted(upstreams.items())
        if isinstance(health, dict) and health.get("family") == "kakao"
    ]
    if states:
        console.print(f"upstreams: {'; '.join(states)}", markup=False)
