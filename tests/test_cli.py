"""The command line as people use it: one clear line and a non-zero exit for ordinary mistakes, help everywhere,
management commands that name their database and do not make empty ones, a demo key that survives restarts,
progress at 80 columns and in logs, and the CSV campaign command against a real `kakao-gateway serve`."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner, Result

from kakao_gateway import cli
from kakao_gateway.app import Gateway
from kakao_gateway.cli import demo as cli_demo
from kakao_gateway.cli import errors as cli_errors
from kakao_gateway.cli import local as cli_local
from kakao_gateway.cli import send as cli_send
from kakao_gateway.cli import serve as cli_serve
from kakao_gateway.cli.progress import QUIET_S, ProgressReport
from kakao_gateway.clock import SystemClock
from kakao_gateway.config import Settings
from kakao_gateway.domain.templates import fill
from kakao_gateway.service import accounts

from .helpers import register_basics
from .spec import assert_api_error, assert_matches

ENV = {"COLUMNS": "80", "KAKAO_GATEWAY_API_KEY": "", "KAKAO_GATEWAY_URL": "", "KAKAO_GATEWAY_DATABASE_URL": ""}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli.app, list(args), env={**ENV, **(env or {})})


def one_error(result: Result, *fragments: str) -> str:
    """The command failed with exactly one `Error:` line (naming every fragment) and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- the API: an unknown subscription channel is a 400 ------------------------------------------------------------


async def test_an_unknown_subscription_channel_is_a_400_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/kakao/1/subscriptions", json={"ALIM": {"reportUrl": "http://hooks.test/a"}, "SMS": {"reportUrl": "x"}}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert_api_error(body)
    assert [v["property"] for v in body["violations"]] == ["SMS"]
    assert "unknown channel" in body["violations"][0]["violation"]
    assert (await client.get("/kakao/1/subscriptions")).json() == {}, "nothing of a refused body is stored"


# --- management commands on a database ----------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("accounts", "list", "--database-url", url, "--create").exit_code == 0
    return url


