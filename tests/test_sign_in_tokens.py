"""Signing in as Infobip's clients do (issue 20, part 6): IBSSO session tokens from `POST /auth/1/session` and Bearer
tokens from `POST /auth/1/oauth2/token`, for the login users and OAuth clients the operator gives an account (admin
API and CLI). Tokens carry their owner's scopes, end with their owner, expire (sessions after an hour unused), work
in every process, and failed attempts are throttled like wrong keys. Time: the Authenticator's injected wall and
monotonic clocks, no sleeps."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from typer.testing import CliRunner

from kakao_gateway import cli
from kakao_gateway.app import Gateway, create_app
from kakao_gateway.clock import ManualClock
from kakao_gateway.config import Settings
from kakao_gateway.service.auth import SESSION_IDLE_MS, TOUCH_MS, Authenticator
from kakao_gateway.service.sign_in import ACCESS_TOKEN_S
from kakao_gateway.service.throttle import LIMIT, WINDOW_MS
from kakao_gateway.store import sign_in as store
from kakao_gateway.store.sql import Fetch, Op, Query

from .conftest import API_KEY, Receiver, started_gateway
from .helpers import alim_body, register_basics
from .spec import assert_api_error, assert_matches
from .test_query_plans import _execute, plans_of

LOGS = "/kakao-alim/1/logs"
SEND = "/kakao-alim/1/messages"
SESSION = "/auth/1/session"
TOKEN = "/auth/1/oauth2/token"
PASSWORD = "correct horse battery"
KAKAO = ["kakao:logs:read", "kakao:manage", "kakao:message:send", "message:send"]


class Clocks:
    """The Authenticator's clocks: wall-clock ms (token lifetimes) and monotonic ms (its cache and throttle)."""

    def __init__(self) -> None:
        self.wall = 1_795_924_800_000
        self.mono = 5_000_000

    def advance(self, ms: int) -> None:
        self.wall += ms
        self.mono += ms


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


def authenticator(gateway: Gateway, clocks: Clocks) -> Authenticator:
    return Authenticator(gateway.ctx, monotonic_ms=lambda: clocks.mono, wall_ms=lambda: clocks.wall)


@pytest.fixture
def app(gateway: Gateway, clocks: Clocks) -> Starlette:
    gateway.auth = authenticator(gateway, clocks)
    return create_app(gateway)


def client_of(app: Starlette, authorization: str | None = None, address: str = "203.0.113.1") -> httpx.AsyncClient:
    headers = {"Authorization": authorization} if authorization else {}
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test", headers=headers)


