"""Digests: the open incidents each morning, and what quiet hours held back.

A digest row carries only what kind it is; its list is read when it is sent, so a digest
queued at night tells the state of the morning.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from wommon.store.enums import OPEN_STATES, State, Status
from wommon.store.models import Incident, Outbox
from wommon.store.outbox import enqueue
from wommon.wording import plural

MAX_ITEMS = 200


def _item(incident: Incident) -> dict[str, Any]:
    return {
        "brand": incident.brand,
        "label": incident.label,
        "state": incident.state,
        "severity": incident.severity,
        "mentions": incident.mentions,
        "sources": incident.sources,
        "first_seen": incident.first_seen.isoformat(),
    }


def fill(session: Session, payload: dict[str, Any]) -> dict[str, Any]:
    """The digest's list of incidents, read now."""
    if payload.get("digest") == "quiet":
        held = session.exec(
            select(Outbox.payload).where(
                Outbox.kind == "open",
                col(Outbox.status).in_((Status.PENDING, Status.SENDING)),
                col(Outbox.id) != payload.get("row_id"),
            )
        ).all()
        items = [json.loads(p) for p in held][:MAX_ITEMS]
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
    return {**payload, "title": title, "incidents": items}


def enqueue_digest(session: Session, kind: str, key: str, at: datetime, now: datetime) -> bool:
    """Queue a digest to go out at `at`; once per key."""
    return enqueue(
        session, incident_id=None, kind="digest", key=key, payload={"digest": kind}, now=now, at=at
    )