def test_a_management_command_refuses_to_create_a_database(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "kakao-gateway.db"
    path.parent.mkdir()
    result = run("accounts", "list", "--database-url", f"sqlite:///{path}")
    one_error(result, f"no database at {path}", "--create", "start the server first")
    assert not path.exists(), "an empty database was made anyway"


def test_with_create_it_makes_one_and_says_which_database_it_opened(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    made = run("accounts", "list", "--database-url", str(path), "--create")
    assert made.exit_code == 0, made.output
    assert f"Creating a new database: {path}" in made.stderr
    again = run("accounts", "list", "--database-url", str(path))
    assert again.exit_code == 0, again.output
    assert f"Database: {path} (SQLite)" in again.stderr


def test_the_database_url_comes_from_the_environment_too(db: str) -> None:
    result = run("senders", "list", "--json", env={"KAKAO_GATEWAY_DATABASE_URL": db})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"


def test_an_account_that_exists_is_one_line(db: str) -> None:
    assert run("accounts", "create", "shop", "--database-url", db).exit_code == 0
    one_error(run("accounts", "create", "shop", "--database-url", db), "an account named 'shop' exists")


def test_an_unknown_account_is_one_line(db: str) -> None:
    one_error(run("keys", "list", "--account", "nobody", "--database-url", db), "no account named 'nobody'")


def test_a_bad_scope_is_one_line(db: str) -> None:
    one_error(
        run("keys", "create", "--scope", "kakao:everything", "--database-url", db), "unknown scope", "kakao:manage"
    )


def test_invalid_json_in_buttons_is_one_line(db: str) -> None:
    assert run("senders", "add", "S1", "Shop", "--database-url", db).exit_code == 0
    args = ("templates", "add", "--sender", "S1", "--code", "C1", "--name", "n", "--text", "Hi #{name}")
    one_error(run(*args, "--buttons", "[{type: WEB_LINK}", "--database-url", db), "--buttons is not valid JSON")
    one_error(run(*args, "--buttons", '{"type": "WEB_LINK"}', "--database-url", db), "must be a JSON array")
    one_error(run(*args, "--buttons", '[{"type": "NOPE"}]', "--database-url", db), "invalid template", "buttons")


def test_an_unknown_sender_is_one_line(db: str) -> None:
    result = run(
        "templates", "add", "--sender", "NOPE", "--code", "C1", "--name", "n", "--text", "t", "--database-url", db
    )
    one_error(result, "sender 'NOPE' is not registered", "senders add")


def test_an_unknown_key_is_one_line(db: str) -> None:
    one_error(run("keys", "revoke", "0" * 32, "--database-url", db), "key not found", "keys list")


def test_an_unknown_subscription_channel_is_one_line(db: str) -> None:
    result = run("subscriptions", "set", "--channel", "SMS", "--report-url", "http://h.test/r", "--database-url", db)
    one_error(result, "unknown channel 'SMS'", "ALIM, BRAND, SANGDAM, CLICK")
    bad_url = run("subscriptions", "set", "--report-url", "ftp://h.test/r", "--database-url", db)
    one_error(bad_url, "invalid subscription", "ALIM.reportUrl")
    good = run(
        "subscriptions", "set", "--channel", "click", "--report-url", "http://h.test/c", "--database-url", db, "--json"
    )
    assert good.exit_code == 0, good.output
    assert '"CLICK"' in good.stdout


def test_keys_list_shows_ids_in_full_at_80_columns(db: str) -> None:
    for name in ("first", "a-key-with-a-rather-long-name"):
        assert run("keys", "create", "--name", name, "--database-url", db).exit_code == 0
    result = run("keys", "list", "--database-url", db)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in result.stdout.splitlines() if line.startswith("│")]
    ids = [row[0] for row in cells if row[0]]
    assert len(ids) == 2 and all(len(i) == 32 for i in ids), result.stdout
    scopes = " ".join(row[2] for row in cells)
    assert "…" not in result.stdout, "nothing is cut short"
    assert scopes.split().count("kakao:message:send") == 2, result.stdout


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    one_error(run("accounts", "list", "--database-url", str(tmp_path / "dir.db")), "cannot open the database")


def test_a_bad_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[gateway]\nno_such_setting = 1\n")
    one_error(run("accounts", "list", "--config", str(config)), "unknown setting 'no_such_setting'")


def test_accounts_sms_sets_the_default_sender_and_never_prints_the_upstream(db: str) -> None:
    result = run("accounts", "sms", "--sender", "15880000", "--database-url", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"defaultSender": "15880000", "route": "SMS_SANDBOX", "ownUpstream": False}
    one_error(run("accounts", "sms", "--upstream", "nohost", "--database-url", db), "upstream", "scheme and a host")
    one_error(run("accounts", "sms", "--upstream", "x://k@h", "--database-url", db), "unknown scheme 'x'")
    result = run("accounts", "sms", "--sender", "", "--database-url", db, "--json")
    assert json.loads(result.stdout)["defaultSender"] is None


def test_accounts_kakao_shows_the_route_and_refuses_unknown_schemes(db: str) -> None:
    result = run("accounts", "kakao", "--database-url", db, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["route"], shown["ownUpstream"]) == ("KAKAO_SANDBOX", False)
    assert [u["route"] for u in shown["upstreams"]] == ["KAKAO_SANDBOX"]
    shown = run("accounts", "kakao", "--database-url", db)
    assert shown.stdout.split()[:4] == ["route:", "KAKAO_SANDBOX", "ownUpstream:", "no"]
    one_error(run("accounts", "kakao", "--upstream", "x://k@h", "--database-url", db), "unknown scheme 'x'")
    one_error(run("serve", "--database-url", db, "--kakao-upstream", "pigeon://k@h"), "--kakao-upstream", "pigeon")


def test_a_short_secret_key_stops_serve_with_one_line(db: str) -> None:
    one_error(run("serve", "--database-url", db, env={"KAKAO_GATEWAY_SECRET_KEY": "short"}), "SECRET_KEY", "at least")


def test_an_unusable_sms_upstream_stops_serve_with_one_line(db: str) -> None:
    one_error(run("serve", "--database-url", db, "--sms-upstream", "pigeon://k@h"), "--sms-upstream", "pigeon")


def test_the_sms_sender_setting_comes_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text('[gateway]\nsms_upstream = "sandbox"\nsms_sender = "15880000"\n')
    settings = cli_local.load_settings(None, str(config))
    assert (settings.sms_upstream, settings.sms_sender) == ("sandbox", "15880000")


# --- help ---------------------------------------------------------------------------------------------------------


def _commands(command: click.Command, path: str = "kakao-gateway") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")


def test_every_command_and_option_has_help_with_its_default() -> None:
    missing = []
    for path, command in _commands(typer.main.get_command(cli.app)):
        if not (command.help or command.short_help):
            missing.append(f"{path}: no help")
        for param in command.params:
            text = getattr(param, "help", None) or ""
            if not text:
                missing.append(f"{path} {param.name}: no help")
            if not isinstance(param, click.Option) or param.required or param.name in ("help",):
                continue
            if param.is_flag and not param.default and not param.secondary_opts:
                continue  # an on-switch: off unless given
            shown = param.show_default is not False and param.default not in (None, "")
            if not shown and "[default:" not in text:
                missing.append(f"{path} {param.name}: no default shown")
    assert not missing, "\n".join(missing)


def test_help_renders_at_80_columns() -> None:
    for args in (["serve", "--help"], ["send", "alim", "--help"], ["bulks", "watch", "--help"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


# --- settings flags on serve and worker ---------------------------------------------------------------------------


@dataclass
class Captured:
    settings: list[Settings]
    logging: list[tuple[str, str]]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Captured:
    """`serve` and `worker` up to the point where they would start: the settings they made, the logging they set."""
    seen = Captured([], [])

    class FakeGateway:
        def __init__(self, settings: Settings, **_: Any) -> None:
            seen.settings.append(settings)

        async def start(self) -> None:
            raise KeyboardInterrupt

        async def stop(self) -> None:
            return None

    class FakeServer:
        def __init__(self, config: Any) -> None:
            self.startup = None

        def run(self, sockets: Any = None) -> None:
            return None

    monkeypatch.setattr(cli_serve, "Gateway", FakeGateway)
    monkeypatch.setattr(cli_serve, "create_app", lambda gateway: None)
    monkeypatch.setattr(cli_serve.uvicorn, "Server", FakeServer)
    monkeypatch.setattr(cli_serve.database, "migrate", lambda url: None)
    monkeypatch.setattr(cli_serve, "listen", lambda host, port: socket.socket())  # no port taken
    monkeypatch.setattr(cli_serve, "_configure_logging", lambda s: seen.logging.append((s.log_level, s.log_format)))
    return seen


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize("how", ["flag", "env"])
def test_serve_and_worker_take_the_operations_settings(captured: Captured, command: str, how: str) -> None:
    args = [command, "--database-url", "postgresql://postgres@127.0.0.1:5432/unused"]
    env: dict[str, str] = {}
    if how == "flag":
        args += ["--log-format", "json", "--no-webhook-allow-private"]
        args += ["--link-retention-days", "30", "--click-retention-days", "7", "--log-level", "warning"]
    else:
        env = {
            "KAKAO_GATEWAY_LOG_FORMAT": "json",
            "KAKAO_GATEWAY_WEBHOOK_ALLOW_PRIVATE": "false",
            "KAKAO_GATEWAY_LINK_RETENTION_DAYS": "30",
            "KAKAO_GATEWAY_CLICK_RETENTION_DAYS": "7",
            "KAKAO_GATEWAY_LOG_LEVEL": "warning",
        }
    result = run(*args, env=env)
    assert result.exit_code == 0, result.output
    (settings,) = captured.settings
    assert settings.log_format == "json"
    assert settings.webhook_allow_private is False
    assert (settings.link_retention_days, settings.click_retention_days) == (30, 7)
    assert captured.logging == [("warning", "json")]


def test_the_operations_settings_default_to_the_settings_defaults(captured: Captured) -> None:
    assert run("serve").exit_code == 0
    (settings,) = captured.settings
    defaults = Settings()
    assert settings.webhook_allow_private is None
    assert settings.log_format == defaults.log_format
    assert settings.link_retention_days == defaults.link_retention_days
    assert settings.click_retention_days == defaults.click_retention_days


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_upstreams_given_again_are_the_ones_to_fail_over_to(captured: Captured, command: str, tmp_path: Path) -> None:
    first, second = "infobip://KEY@api.infobip.test", "nhn://kakaotalk-bizmessage.api.nhncloudservice.com"
    args = [command, "--database-url", "postgresql://postgres@127.0.0.1:5432/unused", "--kakao-upstream", first]
    args += ["--kakao-upstream", second, "--upstream-failures", "5", "--upstream-open-s", "60"]
    assert run(*args).exit_code == 0
    (settings,) = captured.settings
    assert (settings.kakao_upstream, settings.kakao_fallbacks) == (first, (second,))
    assert (settings.upstream_failures, settings.upstream_open_s) == (5, 60.0)
    config = tmp_path / "gateway.toml"
    config.write_text('[gateway]\nsms_upstream = ["sandbox", "infobip-sms://K@sms.test"]\n', encoding="utf-8")
    assert run(command, "--database-url", "postgresql://x@127.0.0.1/unused", "--config", str(config)).exit_code == 0
    assert (captured.settings[-1].sms_upstream, captured.settings[-1].sms_fallbacks) == (
        "sandbox",
        ("infobip-sms://K@sms.test",),
    )
    one_error(run(command, "--kakao-upstream", "sandbox", "--kakao-upstream", "pigeon://k@h"), "pigeon")


def test_engine_flag_mistakes_are_one_line(captured: Captured) -> None:
    one_error(run("serve", "--no-engine", "--database-url", "sqlite:///x.db"), "--no-engine needs PostgreSQL")
    one_error(run("worker", "--database-url", "sqlite:///x.db"), "workers need PostgreSQL")
    assert run("serve", "--log-format", "xml").exit_code == 2  # Click's usage error names the choices


# --- the demo key -------------------------------------------------------------------------------------------------


async def _demo_start(url: str) -> tuple[str, str]:
    settings = cli_demo.with_demo(Settings(database_url=url, engine=False, demo=True))
    gateway = Gateway(settings)
    await gateway.start()
    try:
        key = await cli_demo.demo_key(gateway, settings)
        return key, gateway.default_account_id
    finally:
        await gateway.stop()


async def test_serve_demo_reuses_its_key_across_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    cli_serve.database.migrate(url)
    first, account_id = await _demo_start(url)
    file = cli_demo.demo_key_file(url)
    assert file == tmp_path / "demo.db.demo-key"
    assert file.read_text().strip() == first
    assert file.stat().st_mode & 0o777 == 0o600
    second, _ = await _demo_start(url)
    assert second == first, "a restart made a new demo key"
    assert "Demo API key (kept in" in capsys.readouterr().out
    # A kept key that no longer works is replaced (and the new one kept).
    async with cli_serve.database.opened(url, SystemClock()) as ctx:
        (key,) = await accounts.list_keys(ctx, account_id)
        await accounts.revoke_key(ctx, account_id, key.id)
    third, _ = await _demo_start(url)
    assert third != first
    assert file.read_text().strip() == third
    assert (await _demo_start(url))[0] == third


# --- progress -----------------------------------------------------------------------------------------------------


def test_the_bar_keeps_its_width_at_80_columns() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    detail = "PROCESSING · 400 delivered · 3 failed · 0 expired · 0 canceled · 500 pending · 47 awaiting result"
    with ProgressReport(console, "a-bulk-id-of-some-length-0123456789abcdef") as report:
        report.update(450, 1000, detail)
    final = out.getvalue().rsplit("\x1b[2K", 1)[-1]
    bar_line = next(line for line in final.splitlines() if "450/1000" in line)
    bar = bar_line[bar_line.index("━") : bar_line.index("45%")]
    assert len(bar) >= 30, bar_line  # the detail has a line of its own and does not squeeze the bar
    assert abs(bar.count("━") - len(bar) * 0.45) <= 2, bar_line
    assert "PROCESSING · 400 delivered" in final


def test_plain_progress_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    now = [0.0]
    console = Console(file=out, force_terminal=False, width=80)
    with ProgressReport(console, "bulk-1", monotonic=lambda: now[0]) as report:
        report.update(0, 4, "PENDING · 4 pending")
        report.update(0, 4, "PENDING · 4 pending")  # nothing new
        report.update(0, 4, "PROCESSING · 3 pending")  # only the detail changed, too soon
        now[0] += QUIET_S
        report.update(0, 4, "PROCESSING · 2 pending")  # only the detail, but a while later
        report.update(3, 4, "PROCESSING · 1 pending")
        report.update(4, 4, "FINISHED")
    assert out.getvalue().splitlines() == [
        "bulk-1: 0/4 (0%) PENDING · 4 pending",
        "bulk-1: 0/4 (0%) PROCESSING · 2 pending",
        "bulk-1: 3/4 (75%) PROCESSING · 1 pending",
        "bulk-1: 4/4 (100%) FINISHED",
    ]
    assert "\x1b" not in out.getvalue()


# --- the CSV campaign's pieces ------------------------------------------------------------------------------------


def test_fill_replaces_variables_from_the_row() -> None:
    values = {"name": "Jimin", "order": "1234"}
    assert fill("Hello #{name}, order #{order}; #{other}", values) == "Hello Jimin, order 1234; #{other}"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("이름".encode(), None),
        (b"\xef\xbb\xbf" + "이름".encode(), None),  # Excel's "CSV UTF-8" starts with a BOM
        ("이름".encode("cp949"), None),
        ("이름".encode("euc-kr"), None),
        ("이름".encode("euc-kr"), "EUC-KR"),
        (b"\xef\xbb\xbf" + "이름".encode(), "utf-8"),
        ("이름".encode("utf-16"), "utf-16"),
    ],
)
def test_csv_text_is_decoded(content: bytes, encoding: str | None) -> None:
    assert cli_send.decoded(content, encoding, "f.csv") == "이름"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("010-1234-5678", "821012345678"), ("+82 10-1234-5678", "821012345678"), ("12345", "12345"), ("", "")],
)
def test_csv_destinations_are_sent_in_the_international_form(typed: str, sent: str) -> None:
    assert cli_send.destination_of(typed) == sent


