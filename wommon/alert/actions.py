"""What the alert's buttons do: Acknowledge, Snooze 24 h, Resolve, Not an incident.

The choice is recorded on the incident and an "action" row queued in the outbox in the
same transaction, so the root message is edited to show it through the ordinary, durable
delivery path. "Not an incident" dismisses the incident: its story keeps collecting
mentions silently and never alerts again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from wommon.detect.incidents import handle
from wommon.detect.payload import incident_payload
from wommon.store.db import transaction
from wommon.store.enums import Action, Kind, State
from wommon.store.models import Incident
from wommon.store.outbox import enqueue

ACTIONS = tuple(a.value for a in Action)


def apply_action(
    engine: Engine, incident_id: int, action: str, user: str, now: datetime, window_hours: float
) -> bool:
    """Record a person's choice; False when the incident or the action is unknown."""
    if action not in ACTIONS:
        return False
    with transaction(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return False
        incident.handled_action, incident.handled_by, incident.handled_at = action, user, now
        handled = handle(State(incident.state), incident.snoozed_until, Action(action), now)
        incident.state, incident.snoozed_until = handled.state, handled.snoozed_until
        incident.updated_at = now
        session.add(incident)
        session.flush()
        enqueue(
            session,
            incident_id=incident_id,
            kind=Kind.ACTION,
            key=f"incident-{incident_id}-{action}-{now.timestamp():.6f}",
            payload=incident_payload(session, incident, Kind.ACTION, window_hours, now),
            now=now,
        )
    return True
