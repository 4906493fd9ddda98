"""Several daemons: a heartbeat row per daemon, host slots and channel pacing shared by all;
on alerts, the target they failed on and how often they were re-sent without a check.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wommon.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("owner", sa.String(length=200), primary_key=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("seen_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("jobs", sa.Text(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_heartbeat_seen_at", "heartbeat", ["seen_at"])
    op.create_table(
        "host_slot",
        sa.Column("host", sa.String(length=255), primary_key=True),
        sa.Column("slot", sa.Integer(), primary_key=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("until", wommon.store.types.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "channel_pace",
        sa.Column("channel", sa.String(length=200), primary_key=True),
        sa.Column("next_at", wommon.store.types.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", wommon.store.types.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_mention_url", "mention", ["url"], postgresql_using="hash")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("failed_target", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("unverified_sends", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("unverified_sends")
        batch_op.drop_column("failed_target")
    op.drop_index("ix_mention_url", "mention")
    op.drop_table("channel_pace")
    op.drop_table("host_slot")
    op.drop_index("ix_heartbeat_seen_at", "heartbeat")
    op.drop_table("heartbeat")
