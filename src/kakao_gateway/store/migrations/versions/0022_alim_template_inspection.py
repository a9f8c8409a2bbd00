"""Alim templates as dealers run them: emphasis, items, category, security, extra and ad text, inspection comments.

New columns of alim_templates: the emphasis type and its fields (`details`, JSON), the category code, the security
flag, the message type; the inspection's comments (JSON, replacing the single `comment`), when its status last
changed (`status_at`), when the sandbox starts inspecting (`inspect_at`; `approve_at` stays the verdict's instant),
and `next_at`, the next planned transition, indexed for the engine's step that writes transitions and queues their
webhooks. Templates with a title become TEXT templates; a stored comment becomes the first comment, by the inspector.

Revision ID: 0022
Revises: 0021
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger()
INDEX = "ix_alim_templates_next"


def upgrade() -> None:
    with op.batch_alter_table("alim_templates") as batch:
        batch.add_column(sa.Column("emphasis_type", sa.Text, nullable=False, server_default="NONE"))
        batch.add_column(sa.Column("details", sa.Text, nullable=False, server_default="{}"))
        batch.add_column(sa.Column("category_code", sa.Text, nullable=False, server_default="999999"))
        batch.add_column(sa.Column("security_flag", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("message_type", sa.Text, nullable=False, server_default="BA"))
        batch.add_column(sa.Column("comments", sa.Text, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("status_at", BIGINT))
        batch.add_column(sa.Column("inspect_at", BIGINT))
        batch.add_column(sa.Column("next_at", BIGINT))
    _carry_over()
    with op.batch_alter_table("alim_templates") as batch:
        batch.drop_column("comment")
    op.create_index(INDEX, "alim_templates", ["next_at"])


def _carry_over() -> None:
    """Titles make TEXT templates, a comment the first comment, a planned approval the next transition."""
    bind = op.get_bind()
    op.execute("UPDATE alim_templates SET emphasis_type = 'TEXT' WHERE title IS NOT NULL")
    op.execute("UPDATE alim_templates SET status_at = updated_at")
    op.execute("UPDATE alim_templates SET next_at = approve_at WHERE status = 'REQUESTED' AND approve_at IS NOT NULL")
    rows = bind.execute(
        sa.text("SELECT account_id, sender, template_code, comment, updated_at FROM alim_templates WHERE comment <> ''")
    ).fetchall()
    for account_id, sender, code, comment, at in rows:
        comments = json.dumps([{"at": at, "author": "INSPECTOR", "text": comment}])
        bind.execute(
            sa.text(
                "UPDATE alim_templates SET comments = :c WHERE account_id = :a AND sender = :s AND template_code = :t"
            ),
            {"c": comments, "a": account_id, "s": sender, "t": code},
        )


def downgrade() -> None:
    op.drop_index(INDEX, "alim_templates")
    with op.batch_alter_table("alim_templates") as batch:
        batch.add_column(sa.Column("comment", sa.Text))
    with op.batch_alter_table("alim_templates") as batch:
        for column in (
            "next_at",
            "inspect_at",
            "status_at",
            "comments",
            "message_type",
            "category_code",
            "security_flag",
            "details",
            "emphasis_type",
        ):
            batch.drop_column(column)