def test_message_ids_depend_on_run_row_and_content() -> None:
    a = cli_send.message_id("run", 1, ["821000000001", "Jimin"])
    assert a == cli_send.message_id("run", 1, ["821000000001", "Jimin"])
    assert len({a, cli_send.message_id("run", 2, ["821000000001", "Jimin"])}) == 2
    assert len({a, cli_send.message_id("other", 1, ["821000000001", "Jimin"])}) == 2
    assert len({a, cli_send.message_id("run", 1, ["821000000001", "Jimi"])}) == 2
    assert len(a) <= 200


# --- against a real server ----------------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    key: str
    database_url: str
    log: Path | None = None  # what `serve` printed, where the fixture keeps it


def _executable() -> list[str]:
    script = Path(sys.executable).with_name("kakao-gateway")
    if script.exists():
        return [str(script)]
    found = shutil.which("kakao-gateway")
    return [found] if found else [sys.executable, "-c", "from kakao_gateway.cli import main; main()"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`kakao-gateway serve --demo` on a free port and a fresh SQLite file (the same on either test database)."""
    folder = tmp_path_factory.mktemp("serve")
    database_url = f"sqlite:///{folder / 'gateway.db'}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAKAO_GATEWAY_")}
    args = [*_executable(), "serve", "--demo", "--port", str(port), "--database-url", database_url]
    log = (folder / "serve.log").open("wb")
    process = subprocess.Popen(args, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    key_file = cli_demo.demo_key_file(database_url)
    try:
        deadline = time.monotonic() + 30
        while not key_file.exists():
            assert process.poll() is None, (folder / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}", key_file.read_text().strip(), database_url, folder / "serve.log")
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def api_env(server: Server) -> dict[str, str]:
    return {"KAKAO_GATEWAY_URL": server.url, "KAKAO_GATEWAY_API_KEY": server.key}


def test_the_demo_banner_names_the_console_and_the_docs(server: Server) -> None:
    assert server.log is not None
    deadline = time.monotonic() + 10
    while "API reference" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    banner = server.log.read_text()
    assert f"Web console: {server.url}/console" in banner
    assert f"API reference: {server.url}/docs" in banner
    assert httpx.get(f"{server.url}/console", follow_redirects=True).status_code == 200
    assert httpx.get(f"{server.url}/docs").status_code == 200


def test_server_not_running_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run("bulks", "status", "b1", "--url", url, "--api-key", "k")
    one_error(result, f"cannot reach the gateway at {url} (connection refused)", "kakao-gateway serve")


def test_no_api_key_is_one_line(server: Server) -> None:
    one_error(run("bulks", "status", "b1", "--url", server.url), "no API key", "--api-key", "KAKAO_GATEWAY_API_KEY")


def test_a_bad_api_key_is_one_line(server: Server) -> None:
    result = run("bulks", "watch", "b1", "--url", server.url, "--api-key", "wrong")
    one_error(result, "refused the API key (401", "--api-key")


def test_an_unknown_bulk_is_one_line(server: Server) -> None:
    one_error(run("bulks", "status", "nope", env=api_env(server)), "no bulk 'nope'")


def _csv(path: Path, rows: list[tuple[str, ...]], header: str = "destination,name,order") -> Path:
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _send(server: Server, csv: Path, *extra: str, template: str = "DEMO_ORDER", sender: str = "DEMO-SENDER") -> Result:
    args = ["send", "alim", "--csv", str(csv), "--template", template, "--sender", sender, *extra]
    return run(*args, env=api_env(server))


def test_send_alim_csv_sends_resumes_and_summarises(server: Server, tmp_path: Path) -> None:
    rows = [(f"8210000100{i:02d}", f"Name {i}", str(1000 + i)) for i in range(5)] + [("12345", "Bad", "1")]
    csv = _csv(tmp_path / "recipients.csv", rows)
    first = _send(server, csv, "--batch-size", "4", "--run-id", "campaign-1")
    assert first.exit_code == 1, first.output  # a row was rejected
    out = first.stdout
    assert "accepted:     5" in out
    assert "rejected:     1" in out
    assert "1 × REJECTED_DESTINATION" in out
    assert "row 6 (12345): REJECTED_DESTINATION" in out
    assert "bulkId:       csv-campaign-1" in out
    assert "csv-campaign-1: 4/6 (66%)" in out, "plain progress lines when not on a terminal"
    assert "Fix the rejected rows and run again with --run-id campaign-1" in out
    again = _send(server, csv, "--run-id", "campaign-1")
    assert again.exit_code == 1, again.output  # the row rejected by the first run is still rejected
    assert "already sent: 5" in again.stdout
    assert "accepted:     0" in again.stdout
    assert "rejected:     1 (1 of them in an earlier run)" in again.stdout
    assert "1 × REJECTED_DESTINATION: Invalid destination address" in again.stdout
    assert "row 6 (12345): REJECTED_DESTINATION (in an earlier run)" in again.stdout
    watched = run("bulks", "watch", "csv-campaign-1", "--interval", "0.1", env=api_env(server))
    assert watched.exit_code == 0, watched.output
    assert watched.stdout.splitlines()[-1].startswith("csv-campaign-1: 6/6 (100%) FINISHED · 5 delivered · 1 failed")
    logs = httpx.get(
        f"{server.url}/kakao-alim/1/logs",
        params={"bulkId": "csv-campaign-1", "limit": "100"},
        headers={"Authorization": f"App {server.key}"},
    ).json()["results"]
    texts = {log["destination"]: log["content"]["text"] for log in logs if log.get("content")}
    if texts:  # logs carry the text: the row's values went into the template's variables
        assert texts["821000010003"] == "Hello Name 3, your order 1003 has shipped."


@pytest.mark.parametrize("how", ["ctrl-c", "gateway gone"])
def test_an_interrupted_send_resumes_with_the_same_ids(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    case = 2 if how == "ctrl-c" else 3  # a file of its own per case: ids of their own
    csv = _csv(tmp_path / "r.csv", [(f"821000{case}00{i:02d}", f"N{i}", str(i)) for i in range(5)])
    real_call = cli_errors.ApiClient.call
    posts = []

    def interrupted(self: cli_errors.ApiClient, method: str, path: str, **kwargs: Any) -> Any:
        if method == "POST":
            posts.append(path)
            if len(posts) == 2:
                if how == "ctrl-c":
                    raise KeyboardInterrupt
                return real_call(cli_errors.ApiClient(f"http://127.0.0.1:{free_port()}", "k"), method, path, **kwargs)
        return real_call(self, method, path, **kwargs)

    monkeypatch.setattr(cli_errors.ApiClient, "call", interrupted)
    stopped = _send(server, csv, "--batch-size", "2")
    if how == "ctrl-c":
        assert stopped.exit_code == 130, stopped.output
    else:
        one_error(stopped, "cannot reach the gateway")
    assert "Interrupted: 2 of 5 rows answered" in stopped.stdout
    assert "Resume with the same command" in stopped.stdout
    monkeypatch.setattr(cli_errors.ApiClient, "call", real_call)
    resumed = _send(server, csv, "--batch-size", "2")
    assert resumed.exit_code == 0, resumed.output
    assert "accepted:     3" in resumed.stdout
    assert "already sent: 2" in resumed.stdout
    bulk = f"csv-{cli_send.run_id_of(csv.read_bytes())}"
    assert f"bulkId:       {bulk}" in stopped.stdout and f"bulkId:       {bulk}" in resumed.stdout


def _logs(server: Server, bulk_id: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.url}/kakao-alim/1/logs",
        params={"bulkId": bulk_id, "limit": "100"},
        headers={"Authorization": f"App {server.key}"},
    )
    assert response.status_code == 200, response.text
    assert_matches(response.json(), "/kakao-alim/1/logs", "get", 200)
    return response.json()["results"]  # type: ignore[no-any-return]


def test_send_alim_csv_takes_numbers_as_people_type_them(server: Server, tmp_path: Path) -> None:
    typed = ["010-2000-0001", "01020000002", "+82 10-2000-0003", "82-10-2000-0004", "010-5970-1234", "010-12"]
    csv = _csv(tmp_path / "typed.csv", [(t, f"N{i}", str(i)) for i, t in enumerate(typed)])
    result = _send(server, csv, "--run-id", "typed-1")
    assert result.exit_code == 1, result.output  # 010-12 is no number
    assert "accepted:     5" in result.stdout
    assert "row 6 (010-12): REJECTED_DESTINATION" in result.stdout
    sent = {log["destination"] for log in _logs(server, "csv-typed-1")}
    assert sent == {"821020000001", "821020000002", "821020000003", "821020000004", "821059701234", "010-12"}


@pytest.mark.parametrize(("encoding", "flag"), [("cp949", ()), ("euc-kr", ()), ("euc-kr", ("--encoding", "euc-kr"))])
def test_send_alim_csv_reads_korean_excel_files(
    server: Server, tmp_path: Path, encoding: str, flag: tuple[str, ...]
) -> None:
    """Korean Excel saves CSV in CP949 (EUC-KR's superset): read as such when the file is not UTF-8."""
    name = "김지민" if encoding == "euc-kr" else "똠방각하"  # 똠 is in CP949, not in EUC-KR
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(f"destination,name,order\r\n010-2000-0101,{name},7\r\n".encode(encoding))
    run_id = f"excel-{encoding}-{len(flag)}"
    result = _send(server, path, "--run-id", run_id, *flag)
    assert result.exit_code == 0, result.output
    (log,) = _logs(server, f"csv-{run_id}")
    assert log["destination"] == "821020000101"
    assert log["content"]["text"] == f"Hello {name}, your order 7 has shipped."


def test_send_alim_csv_encoding_mistakes_are_one_line(server: Server, tmp_path: Path) -> None:
    csv = _csv(tmp_path / "r.csv", [("010-2000-0201", "A", "1")])
    one_error(_send(server, csv, "--encoding", "klingon"), "unknown encoding 'klingon'", "cp949")
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes("destination,name,order\n010-2000-0202,김,1\n".encode("utf-16"))
    one_error(_send(server, utf16), "is neither UTF-8 nor CP949/EUC-KR", "--encoding")
    korean = tmp_path / "k.csv"
    korean.write_bytes("destination,name,order\n010-2000-0203,김지민,1\n".encode("cp949"))
    one_error(_send(server, korean, "--encoding", "utf-8"), "is not utf-8", "--encoding")


def test_send_alim_mistakes_are_one_line(server: Server, tmp_path: Path) -> None:
    csv = _csv(tmp_path / "r.csv", [("821000000001", "A", "1")])
    one_error(_send(server, csv, template="NOPE"), "unknown template 'NOPE' of sender 'DEMO-SENDER'", "templates list")
    one_error(_send(server, csv, sender="NOPE"), "unknown sender 'NOPE'", "senders add NOPE")
    no_order = _csv(tmp_path / "o.csv", [("821000000001", "A")], header="destination,name")
    one_error(_send(server, no_order), "no column for the template variable(s) order")
    no_destination = _csv(tmp_path / "d.csv", [("A", "1")], header="name,order")
    one_error(_send(server, no_destination), "no 'destination' column")
    one_error(_send(server, csv, "--run-id", "a b"), "invalid --run-id")
    empty = _csv(tmp_path / "e.csv", [])
    one_error(_send(server, empty), "has no rows")


async def test_register_basics_helper_still_works(client: httpx.AsyncClient) -> None:
    """Subscriptions of every known channel are still accepted after the unknown-channel rule."""
    await register_basics(client)
    body = {c: {"reportUrl": f"http://hooks.test/{c.lower()}"} for c in ("ALIM", "BRAND", "SANGDAM", "CLICK")}
    response = await client.put("/kakao/1/subscriptions", json=body)
    assert response.status_code == 200, response.text
    assert set(response.json()) == set(body)


def test_a_bad_log_level_is_one_line() -> None:
    one_error(run("serve", "--log-level", "loud", "--database-url", "sqlite:///unused.db"), "unknown log level 'loud'")
