"""`serve` and the database URL, as a new user meets them: a port in use and an unknown URL scheme are one line
each, before anything is made."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kakao_gateway.cli import demo as cli_demo

from .test_cli import one_error, run


def test_a_port_in_use_is_one_line_and_nothing_is_made(tmp_path: Path) -> None:
    db = tmp_path / "gateway.db"
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = run("serve", "--demo", "--port", str(port), "--database-url", f"sqlite:///{db}")
    line = one_error(result, f"port {port} is in use;", "--port")
    assert line.startswith(f"Error: port {port} is in use;")
    assert "Uvicorn" not in result.output and "key" not in result.stdout.lower()
    assert not db.exists(), "the database (and its keys) were made before the port was tried"
    assert not cli_demo.demo_key_file(f"sqlite:///{db}").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["worker"],
        ["migrate"],
        ["accounts", "list"],
        ["keys", "create"],
        ["templates", "sync"],
    ],
)
def test_an_unknown_database_scheme_is_one_line_naming_the_supported_ones(tmp_path: Path, command: list[str]) -> None:
    result = run(*command, "--database-url", "mysql://user:pw@db.example/gateway")
    line = one_error(result, "'mysql://'", "sqlite:///", "postgresql://")
    assert "pw" not in line
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_database_scheme_in_the_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('[gateway]\ndatabase_url = "mysql://db.example/gateway"\n')
    one_error(run("migrate", "--config", str(config)), "'mysql://'", "postgresql://")


def test_list_commands_print_a_table_or_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gateway.db'}"
    assert run("senders", "add", "S1", "Shop", "--database-url", db, "--create").exit_code == 0
    table = run("senders", "list", "--database-url", db)
    assert table.exit_code == 0 and "S1" in table.stdout and "Shop" in table.stdout
    assert not table.stdout.lstrip().startswith(("[", "{"))
    listed = json.loads(run("senders", "list", "--database-url", db, "--json").stdout)
    assert [s["sender"] for s in listed] == ["S1"]
    (account,) = json.loads(run("accounts", "list", "--database-url", db, "--json").stdout)
    assert account["name"] == "default"
    assert json.loads(run("keys", "list", "--database-url", db, "--json").stdout) == []


def test_commands_that_make_or_revoke_things_answer_json_too(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gateway.db'}"
    account = json.loads(run("accounts", "create", "shop", "--database-url", db, "--create", "--json").stdout)
    assert account["name"] == "shop" and account["id"]
    key = json.loads(run("keys", "create", "--account", "shop", "--database-url", db, "--json").stdout)
    assert key["key"] and key["id"] and "kakao:manage" in key["scopes"]
    revoked = json.loads(run("keys", "revoke", key["id"], "--account", "shop", "--database-url", db, "--json").stdout)
    assert revoked == {"id": key["id"], "revoked": True}
    (listed,) = json.loads(run("keys", "list", "--account", "shop", "--database-url", db, "--json").stdout)
    assert listed["revoked"] is True


def test_every_default_in_the_help_is_shown(tmp_path: Path) -> None:
    """Rich reads `[default: …]` in help text as markup and drops it unless escaped."""
    for command in (["serve"], ["send", "alim"], ["accounts", "sms"], ["keys", "create"], ["templates", "add"]):
        result = run(*command, "--help", env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "[default:" in result.stdout, command
