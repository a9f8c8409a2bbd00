"""accounts.kakao_upstream: an account's own Kakao upstream URL (NULL: the server's).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("kakao_upstream", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("kakao_upstream")
