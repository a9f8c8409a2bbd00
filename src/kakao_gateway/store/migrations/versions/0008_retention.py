"""Retention of short links and clicks: indexes by age, so the maintenance purge finds old rows without a scan.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_short_links_created", "short_links", ["created_at"])
    op.create_index("ix_clicks_clicked", "clicks", ["clicked_at"])


def downgrade() -> None:
    op.drop_index("ix_clicks_clicked", "clicks")
    op.drop_index("ix_short_links_created", "short_links")
