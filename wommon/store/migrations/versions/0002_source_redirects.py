"""Source: configured URL kept apart from the followed one; why a source is disabled;
the parse warnings of its last fetch.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.add_column(sa.Column("config_url", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("disabled_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_warning", sa.Text(), nullable=True))
    op.execute("UPDATE source SET config_url = url")


def downgrade() -> None:
    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_column("last_warning")
        batch_op.drop_column("disabled_reason")
        batch_op.drop_column("config_url")
