"""Opt-out (do-not-send) lists per account.

A placeholder, filled in by the work that needs it: a no-op until then, so the revision chain stays whole.

Revision ID: 0023
Revises: 0022
"""

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
