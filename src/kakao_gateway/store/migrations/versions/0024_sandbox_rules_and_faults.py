"""Sandbox rules and API faults per account.

A placeholder, filled in by the work that needs it: a no-op until then, so the revision chain stays whole.

Revision ID: 0024
Revises: 0023
"""

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
