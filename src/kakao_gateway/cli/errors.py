"""Ordinary mistakes on the command line end in one line that names the cause and what to do, and a non-zero exit:
never a traceback. The CLI's two doors to the gateway are here: the database (management commands) and the HTTP
API (`bulks`, `send`)."""

from __future__ import annotations

from typing import Any, NoReturn

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console

from ..service.errors import Conflict, InvalidRequest, NotFound, ServiceError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
KEY_HINT = "pass --api-key or set KAKAO_GATEWAY_API_KEY (`kakao-gateway keys create` makes one)"


def fail(cause: str, remedy: str, code: int = 1) -> NoReturn:
    """Print `Error: <cause>; <remedy>.` on stderr as one line and exit with `code`."""
    err_console.print(f"Error: {cause}; {remedy}.", markup=False)
    raise typer.Exit(code)


def note(text: str) -> None:
    """A side remark on stderr (stdout stays clean for JSON and tables)."""
    err_console.print(text, markup=False, style="dim")


def service_failure(exc: ServiceError) -> NoReturn:
    """A use case refused: say why, and how to get on."""
    if isinstance(exc, Conflict):
        if exc.prop == "name":
            fail(exc.what, "choose another name (`kakao-gateway accounts list` shows the taken ones)")
        fail(exc.what, "it exists already")
    if isinstance(exc, NotFound):
        if exc.prop == "sender":
            fail(exc.what, "register it first with `kakao-gateway senders add SENDER NAME`")
        if exc.prop == "templateCode":
            fail(exc.what, "`kakao-gateway templates list` shows the templates of the account")
        if exc.prop == "keyId":
            fail(exc.what, "`kakao-gateway keys list` shows the keys of the account")
        fail(exc.what, "check the name or id")
    if isinstance(exc, InvalidRequest):
        fail(_joined(exc.violations), "fix the value and try again")
    fail(str(exc), "check the command's arguments")


def _joined(violations: list[tuple[str, str]]) -> str:
    return "; ".join(f"{path}: {problem}" if path else problem for path, problem in violations) or "invalid request"


class ApiClient:
    """The gateway's HTTP API, as one account (its App key); every failure ends in `fail`."""

    def __init__(self, url: str, api_key: str, timeout: float = 30.0) -> None:
        if not api_key.strip():
            fail("no API key given", KEY_HINT)
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"App {api_key.strip()}"}, timeout=timeout
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        missing: tuple[str, str] | None = None,
    ) -> Any:
        """The answer's JSON. `missing` is the (cause, remedy) to print on a 404."""
        try:
            response = self._client.request(method, path, params=params, json=body)
        except httpx.ConnectError as exc:
            reason = "connection refused" if "refused" in str(exc).lower() else str(exc) or type(exc).__name__
            fail(
                f"cannot reach the gateway at {self.url} ({reason})",
                "start it with `kakao-gateway serve`, or pass --url / set KAKAO_GATEWAY_URL",
            )
        except httpx.TimeoutException:
            fail(f"the gateway at {self.url} did not answer in time", "check that it is running and not overloaded")
        except httpx.HTTPError as exc:
            fail(f"request to {self.url} failed ({exc})", "check --url / KAKAO_GATEWAY_URL")
        if response.status_code >= 400:
            self._refused(response, missing)
        return response.json() if response.content else None

    def _refused(self, response: httpx.Response, missing: tuple[str, str] | None) -> NoReturn:
        status = response.status_code
        if status == 401:
            fail("the gateway refused the API key (401 Unauthorized)", KEY_HINT)
        if status == 403:
            fail(
                "the API key lacks the scope this needs (403 Forbidden)",
                "use a key with the kakao:manage scope (`kakao-gateway keys create`)",
            )
        if status == 404 and missing is not None:
            fail(*missing)
        detail = _error_detail(response)
        fail(f"the gateway answered {status}: {detail}", "fix the request and try again")

    def close(self) -> None:
        self._client.close()


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if not isinstance(body, dict):
        return str(body)[:200]
    violations = [(str(v.get("property", "")), str(v.get("violation", ""))) for v in body.get("violations") or []]
    description = str(body.get("description") or body.get("errorCode") or response.reason_phrase)
    return f"{description} ({_joined(violations)})" if violations else description


def violations(exc: ValidationError) -> str:
    """A validation error of a model built from flags, as one line: `field: why; field: why`."""
    found = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        found.append(f"{path}: {str(error['msg']).removeprefix('Value error, ')}" if path else str(error["msg"]))
    return "; ".join(found)
