"""Mentions counted by language and verdict in summary rows, so metrics and health need
not count the mention table on every scrape; filled once from the mentions stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_tally",
        sa.Column("language", sa.String(length=16), primary_key=True),
        sa.Column("verdict", sa.String(length=16), primary_key=True),
        sa.Column("mentions", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        """
        INSERT INTO mention_tally (language, verdict, mentions)
        SELECT
            CASE WHEN analyzed_at IS NULL THEN 'unknown' ELSE COALESCE(language, 'unknown') END,
            CASE WHEN analyzed_at IS NULL THEN 'pending'
                 WHEN negative THEN 'negative' ELSE 'other' END,
            COUNT(*)
        FROM mention
        GROUP BY 1, 2
        """
    )


def downgrade() -> None:
    op.drop_table("mention_tally")
