"""Login users, OAuth clients and session tokens (Infobip's other ways to sign in).

- login_users: an account's users who sign in with a username (unique over every account) and a password (its scrypt
  hash); the scopes their tokens carry; `disabled_at` once disabled (the username stays theirs until replaced).
- oauth_clients: an account's OAuth 2.0 clients (client credentials grant): `id` is the client_id, `secret_hash`
  the SHA-256 of the secret; the scopes their tokens carry; `revoked_at` once revoked.
- auth_tokens: the IBSSO session tokens and Bearer access tokens handed out, by the SHA-256 of the token; whose they
  are (`owner_kind` 'user' or 'client', `owner_id`), when made, last used and over (`expires_at`: for a session,
  pushed on as it is used).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_users",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("disabled_at", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_login_users_account", "login_users", ["account_id", "created_at"])
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_oauth_clients_account", "oauth_clients", ["account_id", "created_at"])
    op.create_table(
        "auth_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("scheme", sa.Text, nullable=False),
        sa.Column("owner_kind", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_auth_tokens_owner", "auth_tokens", ["owner_kind", "owner_id"])
    op.create_index("ix_auth_tokens_expiry", "auth_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("auth_tokens")
    op.drop_table("oauth_clients")
    op.drop_table("login_users")
