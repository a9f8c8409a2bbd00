"""Statistics rollups: `stats_minute`, `stats_hour` and `stats_day`, counted as messages finish (store/rollups.py).

- messages.template_code: what the statistics group a message by (Alim: its template code; Brand and Sangdam: its
  message type), taken from its content once at accept; filled here for the rows already stored.
- The rollups start with every message already final, so their sums equal the final messages from the upgrade on.

Revision ID: 0025
Revises: 0024
"""

import math
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BUCKETS = 48  # as domain/rollups.py: half-octaves from 100 ms
HISTOGRAM = [f"h{i:02d}" for i in range(BUCKETS)]
# `shard`: the writing process's (store/rollups.py), so concurrent writers never wait on each other's rows.
KEY = [
    "account_id",
    "at",
    "channel",
    "sender",
    "template_code",
    "campaign_ref",
    "route",
    "status_id",
    "error_id",
    "shard",
]
PERIODS = {"stats_minute": 60_000, "stats_hour": 3_600_000, "stats_day": 86_400_000}
TOTALS = {"stats_hour_total": 3_600_000, "stats_day_total": 86_400_000}  # keyed by account, channel, status, error
BATCH = 5000


def _create(table: str) -> None:
    op.create_table(
        table,
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("template_code", sa.Text, nullable=False),
        sa.Column("campaign_ref", sa.Text, nullable=False),
        sa.Column("route", sa.Text, nullable=False),
        sa.Column("status_id", sa.Integer, nullable=False),
        sa.Column("error_id", sa.Integer, nullable=False),
        sa.Column("shard", sa.Integer, nullable=False, server_default="0"),
        sa.Column("group_id", sa.Integer, nullable=False),
        sa.Column("messages", sa.BigInteger, nullable=False),
        sa.Column("failovers", sa.BigInteger, nullable=False),
        *(sa.Column(h, sa.BigInteger, nullable=False) for h in HISTOGRAM),
        sa.PrimaryKeyConstraint(*KEY, name=f"pk_{table}"),
        sqlite_with_rowid=False,  # stored in key order: an account's range is one contiguous read
    )
    op.create_index(f"ix_{table}_at", table, ["at"])


def upgrade() -> None:
    op.add_column("messages", sa.Column("template_code", sa.Text, nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        extract = "content::jsonb ->> CASE WHEN channel = 'ALIM' THEN 'templateCode' ELSE 'type' END"
    else:
        extract = "json_extract(content, CASE WHEN channel = 'ALIM' THEN '$.templateCode' ELSE '$.type' END)"
    op.execute(f"UPDATE messages SET template_code = {extract}")
    for table in (*PERIODS, *TOTALS):
        _create(table)
    _count_final_messages(bind)


def _bucket(ms: int) -> int:
    if ms <= 100:
        return 0
    return min(BUCKETS - 1, math.ceil(2 * math.log2(ms / 100) - 1e-9))


def _count_final_messages(bind: sa.Connection) -> None:
    """Tally the final rows in batches by seq (memory stays bounded by the number of keys, not of messages)."""
    from kakao_gateway.domain.status import STATUS_BY_ID  # status ids and their groups never change

    groups = {s.id: s.group_id for s in STATUS_BY_ID.values()}
    sums: dict[str, dict[tuple[Any, ...], list[int]]] = {table: {} for table in (*PERIODS, *TOTALS)}
    after = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT seq, account_id, channel, sender, template_code, campaign_ref, route, status_id, error_id, "
                "hop, created_at, done_at FROM messages WHERE state = 'done' AND seq > :after ORDER BY seq LIMIT :n"
            ),
            {"after": after, "n": BATCH},
        ).all()
        if not rows:
            break
        after = rows[-1].seq
        for r in rows:
            done = r.done_at if r.done_at is not None else r.created_at
            for table, period in (*PERIODS.items(), *TOTALS.items()):
                detailed = table in PERIODS
                key = (
                    r.account_id,
                    done - done % period,
                    r.channel,
                    r.sender if detailed else "",
                    (r.template_code or "") if detailed else "",
                    (r.campaign_ref or "") if detailed else "",
                    r.route if detailed else "",
                    r.status_id,
                    r.error_id,
                )
                tally = sums[table].setdefault(key, [0] * (2 + BUCKETS))
                tally[0] += 1
                tally[1] += int(r.hop > 0)
                tally[2 + _bucket(done - r.created_at)] += 1
    columns = [*KEY[:-1], "group_id", "messages", "failovers", *HISTOGRAM]  # shard 0
    for table, tallies in sums.items():
        rows_out = [
            dict(zip(columns, (*key, groups.get(int(key[7]), 0), *tally), strict=True))
            for key, tally in tallies.items()
        ]
        insert = sa.text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})")
        for start in range(0, len(rows_out), BATCH):
            bind.execute(insert, rows_out[start : start + BATCH])


def downgrade() -> None:
    for table in (*PERIODS, *TOTALS):
        op.drop_table(table)
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("template_code")
