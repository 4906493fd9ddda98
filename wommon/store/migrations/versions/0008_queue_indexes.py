"""Indexes shaped like the queries of every run: detection's queue as a partial index of
pending mentions, the voices heard in an incident covered, content known by source.

Without them each run scanned all of a brand's (or a source's, or an incident's) mentions
to find the few it needed, so a run cost more the longer the daemon had been running.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PENDING = sa.text("detected_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_mention_pending_detection", "mention")
    op.create_index(
        "ix_mention_detect_queue",
        "mention",
        ["brand", "published_at", "id"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )
    op.drop_index("ix_mention_incident_domain", "mention")
    op.drop_index("ix_mention_incident_author", "mention")
    op.create_index("ix_mention_incident_voice", "mention", ["incident_id", "domain", "author"])
    op.drop_index("ix_mention_source_id", "mention")
    op.create_index("ix_mention_source_fingerprint", "mention", ["source_id", "fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_mention_source_fingerprint", "mention")
    op.create_index("ix_mention_source_id", "mention", ["source_id"])
    op.drop_index("ix_mention_incident_voice", "mention")
    op.create_index("ix_mention_incident_author", "mention", ["incident_id", "author"])
    op.create_index("ix_mention_incident_domain", "mention", ["incident_id", "domain"])
    op.drop_index("ix_mention_detect_queue", "mention")
    op.create_index("ix_mention_pending_detection", "mention", ["detected_at"])
