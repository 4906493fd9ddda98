"""Fewer indexes to keep up on every mention written: each insert, each analysis and each
detection updates every index of the mention table.

The single-column indexes on brand and on incident_id repeat the first column of
ix_mention_brand_published and ix_mention_incident_voice, which answer the same look-ups;
analysis's queue becomes a partial index of the mentions not yet analysed, in the order
they are taken, instead of an index over every mention's analysed_at.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_PENDING = sa.text("analyzed_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_mention_brand", "mention")
    op.drop_index("ix_mention_incident_id", "mention")
    op.drop_index("ix_mention_pending_analysis", "mention")
    op.create_index(
        "ix_mention_analyze_queue",
        "mention",
        ["id"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_mention_analyze_queue", "mention")
    op.create_index("ix_mention_pending_analysis", "mention", ["analyzed_at"])
    op.create_index("ix_mention_incident_id", "mention", ["incident_id"])
    op.create_index("ix_mention_brand", "mention", ["brand"])