@pytest.fixture
async def operator(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    from .conftest import ADMIN_KEY

    async with client_of(app, f"App {ADMIN_KEY}", "192.0.2.1") as c:
        yield c


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert_api_error(body)
    assert body["errorCode"] == f"E{status}"
    return body


async def default_account(operator: httpx.AsyncClient) -> str:
    accounts = (await operator.get("/admin/1/accounts")).json()["results"]
    return str(next(a["id"] for a in accounts if a["name"] == "default"))


async def make_user(
    operator: httpx.AsyncClient, username: str = "ops", scopes: list[str] | None = None, account: str | None = None
) -> dict[str, Any]:
    account = account or await default_account(operator)
    payload: dict[str, Any] = {"username": username, "password": PASSWORD}
    if scopes is not None:
        payload["scopes"] = scopes
    r = await operator.post(f"/admin/1/accounts/{account}/users", json=payload)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def make_client(operator: httpx.AsyncClient, scopes: list[str] | None = None) -> dict[str, Any]:
    account = await default_account(operator)
    payload: dict[str, Any] = {"name": "crm"}
    if scopes is not None:
        payload["scopes"] = scopes
    r = await operator.post(f"/admin/1/accounts/{account}/oauth-clients", json=payload)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def session_token(c: httpx.AsyncClient, username: str = "ops", password: str = PASSWORD) -> str:
    r = await c.post(SESSION, json={"username": username, "password": password, "unsafe": False})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token"} and r.headers["cache-control"] == "no-store"
    return str(r.json()["token"])


async def bearer_token(c: httpx.AsyncClient, client_id: str, secret: str) -> dict[str, Any]:
    form = {"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}
    r = await c.post(TOKEN, data=form)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_login_user_signs_in_with_ibsso_sends_and_signs_out(
    app: Starlette, operator: httpx.AsyncClient
) -> None:
    async with client_of(app, f"App {API_KEY}") as keyed:
        await register_basics(keyed)
    await make_user(operator)
    async with client_of(app) as c:
        token = await session_token(c)
        c.headers["Authorization"] = f"IBSSO {token}"
        r = await c.post(SEND, json=alim_body("821012345678"))
        assert r.status_code == 200, r.text
        assert_matches(r.json(), SEND, "post", 200)
        assert (await c.get(LOGS)).status_code == 200
        assert (await c.delete(SESSION)).status_code == 204
        assert_error(await c.get(LOGS), 401)
        assert_error(await c.delete(SESSION), 401)


async def test_wrong_credentials_answer_401_and_bad_bodies_400(app: Starlette, operator: httpx.AsyncClient) -> None:
    await make_user(operator)
    async with client_of(app) as c:
        assert_error(await c.post(SESSION, json={"username": "ops", "password": "wrong password"}), 401)
        assert_error(await c.post(SESSION, json={"username": "nobody", "password": PASSWORD}), 401)
        body = assert_error(await c.post(SESSION, json={"username": "ops"}), 400)
        assert [v["property"] for v in body["violations"]] == ["password"]
        assert_error(await c.delete(SESSION), 401)
        assert_error(await c.delete(SESSION, headers={"Authorization": f"App {API_KEY}"}), 401)
        assert_error(await c.get(LOGS, headers={"Authorization": "IBSSO 2f9b4d31-2d0d-49a8-85f0-9b862bdca394"}), 401)


async def test_a_session_expires_after_an_hour_unused_and_lives_while_used(
    app: Starlette, operator: httpx.AsyncClient, clocks: Clocks
) -> None:
    await make_user(operator)
    async with client_of(app) as c:
        token = await session_token(c)
        c.headers["Authorization"] = f"IBSSO {token}"
        for _ in range(3):  # used every 59 minutes: three hours and more
            clocks.advance(SESSION_IDLE_MS - TOUCH_MS)
            assert (await c.get(LOGS)).status_code == 200
        clocks.advance(SESSION_IDLE_MS)
        assert_error(await c.get(LOGS), 401)


async def test_a_session_records_its_use_at_most_once_a_minute(
    app: Starlette, gateway: Gateway, operator: httpx.AsyncClient, clocks: Clocks
) -> None:
    await make_user(operator)
    async with client_of(app) as c:
        token = await session_token(c)
        start = clocks.wall
        c.headers["Authorization"] = f"IBSSO {token}"
        for _ in range(5):
            clocks.advance(10_000)
            assert (await c.get(LOGS)).status_code == 200
        assert await seen_at(gateway, token) == start, "used for 50 s: not written"
        clocks.advance(TOUCH_MS)
        assert (await c.get(LOGS)).status_code == 200
        assert await seen_at(gateway, token) == clocks.wall


async def seen_at(gateway: Gateway, token: str) -> int:
    def read() -> Op[int]:
        rows = yield Fetch("SELECT seen_at FROM auth_tokens WHERE token_hash = ?", (sha256(token),))
        return int(rows[0][0])

    return await gateway.db.read(read())


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_an_oauth_client_gets_a_bearer_token_that_expires(
    app: Starlette, operator: httpx.AsyncClient, clocks: Clocks
) -> None:
    made = await make_client(operator)
    assert set(made) == {"clientId", "clientSecret", "name", "scopes"} and made["scopes"] == KAKAO
    async with client_of(app) as c:
        form = {
            "client_id": made["clientId"],
            "client_secret": made["clientSecret"],
            "grant_type": "client_credentials",
        }
        r = await c.post(TOKEN, data=form)
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        body = r.json()
        assert set(body) == {"access_token", "expires_in", "token_type"}
        assert body["expires_in"] == ACCESS_TOKEN_S and body["token_type"] == "Bearer"
        c.headers["Authorization"] = f"Bearer {body['access_token']}"
        assert (await c.get(LOGS)).status_code == 200
        assert_error(await c.get(LOGS, headers={"Authorization": f"IBSSO {body['access_token']}"}), 401)
        clocks.advance(ACCESS_TOKEN_S * 1000 - 1)
        assert (await c.get(LOGS)).status_code == 200, "used or not, a Bearer token lives its expires_in"
        clocks.advance(1)
        assert_error(await c.get(LOGS), 401)


async def test_the_grant_is_read_as_infobip_clients_send_it(app: Starlette, operator: httpx.AsyncClient) -> None:
    """In the form body; in the query string (Infobip's Node.js client); with the client's id and secret in Basic
    (RFC 6749); and with a login user's username and password as client_id and client_secret (Infobip's docs)."""
    made = await make_client(operator)
    await make_user(operator)
    grant = {"client_id": made["clientId"], "client_secret": made["clientSecret"], "grant_type": "client_credentials"}
    basic = base64.b64encode(f"{made['clientId']}:{made['clientSecret']}".encode()).decode()
    async with client_of(app) as c:
        answers = [
            await c.post(TOKEN, params=grant),
            await c.post(TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}),
            await c.post(TOKEN, data={**grant, "client_id": "ops", "client_secret": PASSWORD}),
        ]
        for r in answers:
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            assert (await c.get(LOGS, headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_token_endpoint_errors_are_api_errors(app: Starlette, operator: httpx.AsyncClient) -> None:
    made = await make_client(operator)
    grant = {"client_id": made["clientId"], "client_secret": made["clientSecret"], "grant_type": "client_credentials"}
    async with client_of(app) as c:
        assert_error(await c.post(TOKEN, data={**grant, "client_secret": "wrong"}), 401)
        assert_error(await c.post(TOKEN, data={**grant, "client_id": "unknown"}), 401)
        body = assert_error(await c.post(TOKEN, data={**grant, "grant_type": "password"}), 400)
        assert body["violations"] == [{"property": "grant_type", "violation": "must be client_credentials"}]
        body = assert_error(await c.post(TOKEN), 400)
        assert {v["property"] for v in body["violations"]} == {"client_id", "client_secret", "grant_type"}
        assert_error(await c.post(TOKEN, json=grant), 415)
        assert_error(await c.post(TOKEN, data={**grant, "client_id": "a\x00b"}), 400)


async def test_tokens_carry_their_owners_scopes(app: Starlette, operator: httpx.AsyncClient) -> None:
    async with client_of(app, f"App {API_KEY}") as keyed:
        await register_basics(keyed)
    await make_user(operator, "reader", ["kakao:logs:read"])
    made = await make_client(operator, ["kakao:logs:read"])
    async with client_of(app) as c:
        bearer = (await bearer_token(c, made["clientId"], made["clientSecret"]))["access_token"]
        for authorization in (f"IBSSO {await session_token(c, 'reader')}", f"Bearer {bearer}"):
            c.headers["Authorization"] = authorization
            assert (await c.get(LOGS)).status_code == 200
            assert_error(await c.post(SEND, json=alim_body("821012345678")), 403)
            assert_error(await c.get("/admin/1/accounts"), 401)


async def test_disabling_a_user_or_revoking_a_client_ends_their_tokens(
    app: Starlette, operator: httpx.AsyncClient
) -> None:
    account = await default_account(operator)
    user = await make_user(operator)
    made = await make_client(operator)
    async with client_of(app) as c:
        ibsso = f"IBSSO {await session_token(c)}"
        bearer = f"Bearer {(await bearer_token(c, made['clientId'], made['clientSecret']))['access_token']}"
        user_bearer = f"Bearer {(await bearer_token(c, 'ops', PASSWORD))['access_token']}"
        for authorization in (ibsso, bearer, user_bearer):
            assert (await c.get(LOGS, headers={"Authorization": authorization})).status_code == 200
        assert (await operator.delete(f"/admin/1/accounts/{account}/users/{user['id']}")).status_code == 204
        assert (
            await operator.delete(f"/admin/1/accounts/{account}/oauth-clients/{made['clientId']}")
        ).status_code == 204
        for authorization in (ibsso, bearer, user_bearer):
            assert_error(await c.get(LOGS, headers={"Authorization": authorization}), 401)
        assert_error(await c.post(SESSION, json={"username": "ops", "password": PASSWORD}), 401)
        users = (await operator.get(f"/admin/1/accounts/{account}/users")).json()["results"]
        clients = (await operator.get(f"/admin/1/accounts/{account}/oauth-clients")).json()["results"]
        assert [u["disabled"] for u in users] == [True] and [k["revoked"] for k in clients] == [True]
        assert_error(await operator.delete(f"/admin/1/accounts/{account}/users/{user['id']}"), 404)
        assert_error(await operator.delete(f"/admin/1/accounts/{account}/oauth-clients/{made['clientId']}"), 404)


async def test_tokens_work_in_every_process_and_end_there_within_a_second(
    app: Starlette, operator: httpx.AsyncClient, settings: Settings, clock: ManualClock, clocks: Clocks
) -> None:
    """A second gateway process on the same database takes the first one's tokens, and sees a sign-out or a
    revocation there once its short cache lapses."""
    made = await make_client(operator)
    await make_user(operator)
    async with started_gateway(settings, clock, Receiver()) as other:
        other.auth = authenticator(other, clocks)
        elsewhere = create_app(other)
        async with client_of(app) as here, client_of(elsewhere) as there:
            ibsso = f"IBSSO {await session_token(here)}"
            bearer = f"Bearer {(await bearer_token(there, made['clientId'], made['clientSecret']))['access_token']}"
            for c in (here, there):
                for authorization in (ibsso, bearer):
                    assert (await c.get(LOGS, headers={"Authorization": authorization})).status_code == 200
            assert (await there.delete(SESSION, headers={"Authorization": ibsso})).status_code == 204
            account = await default_account(operator)
            await operator.delete(f"/admin/1/accounts/{account}/oauth-clients/{made['clientId']}")
            clocks.advance(1_000)  # the cache of answers lapses
            for c in (here, there):
                for authorization in (ibsso, bearer):
                    assert_error(await c.get(LOGS, headers={"Authorization": authorization}), 401)


async def test_failed_sign_ins_are_throttled_like_wrong_keys(
    app: Starlette, operator: httpx.AsyncClient, clocks: Clocks
) -> None:
    made = await make_client(operator)
    await make_user(operator)
    grant = {"client_id": made["clientId"], "client_secret": made["clientSecret"], "grant_type": "client_credentials"}
    async with client_of(app, address="203.0.113.7") as c:
        for i in range(LIMIT):
            assert_error(await c.post(SESSION, json={"username": "ops", "password": f"guess {i}"}), 401)
        r = await c.post(SESSION, json={"username": "ops", "password": PASSWORD})
        assert_error(r, 429)
        assert int(r.headers["retry-after"]) == WINDOW_MS // 1000, "even the right password"
        assert_error(await c.post(TOKEN, data=grant), 429)
    async with client_of(app, address="198.51.100.1") as elsewhere:
        r = await elsewhere.post(SESSION, json={"username": "ops", "password": PASSWORD})
        assert_error(r, 429)  # the username's guesses hold it from any address
        assert (await elsewhere.post(TOKEN, data=grant)).status_code == 200, "another client id is let through"
    async with client_of(app, address="203.0.113.7") as c:
        clocks.advance(WINDOW_MS)
        assert (await c.post(TOKEN, data=grant)).status_code == 200
    async with client_of(app, address="203.0.113.8") as c:
        for i in range(LIMIT):
            assert_error(await c.post(TOKEN, data={**grant, "client_secret": f"guess {i}"}), 401)
        assert_error(await c.post(TOKEN, data=grant), 429)
    async with client_of(app, address="203.0.113.9") as c:
        for i in range(LIMIT):
            assert_error(
                await c.get(LOGS, headers={"Authorization": f"IBSSO {i:08x}-0000-4000-8000-000000000000"}), 401
            )
        assert_error(await c.get(LOGS, headers={"Authorization": f"App {API_KEY}"}), 429)


async def test_a_throttled_username_holds_no_other_user_that_shares_its_first_letters(
    app: Starlette, operator: httpx.AsyncClient
) -> None:
    await make_user(operator, "shop-admin-1")
    await make_user(operator, "shop-admin-2")
    for i in range(LIMIT):
        async with client_of(app, address=f"203.0.113.{i + 10}") as c:
            assert_error(await c.post(SESSION, json={"username": "shop-admin-1", "password": f"guess {i}"}), 401)
    async with client_of(app, address="198.51.100.2") as c:
        assert_error(await c.post(SESSION, json={"username": "shop-admin-1", "password": PASSWORD}), 429)
        assert (await c.post(SESSION, json={"username": "shop-admin-2", "password": PASSWORD})).status_code == 200


async def test_passwords_secrets_and_tokens_are_stored_hashed(
    app: Starlette, gateway: Gateway, operator: httpx.AsyncClient
) -> None:
    await make_user(operator)
    made = await make_client(operator)
    async with client_of(app) as c:
        tokens = [
            await session_token(c),
            (await bearer_token(c, made["clientId"], made["clientSecret"]))["access_token"],
        ]

    def dump() -> Op[list[str]]:
        found: list[str] = []
        for table in ("login_users", "oauth_clients", "auth_tokens"):
            rows = yield Fetch(f"SELECT * FROM {table}")
            found += [str(v) for r in rows for v in tuple(r)]
        return found

    stored = await gateway.db.read(dump())
    assert not [v for v in stored for secret in (PASSWORD, made["clientSecret"], *tokens) if secret in v]
    assert any(v.startswith("scrypt$16384$8$1$") for v in stored)
    assert sha256(made["clientSecret"]) in stored and all(sha256(t) in stored for t in tokens)


async def test_the_admin_api_manages_users_and_clients(app: Starlette, operator: httpx.AsyncClient) -> None:
    account = await default_account(operator)
    user = await make_user(operator, "agent", ["console"])
    assert set(user) == {"id", "username", "scopes"} and user["scopes"] == ["console"]
    assert_error(
        await operator.post(f"/admin/1/accounts/{account}/users", json={"username": "agent", "password": PASSWORD}), 409
    )
    body = assert_error(
        await operator.post(f"/admin/1/accounts/{account}/users", json={"username": "a b", "password": "short"}), 400
    )
    assert {v["property"] for v in body["violations"]} == {"username", "password"}
    assert_error(await operator.post("/admin/1/accounts/nope/users", json={"username": "x", "password": PASSWORD}), 404)
    assert_error(await operator.post("/admin/1/accounts/nope/oauth-clients", json={}), 404)
    listed = (await operator.get(f"/admin/1/accounts/{account}/users")).json()["results"]
    assert [(u["id"], u["username"], u["scopes"], u["disabled"]) for u in listed] == [
        (user["id"], "agent", ["console"], False)
    ]
    assert (await operator.delete(f"/admin/1/accounts/{account}/users/{user['id']}")).status_code == 204
    again = await make_user(operator, "agent")  # a disabled user's name can be given again
    assert again["id"] != user["id"] and again["scopes"] == KAKAO
    async with client_of(app, f"App {API_KEY}") as keyed:
        assert_error(await keyed.get(f"/admin/1/accounts/{account}/users"), 401)
        assert_error(await keyed.post(f"/admin/1/accounts/{account}/oauth-clients", json={}), 401)


def test_the_cli_manages_users_and_oauth_clients(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"COLUMNS": "120", "KAKAO_GATEWAY_DATABASE_URL": ""}

    def run(*args: str) -> Any:
        result = CliRunner().invoke(cli.app, [*args, "--database-url", db, "--json"], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    CliRunner().invoke(cli.app, ["accounts", "list", "--database-url", db, "--create"], env=env)
    user = run("users", "create", "ops", "--password", PASSWORD, "--scope", "kakao:logs:read")
    assert user["username"] == "ops" and user["scopes"] == ["kakao:logs:read"]
    made = run("oauth-clients", "create", "--name", "crm")
    assert made["name"] == "crm" and len(made["clientSecret"]) >= 32
    assert [u["username"] for u in run("users", "list")] == ["ops"]
    assert [c["clientId"] for c in run("oauth-clients", "list")] == [made["clientId"]]
    assert run("users", "disable", user["id"]) == {"id": user["id"], "disabled": True}
    assert run("oauth-clients", "revoke", made["clientId"]) == {"clientId": made["clientId"], "revoked": True}
    assert [u["disabled"] for u in run("users", "list")] == [True]
    assert [c["revoked"] for c in run("oauth-clients", "list")] == [True]
    bad = CliRunner().invoke(cli.app, ["users", "create", "x", "--password", "short", "--database-url", db], env=env)
    assert bad.exit_code != 0 and "password" in bad.output


# --- every request with a token looks it up: by index, however many tokens, users and clients there are -----------

TOKEN_ROWS = 20_000
# the tables, or their aliases in the look-up of a token (t, u, c, and the accounts ua and ca)
TOKEN_TABLES = "auth_tokens|login_users|oauth_clients|accounts|t|u|c|ua|ca"
TOKEN_SCAN = re.compile(rf"^SCAN ({TOKEN_TABLES})\b|Seq Scan on ({TOKEN_TABLES})\b")


def _fill_tokens(account_id: str) -> list[str]:
    n = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {TOKEN_ROWS}) "
    return [
        n + "INSERT INTO accounts (id, name, created_at) SELECT 'a-' || i, 'account-' || i, i FROM n",
        n + "INSERT INTO login_users (id, account_id, username, password_hash, scopes, created_at) "
        f"SELECT 'u-' || i, '{account_id}', 'user-' || i, 'scrypt$', 'kakao:manage', i FROM n",
        n + "INSERT INTO oauth_clients (id, account_id, name, secret_hash, scopes, created_at) "
        f"SELECT 'c-' || i, '{account_id}', 'c', 'h-' || i, 'kakao:manage', i FROM n",
        n + "INSERT INTO auth_tokens (token_hash, scheme, owner_kind, owner_id, created_at, seen_at, expires_at) "
        "SELECT 't-' || i, 'IBSSO', CASE WHEN i % 2 = 0 THEN 'user' ELSE 'client' END, "
        "CASE WHEN i % 2 = 0 THEN 'u-' ELSE 'c-' END || i, i, i, i + 3600000 FROM n",
    ]


def _token_statements(account_id: str) -> Iterator[tuple[str, Query]]:
    yield "find token", next(store.find_token("t-7"))
    yield "touch token", next(store.touch_token("t-7", 10, 20))
    yield "delete token", next(store.delete_token("t-7"))
    yield "expired tokens", next(store.add_token("t-new", "IBSSO", "user", "u-1", 50, 100))
    yield "find user", next(store.find_user("user-7"))
    yield "find client", next(store.find_client("c-7"))
    disable = store.disable_user(account_id, "u-8", 1)
    next(disable)
    yield "a user's tokens", disable.send(1)
    revoke = store.revoke_client(account_id, "c-9", 1)
    next(revoke)
    yield "a client's tokens", revoke.send(1)


async def test_token_statements_are_served_by_indexes(gateway: Gateway) -> None:
    for sql in _fill_tokens(gateway.default_account_id):
        await gateway.db.write(_execute(sql))
    plans = await plans_of(
        gateway,
        _token_statements(gateway.default_account_id),
        "accounts",
        "login_users",
        "oauth_clients",
        "auth_tokens",
    )
    assert len(plans) == 8
    scans = {n: p for n, p in plans.items() if any(TOKEN_SCAN.search(line) for line in p)}
    assert not scans, "\n\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in scans.items())
