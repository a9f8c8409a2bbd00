"""Login users, OAuth clients and the tokens they sign in for (IBSSO sessions, Bearer access tokens).

Passwords, client secrets and tokens are stored hashed: the caller hands in the hashes."""

from __future__ import annotations

from dataclasses import dataclass

from .sql import Execute, Fetch, Op, Row

USER = "user"
CLIENT = "client"


@dataclass(frozen=True, slots=True)
class LoginUser:
    id: str
    account_id: str
    username: str
    password_hash: str
    scopes: frozenset[str]
    created_at: int
    disabled_at: int | None


@dataclass(frozen=True, slots=True)
class OAuthClient:
    id: str
    account_id: str
    name: str
    secret_hash: str
    scopes: frozenset[str]
    created_at: int
    revoked_at: int | None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A live token's owner as it stands now: the owner's account and scopes. `scheme`: IBSSO or Bearer."""

    scheme: str
    owner_id: str
    account_id: str
    account_name: str
    scopes: frozenset[str]
    seen_at: int
    expires_at: int


_USER_COLUMNS = "id, account_id, username, password_hash, scopes, created_at, disabled_at"
_CLIENT_COLUMNS = "id, account_id, name, secret_hash, scopes, created_at, revoked_at"


def _user(r: Row) -> LoginUser:
    return LoginUser(r[0], r[1], r[2], r[3], frozenset(r[4].split()), r[5], r[6])


def _client(r: Row) -> OAuthClient:
    return OAuthClient(r[0], r[1], r[2], r[3], frozenset(r[4].split()), r[5], r[6])


def add_user(user: LoginUser) -> Op[bool]:
    """Add a login user; False when a user that is not disabled holds the username (a disabled one is replaced).
    Two creations of one name at once: the unique index lets one in and the other finds the conflict (no error)."""
    yield Execute("DELETE FROM login_users WHERE username = ? AND disabled_at IS NOT NULL", (user.username,))
    inserted = yield Execute(
        f"INSERT INTO login_users ({_USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
        (
            user.id,
            user.account_id,
            user.username,
            user.password_hash,
            " ".join(sorted(user.scopes)),
            user.created_at,
            None,
        ),
    )
    return int(inserted) == 1


def find_user(username: str) -> Op[LoginUser | None]:
    """The user of `username` that is not disabled, if any."""
    rows = yield Fetch(
        f"SELECT {_USER_COLUMNS} FROM login_users WHERE username = ? AND disabled_at IS NULL", (username,)
    )
    return _user(rows[0]) if rows else None


def list_users(account_id: str) -> Op[list[LoginUser]]:
    rows = yield Fetch(
        f"SELECT {_USER_COLUMNS} FROM login_users WHERE account_id = ? ORDER BY created_at, id", (account_id,)
    )
    return [_user(r) for r in rows]


def disable_user(account_id: str, user_id: str, now: int) -> Op[bool]:
    """Disable a user and end its tokens; False when there is no such user that is not disabled."""
    changed = yield Execute(
        "UPDATE login_users SET disabled_at = ? WHERE account_id = ? AND id = ? AND disabled_at IS NULL",
        (now, account_id, user_id),
    )
    if changed:
        yield Execute("DELETE FROM auth_tokens WHERE owner_kind = ? AND owner_id = ?", (USER, user_id))
    return bool(changed)


def add_client(client: OAuthClient) -> Op[None]:
    yield Execute(
        f"INSERT INTO oauth_clients ({_CLIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            client.id,
            client.account_id,
            client.name,
            client.secret_hash,
            " ".join(sorted(client.scopes)),
            client.created_at,
            None,
        ),
    )


def find_client(client_id: str) -> Op[OAuthClient | None]:
    """The client of `client_id` that is not revoked, if any."""
    rows = yield Fetch(f"SELECT {_CLIENT_COLUMNS} FROM oauth_clients WHERE id = ? AND revoked_at IS NULL", (client_id,))
    return _client(rows[0]) if rows else None


def list_clients(account_id: str) -> Op[list[OAuthClient]]:
    rows = yield Fetch(
        f"SELECT {_CLIENT_COLUMNS} FROM oauth_clients WHERE account_id = ? ORDER BY created_at, id", (account_id,)
    )
    return [_client(r) for r in rows]


def revoke_client(account_id: str, client_id: str, now: int) -> Op[bool]:
    """Revoke a client and end its tokens; False when there is no such client that is not revoked."""
    changed = yield Execute(
        "UPDATE oauth_clients SET revoked_at = ? WHERE account_id = ? AND id = ? AND revoked_at IS NULL",
        (now, account_id, client_id),
    )
    if changed:
        yield Execute("DELETE FROM auth_tokens WHERE owner_kind = ? AND owner_id = ?", (CLIENT, client_id))
    return bool(changed)


def add_token(token_hash: str, scheme: str, owner_kind: str, owner_id: str, now: int, expires_at: int) -> Op[None]:
    """Store a new token, first deleting the tokens that are over."""
    yield Execute("DELETE FROM auth_tokens WHERE expires_at <= ?", (now,))
    yield Execute(
        "INSERT INTO auth_tokens (token_hash, scheme, owner_kind, owner_id, created_at, seen_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token_hash, scheme, owner_kind, owner_id, now, now, expires_at),
    )


def find_token(token_hash: str) -> Op[TokenRecord | None]:
    """The token and its owner as it stands now, in one statement: a look-up by primary key of the token, its owner
    and the owner's account. None when the token is unknown or its owner disabled or revoked; expiry is the caller's
    to check (`expires_at`)."""
    rows = yield Fetch(
        "SELECT t.scheme, t.owner_id, t.seen_at, t.expires_at, COALESCE(ua.id, ca.id) AS account_id, "
        "COALESCE(ua.name, ca.name) AS name, COALESCE(u.scopes, c.scopes) AS scopes "
        "FROM auth_tokens t "
        "LEFT JOIN login_users u ON t.owner_kind = 'user' AND u.id = t.owner_id AND u.disabled_at IS NULL "
        "LEFT JOIN accounts ua ON ua.id = u.account_id "
        "LEFT JOIN oauth_clients c ON t.owner_kind = 'client' AND c.id = t.owner_id AND c.revoked_at IS NULL "
        "LEFT JOIN accounts ca ON ca.id = c.account_id "
        "WHERE t.token_hash = ?",
        (token_hash,),
    )
    if not rows or rows[0]["account_id"] is None:
        return None
    r = rows[0]
    return TokenRecord(
        r["scheme"],
        r["owner_id"],
        r["account_id"],
        r["name"],
        frozenset(r["scopes"].split()),
        r["seen_at"],
        r["expires_at"],
    )


def touch_token(token_hash: str, now: int, expires_at: int) -> Op[None]:
    """A session token was used at `now`: it is over at `expires_at` unless used again."""
    yield Execute(
        "UPDATE auth_tokens SET seen_at = ?, expires_at = ? WHERE token_hash = ? AND seen_at < ?",
        (now, expires_at, token_hash, now),
    )


def delete_token(token_hash: str) -> Op[bool]:
    changed = yield Execute("DELETE FROM auth_tokens WHERE token_hash = ?", (token_hash,))
    return bool(changed)
