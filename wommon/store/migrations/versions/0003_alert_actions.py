"""Alerts: buttons' choices on incidents, claim counting and digests in the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import wommon.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch_op:
        batch_op.add_column(sa.Column("handled_action", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("handled_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("handled_at", wommon.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("snoozed_until", wommon.store.types.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column("incident_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("claims")
    with op.batch_alter_table("incident") as batch_op:
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("handled_action")
