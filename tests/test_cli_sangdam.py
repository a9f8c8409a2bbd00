"""`kakao-gateway sangdam ...` against a real `kakao-gateway serve --demo` (its demo sender DEMO-SENDER)."""

from __future__ import annotations

import json

from .test_cli import Server, api_env, one_error, run, server

__all__ = ["server"]  # the fixture, shared with test_cli.py


def test_say_then_sessions_and_transcript(server: Server) -> None:
    said = run(
        "sangdam", "say", "--user", "cli-user", "--sender", "DEMO-SENDER", "hello there", "--json", env=api_env(server)
    )
    assert said.exit_code == 0, said.output
    wrote = json.loads(said.stdout)
    listed = run("sangdam", "sessions", "--state", "open", "--json", env=api_env(server))
    assert listed.exit_code == 0, listed.output
    sessions = json.loads(listed.stdout)["results"]
    assert wrote["sessionId"] in [s["sessionId"] for s in sessions]
    shown = run("sangdam", "transcript", wrote["sessionId"], "--json", env=api_env(server))
    assert shown.exit_code == 0, shown.output
    (entry,) = json.loads(shown.stdout)["results"]
    assert entry["content"]["text"] == "hello there" and entry["direction"] == "INBOUND"
    table = run("sangdam", "transcript", wrote["sessionId"], env=api_env(server))
    assert table.exit_code == 0 and "INBOUND" in table.stdout and not table.stdout.lstrip().startswith("{")


def test_mistakes_are_one_line(server: Server) -> None:
    one_error(run("sangdam", "say", "--user", "u", "--sender", "NOPE", "hi", env=api_env(server)), "no sender 'NOPE'")
    one_error(run("sangdam", "transcript", "nope", env=api_env(server)), "no session 'nope'")
