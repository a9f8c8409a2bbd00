"""Kakao Sangdam: sessions, the transcript (both directions, which is also the inbound queue), keywords.

- sangdam_sessions: one row per session of a user with a sender; at most one open per (account, sender, user).
  `expires_at` is the last activity plus the account's inactivity timeout; `inflight` is 1 while a forwarding batch
  of the session is in the outbox, so later inbound messages wait behind it (order per session).
- sangdam_messages: every message of a session in order (seq). Inbound rows carry their forwarding state:
  `none` (no inbound URL: pullable), `queued` (may go into the outbox), `held` (waits behind a batch of its session
  in the outbox), `forwarding` (in outbox row `outbox_seq`), `pushed`, `exhausted` (pushes gave up: pullable).
- sangdam_keywords: keywords an account registered; an inbound text equal to one carries it as `keyword`.
- sangdam_forwarder: one row, locked by the forwarding step so that workers forward one after the other.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger()
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
OPEN = sa.text("state = 'open'")
QUEUED = sa.text("forward_state = 'queued'")
WAITING = sa.text("forward_state IN ('queued', 'held')")
FORWARDING = sa.text("forward_state = 'forwarding'")
PULLABLE = sa.text("pulled_at IS NULL AND forward_state IN ('none', 'exhausted')")


def upgrade() -> None:
    op.create_table(
        "sangdam_sessions",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.Text, nullable=False, unique=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("user_key", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),  # open | closed
        sa.Column("opened_at", BIGINT, nullable=False),
        sa.Column("last_activity_at", BIGINT, nullable=False),
        sa.Column("expires_at", BIGINT, nullable=False),
        sa.Column("closed_at", BIGINT),
        sa.Column("close_reason", sa.Text),  # TERMINATED | EXPIRED
        sa.Column("inflight", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index(
        "ux_sangdam_sessions_open",
        "sangdam_sessions",
        ["account_id", "sender", "user_key"],
        unique=True,
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.create_index(
        "ix_sangdam_sessions_expiry", "sangdam_sessions", ["expires_at"], postgresql_where=OPEN, sqlite_where=OPEN
    )
    op.create_index("ix_sangdam_sessions_account", "sangdam_sessions", ["account_id", "seq"])
    op.create_index("ix_sangdam_sessions_user", "sangdam_sessions", ["account_id", "sender", "user_key", "seq"])
    op.create_table(
        "sangdam_messages",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("direction", sa.Text, nullable=False),  # INBOUND | OUTBOUND
        sa.Column("sender", sa.Text, nullable=False),  # the business's sender (channel)
        sa.Column("user_key", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),  # JSON: the inbound `message` or the outbound `content`
        sa.Column("created_at", BIGINT, nullable=False),
        sa.Column("paired_message_id", sa.Text),
        sa.Column("callback_data", sa.Text),
        sa.Column("keyword", sa.Text),
        sa.Column("forward_state", sa.Text),  # inbound only (see above)
        sa.Column("outbox_seq", BIGINT),
        sa.Column("pulled_at", BIGINT),
    )
    op.create_index("ix_sangdam_messages_session", "sangdam_messages", ["session_id", "seq"])
    op.create_index("ux_sangdam_messages_id", "sangdam_messages", ["account_id", "message_id"], unique=True)
    for name, columns, where in (
        ("ix_sangdam_messages_queued", ["seq"], QUEUED),
        ("ix_sangdam_messages_waiting", ["account_id"], WAITING),
    ):
        op.create_index(name, "sangdam_messages", columns, postgresql_where=where, sqlite_where=where)
    op.create_index(
        "ix_sangdam_messages_forwarding",
        "sangdam_messages",
        ["outbox_seq"],
        postgresql_where=FORWARDING,
        sqlite_where=FORWARDING,
    )
    op.create_index(
        "ix_sangdam_messages_pullable",
        "sangdam_messages",
        ["account_id", "seq"],
        postgresql_where=PULLABLE,
        sqlite_where=PULLABLE,
    )
    op.create_table(
        "sangdam_keywords",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("keyword", sa.Text, primary_key=True),  # stored folded (lower case, trimmed)
        sa.Column("display", sa.Text, nullable=False),  # as registered
    )
    op.create_table("sangdam_forwarder", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO sangdam_forwarder (id) VALUES (1)")


def downgrade() -> None:
    for table in ("sangdam_forwarder", "sangdam_keywords", "sangdam_messages", "sangdam_sessions"):
        op.drop_table(table)
