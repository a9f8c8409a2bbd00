"""Login users, OAuth clients and session tokens (Infobip's other ways to sign in).

A placeholder, filled in by the work that needs it: a no-op until then, so the revision chain stays whole.

Revision ID: 0021
Revises: 0020
"""

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
