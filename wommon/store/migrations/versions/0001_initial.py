"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 10:55:22.600401
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import wommon.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("key_terms", sa.Text(), nullable=False),
        sa.Column("aspect", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("seed_mention_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("alerted_mentions", sa.Integer(), nullable=False),
        sa.Column("forecast_size", sa.Float(), nullable=True),
        sa.Column("forecast_threshold_at", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("historical", sa.Boolean(), nullable=False),
        sa.Column("slack_channel", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("slack_ts", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("updated_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index("ix_incident_brand_state", ["brand", "state"], unique=False)

    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_success_at", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_fetch_at", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("lease_until", wommon.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_next_due_at"), ["next_due_at"], unique=False)

    op.create_table(
        "mention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("domain", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("published_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("fetched_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("historical", sa.Boolean(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("complaint", sa.Float(), nullable=True),
        sa.Column("aspect", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("negative", sa.Boolean(), nullable=True),
        sa.Column("analyzed_at", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("detected_at", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "uid", name="uq_mention_source_uid"),
    )
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mention_brand"), ["brand"], unique=False)
        batch_op.create_index(batch_op.f("ix_mention_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_mention_pending_analysis", ["analyzed_at"], unique=False)
        batch_op.create_index("ix_mention_pending_detection", ["detected_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mention_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mention_source_id"), ["source_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("lease_until", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("sent_at", wommon.store.types.UTCDateTime(), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("slack_ts", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_incident_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mention_source_id"))
        batch_op.drop_index(batch_op.f("ix_mention_published_at"))
        batch_op.drop_index("ix_mention_pending_detection")
        batch_op.drop_index("ix_mention_pending_analysis")
        batch_op.drop_index(batch_op.f("ix_mention_incident_id"))
        batch_op.drop_index(batch_op.f("ix_mention_brand"))

    op.drop_table("mention")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_next_due_at"))

    op.drop_table("source")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_brand_state")

    op.drop_table("incident")
