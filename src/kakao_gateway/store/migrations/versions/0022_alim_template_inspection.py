"""Alim templates as dealers run them: emphasis, items, category, security, extra and ad text, inspection comments.

A placeholder, filled in by the work that needs it: a no-op until then, so the revision chain stays whole.

Revision ID: 0022
Revises: 0021
"""

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
