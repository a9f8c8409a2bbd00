"""`kakao-gateway upstream check` against a running gateway (`kakao-gateway serve --demo`, a subprocess) whose Kakao
upstream is the fake Infobip Kakao API on a real local socket (tests/fake_infobip_kakao.py): the test message goes
out to Infobip, its report is pushed back over real HTTP to the gateway's --public-url, and the command follows it
to DELIVERED; with a key Infobip refuses, the command gives up and names the refusal /ready reports."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from kakao_gateway.cli import demo as cli_demo
from kakao_gateway.clock import ManualClock
from kakao_gateway.connectors.upstreams import kakao_route

from .fake_infobip_kakao import ALIM, FakeInfobipKakao
from .fake_infobip_sms import serving
from .test_cli import Server, _executable, api_env, free_port, run
from .test_kakao_infobip import DEMO_TEXT, KEY

START_S = 30.0  # for `serve` to start (the machine may be busy with another test run)
SEND_S = 15.0  # for the gateway's engine to send the message to the fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeInfobipKakao]:
    """The fake Infobip Kakao API, serving in the test's event loop, on a clock near the real one (the gateway's)."""
    async with serving(FakeInfobipKakao(ManualClock(int(time.time() * 1000)), api_key=KEY)) as server:
        yield server  # type: ignore[misc]
    assert server.spec_errors == []


@contextlib.asynccontextmanager
async def gateway(fake: FakeInfobipKakao, folder: Path) -> AsyncIterator[Server]:
    """`kakao-gateway serve --demo` on a free port with the fake as its Kakao upstream and its own address as
    --public-url (where the fake pushes reports); its output is in `folder`/serve.log."""
    database_url = f"sqlite:///{folder / 'gw.db'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKAO_GATEWAY_")}
    args = [*_executable(), "serve", "--demo", "--port", str(port), "--database-url", database_url]
    args += ["--kakao-upstream", f"infobip+http://{KEY}@{fake.base_url}", "--public-url", url]
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            key_file = cli_demo.demo_key_file(database_url)
            deadline = time.monotonic() + START_S
            while not key_file.exists():  # written once the gateway listens (cli.serve: after startup)
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"the server did not start:\n{log_path.read_text()}"
                await asyncio.sleep(0.05)  # the fake keeps serving meanwhile
            yield Server(url, key_file.read_text().strip(), database_url)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 15)


def check(server: Server, *args: str, to: str = "821012345678") -> Result:
    """The command, as an operator would run it against the demo sender and template."""
    base = ["upstream", "check", "--sender", "DEMO-SENDER", "--template", "DEMO_ORDER", "--to", to]
    return run(*base, "--text", DEMO_TEXT, "--interval", "0.1", *args, env=api_env(server))


async def until(condition: Callable[[], bool], running: asyncio.Task[Result], what: str, timeout: float) -> None:
    """Wait for `condition` while the command runs; fail at once (with its output) if it ended first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if running.done():
            result = running.result()
            pytest.fail(f"the command ended before {what}:\n{result.output}")
        assert time.monotonic() < deadline, f"no {what} within {timeout:g} s"
        await asyncio.sleep(0.02)


def alim_sends(fake: FakeInfobipKakao) -> int:
    """Requests to the Alim send endpoint, refused ones included."""
    return sum(1 for path, _ in fake.requests if path == f"{ALIM}/messages")


def the_sent_message(fake: FakeInfobipKakao) -> dict[str, Any]:
    (body,) = fake.sends
    (message,) = body["messages"]
    return message  # type: ignore[no-any-return]


def accepted_id(result: Result) -> str:
    """The messageId of the command's `accepted:` line."""
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("accepted:")]
    return line.split()[1]


async def test_a_message_sent_through_infobip_and_reported_back_is_delivered(
    fake: FakeInfobipKakao, tmp_path: Path
) -> None:
    async with gateway(fake, tmp_path) as server:
        # the number as people type it: sent in the international form
        running = asyncio.create_task(asyncio.to_thread(check, server, "--wait", "20", to="010-1234-5678"))
        await until(lambda: len(fake.sends) == 1, running, "the send reached the fake", SEND_S)
        message = the_sent_message(fake)
        (destination,) = message["destinations"]
        assert fake.push_transport is None, "the report must go over real HTTP, to --public-url"
        response = await fake.push(fake.report(destination["messageId"], "DELIVERED_TO_HANDSET"))
        assert (response.status_code, response.json()) == (200, {"received": 1, "settled": 1}), response.text
        result = await running

    assert result.exit_code == 0, result.output
    assert "final:     DELIVERED DELIVERED_TO_HANDSET" in result.stdout
    assert "upstream:" not in result.stdout
    (states,) = [line for line in result.stdout.splitlines() if line.startswith("upstreams:")]
    assert states.startswith("upstreams: KAKAO:infobip+http:127.0.0.1:") and states.endswith(" CLOSED"), states
    assert destination == {"to": "821012345678", "messageId": accepted_id(result)}
    assert message["sender"] == "DEMO-SENDER"
    assert message["content"] == {"type": "TEMPLATE", "templateCode": "DEMO_ORDER", "text": DEMO_TEXT}
    hook = message["webhooks"]["delivery"]["url"]
    assert hook.startswith(f"{server.url}/upstream/1/kakao/reports/"), hook
    assert alim_sends(fake) == 1, "sent once, and never again while its report was awaited"
    # --demo's sample request would reach a real phone through this upstream, and the banner says so
    assert "not the sandbox: the message below would go to a real phone" in (tmp_path / "serve.log").read_text()


async def test_a_key_infobip_refuses_is_named_when_no_result_comes(fake: FakeInfobipKakao, tmp_path: Path) -> None:
    fake.api_key = "another key"  # the fake answers 401 to the key in the upstream URL
    async with gateway(fake, tmp_path) as server:
        running = asyncio.create_task(asyncio.to_thread(check, server, "--wait", "10"))
        await until(lambda: alim_sends(fake) >= 1, running, "the send reached the fake", SEND_S)
        result = await running

    assert result.exit_code != 0, result.output
    assert fake.sends == [], "a refused key never gets a message through"
    message_id = accepted_id(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert f"no final result for {message_id} within 10 s" in errors[0]
    assert "the upstream named above refused or failed it" in result.stderr  # not "check --public-url"
    # the hint from /ready, on one line whatever the width: the route, and why its upstream cannot be used (named
    # without the key)
    (hint,) = [line for line in result.stdout.splitlines() if line.startswith("upstream:")]
    route = kakao_route(f"infobip+http://{KEY}@{fake.base_url}")
    assert hint == f"upstream:  {route}: infobip+http://{fake.base_url} refused the API key (HTTP 401)", result.stdout
    assert KEY not in result.output
