"""Ordered upstream lists per account: an account's Kakao and SMS upstreams beyond its preferred one.

`accounts.kakao_upstream` / `sms_upstream` keep the preferred (first) URL; `kakao_fallbacks` / `sms_fallbacks` hold
the rest, in order, as a JSON array of URLs (NULL: none). The engine sends a message to the first healthy one
(engine/upstream_routes.py).

Revision ID: 0029
Revises: 0028
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("kakao_fallbacks", sa.Text, nullable=True))
    op.add_column("accounts", sa.Column("sms_fallbacks", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("sms_fallbacks")
        batch.drop_column("kakao_fallbacks")
