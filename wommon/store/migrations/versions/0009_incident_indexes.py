"""Incident indexes shaped like detection's reads: a brand's joinable incidents (open, or
resolved and seen lately) and the brands with open incidents.

With an index on (brand, state) alone, every detection run walked all of a brand's
incidents, the resolved ones of years past included, to find the few it may join; and
finding the brands with open incidents walked every incident. A run cost more the longer
the daemon had been running.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_incident_brand_state", "incident")
    op.create_index("ix_incident_brand_state_seen", "incident", ["brand", "state", "last_seen"])
    op.create_index("ix_incident_state_brand", "incident", ["state", "brand"])


def downgrade() -> None:
    op.drop_index("ix_incident_state_brand", "incident")
    op.drop_index("ix_incident_brand_state_seen", "incident")
    op.create_index("ix_incident_brand_state", "incident", ["brand", "state"])
