"""Detection: the spread model's state on incidents, grouping indexes, brand baselines.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wommon.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("voices", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("alerted_severity", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("spread", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("p_viral", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("surprise", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("centroid", sa.LargeBinary(), nullable=True))
    op.create_index("ix_mention_fingerprint", "mention", ["fingerprint"])
    op.create_index("ix_mention_uid", "mention", ["uid"])
    op.create_index("ix_mention_incident_domain", "mention", ["incident_id", "domain"])
    op.create_index("ix_mention_incident_author", "mention", ["incident_id", "author"])
    op.create_index("ix_mention_brand_published", "mention", ["brand", "published_at"])
    op.create_table(
        "brand_hour",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("brand", sa.String(length=200), nullable=False),
        sa.Column("hour", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("brand", "hour", name="uq_brand_hour"),
    )


def downgrade() -> None:
    op.drop_table("brand_hour")
    op.drop_index("ix_mention_brand_published", "mention")
    op.drop_index("ix_mention_incident_author", "mention")
    op.drop_index("ix_mention_incident_domain", "mention")
    op.drop_index("ix_mention_uid", "mention")
    op.drop_index("ix_mention_fingerprint", "mention")
    with op.batch_alter_table("incident") as batch_op:
        for column in ("centroid", "surprise", "p_viral", "spread", "alerted_severity", "voices"):
            batch_op.drop_column(column)
