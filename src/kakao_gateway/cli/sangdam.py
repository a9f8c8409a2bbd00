"""`kakao-gateway sangdam ...`: Sangdam by hand over the HTTP API of a running gateway: list sessions, read a
transcript, and make a sandbox user write to a sender."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from .errors import ApiClient
from .options import DEFAULT_URL, KeyOpt, UrlOpt
from .output import JsonOpt, print_result

app = typer.Typer(
    help="Kakao Sangdam over the HTTP API of a running gateway: sessions, transcripts, and sandbox users writing.",
    no_args_is_help=True,
)
console = Console()


@app.command()
def sessions(
    sender: Annotated[str | None, typer.Option(help="Only this sender's sessions.")] = None,
    state: Annotated[str | None, typer.Option(help="OPEN or CLOSED.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 50,
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """The account's sessions, newest first."""
    params = {"limit": str(limit)}
    if sender:
        params["sender"] = sender
    if state:
        params["state"] = state.upper()
    with ApiClient(url, api_key) as api:
        print_result(console, api.call("GET", "/kakao/1/sangdam/sessions", params=params), as_json)


@app.command()
def transcript(
    session_id: Annotated[str, typer.Argument(help="The sessionId (from `sangdam sessions` or `sangdam say`).")],
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Every message of a session, both directions, in order."""
    with ApiClient(url, api_key) as api:
        missing = (f"no session {session_id!r} on this account", "list them with `kakao-gateway sangdam sessions`")
        print_result(
            console, api.call("GET", f"/kakao/1/sangdam/sessions/{session_id}/messages", missing=missing), as_json
        )


@app.command()
def say(
    text: Annotated[str, typer.Argument(help="What the user writes.")],
    user: Annotated[str, typer.Option("--user", help="The user key of the sandbox user who writes.")],
    sender: Annotated[str, typer.Option("--sender", help="The sender (channel) the user writes to.")],
    url: UrlOpt = DEFAULT_URL,
    api_key: KeyOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """A sandbox user writes to a sender (opening a session if they have none): prints messageId and sessionId."""
    body: dict[str, Any] = {"userKey": user, "to": sender, "message": {"type": "TEXT", "text": text}}
    with ApiClient(url, api_key) as api:
        missing = (f"no sender {sender!r} on this account", "register it with `kakao-gateway senders add`")
        print_result(console, api.call("POST", "/sandbox/1/sangdam/messages", body=body, missing=missing), as_json)
