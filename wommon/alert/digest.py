"""Digests: the open incidents each morning, and what quiet hours held back.

A digest row carries only what kind it is; its list is read when it is sent, so a digest
queued at night tells the state of the morning.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from wommon.store.enums import OPEN_STATES, Kind, State, Status
from wommon.store.models import Incident, Outbox
from wommon.store.outbox import enqueue
from wommon.store.payload import Digest, DigestItem, IncidentNews
from wommon.wording import plural

MAX_ITEMS = 200


def _item(incident: Incident) -> DigestItem:
    return DigestItem(
        brand=incident.brand,
        label=incident.label,
        state=incident.state,
        severity=incident.severity,
        mentions=incident.mentions,
        sources=incident.sources,
        first_seen=incident.first_seen.isoformat(),
    )


def _held(news: IncidentNews) -> DigestItem:
    return DigestItem(
        brand=news.brand,
        label=news.label,
        state=news.state,
        severity=news.severity,
        mentions=news.mentions,
        sources=news.sources,
        first_seen=news.first_seen,
    )


def fill(session: Session, digest: Digest, row_id: int | None) -> Digest:
    """The digest's list of incidents, read now (`row_id` is the digest's own row)."""
    if digest.digest == "quiet":
        held = session.exec(
            select(Outbox.payload).where(
                Outbox.kind == Kind.OPEN,
                col(Outbox.status).in_((Status.PENDING, Status.SENDING)),
                col(Outbox.id) != row_id,
            )
        ).all()
        items = [_held(IncidentNews.from_json(json.loads(p))) for p in held][:MAX_ITEMS]
        title = f"While quiet hours were on, {plural(len(items), 'new incident')} opened"
    else:
        incidents = session.exec(
            select(Incident)
            .where(col(Incident.state).in_(OPEN_STATES), col(Incident.historical).is_(False))
            .order_by(col(Incident.mentions).desc())
            .limit(MAX_ITEMS)
        ).all()
        items = [_item(i) for i in incidents if i.state != State.WATCHING]
        title = f"Daily digest: {plural(len(items), 'incident')} still open"
    return Digest(digest=digest.digest, title=title, incidents=tuple(items))


def enqueue_digest(session: Session, kind: str, key: str, at: datetime, now: datetime) -> bool:
    """Queue a digest to go out at `at`; once per key."""
    return enqueue(
        session,
        incident_id=None,
        kind=Kind.DIGEST,
        key=key,
        payload=Digest(digest=kind),
        now=now,
        at=at,
    )
