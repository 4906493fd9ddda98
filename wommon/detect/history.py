"""History detected again: after a re-score, the historical incidents of a window (with
their alerts) are forgotten and its mentions handed back to detection, which rebuilds them
from the new verdicts. Live incidents are never touched: what was alerted stays alerted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from wommon.detect.counts import recount_baselines
from wommon.store.models import Incident, Mention, Outbox


def forget_history(session: Session, since: datetime | None, until: datetime) -> None:
    """Forget the historical incidents first seen in the window and give its historical
    mentions back to detection; recount the window's brand-hours."""
    window = [col(Mention.published_at) <= until]
    if since is not None:
        window.append(col(Mention.published_at) >= since)
    stale = select(Incident.id).where(col(Incident.historical), col(Incident.first_seen) <= until)
    if since is not None:
        stale = stale.where(col(Incident.first_seen) >= since)
    ids = list(session.exec(stale))
    if ids:
        session.execute(
            update(Mention)
            .where(col(Mention.incident_id).in_(ids))
            .values(incident_id=None, detected_at=None)
        )
        session.execute(delete(Outbox).where(col(Outbox.incident_id).in_(ids)))
        session.execute(delete(Incident).where(col(Incident.id).in_(ids)))
    session.execute(
        update(Mention)
        .where(col(Mention.historical), *window)
        .values(incident_id=None, detected_at=None)
    )
    recount_baselines(session, since, until)
