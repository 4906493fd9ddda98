"""Labels from the team (a verdict on one mention, from Slack) and muted sites.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from wommon.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mention_id", sa.Integer(), sa.ForeignKey("mention.id"), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("labelled_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_label_mention_id", "label", ["mention_id"])
    op.create_table(
        "muted_site",
        sa.Column("brand", sa.String(length=200), primary_key=True),
        sa.Column("domain", sa.String(length=255), primary_key=True),
        sa.Column("muted_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("muted_site")
    op.drop_index("ix_label_mention_id", table_name="label")
    op.drop_table("label")
