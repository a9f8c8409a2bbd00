"""sender_credentials: a sender's upstream credentials (NHN Cloud), encrypted with the server's secret key.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sender_credentials",
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("ciphertext", sa.Text, nullable=False),  # Fernet token of the credentials' JSON
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "sender"),
    )


def downgrade() -> None:
    op.drop_table("sender_credentials")
