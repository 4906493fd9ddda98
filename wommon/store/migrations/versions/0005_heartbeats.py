"""Daemons: a heartbeat row per running daemon; on alerts, the target they failed on and
how often they were re-sent without a check.

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
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("failed_target", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("unverified_sends", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("unverified_sends")
        batch_op.drop_column("failed_target")
    op.drop_index("ix_heartbeat_seen_at", "heartbeat")
    op.drop_table("heartbeat")
