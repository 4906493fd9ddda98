"""An incident reviewed at the end of a detection run: its forecast refreshed, the pure
decision (incidents.py) applied to its row, and the alert it calls for queued in the same
transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from wommon import logs
from wommon.config import DetectSettings
from wommon.detect.headline import refresh_aspect, refresh_label
from wommon.detect.incidents import Decision, IncidentFigures, decide
from wommon.detect.payload import incident_payload
from wommon.detect.rows import IncidentRow
from wommon.detect.spread import SpreadState, outlook
from wommon.store.enums import Kind, State
from wommon.store.outbox import enqueue

log = logs.events("wommon.detect")
# What each decision is logged as.
_EVENTS = {
    Kind.OPEN: "incident_alerted",
    Kind.UPDATE: "incident_grew",
    Kind.ESCALATE: "incident_escalated",
    Kind.REOPEN: "incident_reopened",
    Kind.RESOLVE: "incident_resolved",
}


def review(
    session: Session,
    incident: IncidentRow,
    cfg: DetectSettings,
    now: datetime,
    status: str,
    fresh: bool,
) -> int:
    """Refresh an incident's forecast, apply the decision, queue its alert. 1 if queued.

    An incident with no news only moves with time (it cools, it resolves): its row is
    written only when its state changes."""
    seen = outlook(SpreadState.from_json(incident.spread), now, cfg.viral_mentions, when=fresh)
    figures = IncidentFigures(
        state=State(incident.state),
        mentions=incident.mentions,
        sources=incident.sources,
        p_viral=seen.p_viral,
        forecast_size=seen.size,
        alerted_mentions=incident.alerted_mentions,
        alerted_severity=incident.alerted_severity,
        last_seen=incident.last_seen,
        snoozed=incident.snoozed_until is not None and incident.snoozed_until > now,
        surprise=incident.surprise or 0.0,
    )
    decision = decide(figures, now, cfg)
    if not fresh and decision.state == incident.state and decision.notify is None:
        return 0
    incident.updated_at = now
    incident.state = decision.state
    incident.severity = decision.severity
    # The row keeps what an alert says; detection decides on its own score (spread.py).
    incident.p_viral = round(seen.said_chance, 4)
    incident.forecast_size = round(seen.said_size, 1)
    if fresh:
        incident.forecast_threshold_at = seen.threshold_at
    queued = 0
    if decision.notify is not None:
        # History's stories (backfill) are reported at the end, not one line each.
        (log.debug if incident.historical else log.info)(
            _EVENTS[decision.notify],
            incident=incident.id,
            brand=incident.brand,
            severity=decision.severity,
            mentions=incident.mentions,
            p_viral=incident.p_viral,
        )
        refresh_aspect(session, incident)
        if decision.notify in (Kind.OPEN, Kind.ESCALATE, Kind.REOPEN):
            refresh_label(session, incident)
        if decision.notify != Kind.RESOLVE:
            incident.alerted_mentions = incident.mentions
            incident.alerted_severity = decision.severity
        queued = int(
            enqueue(
                session,
                incident_id=incident.id,
                kind=decision.notify.value,
                key=_key(incident, decision),
                payload=incident_payload(
                    session, incident, decision.notify.value, cfg.window_hours, now
                ),
                now=now,
                status=status,
            )
        )
    return queued


def _key(incident: IncidentRow, decision: Decision) -> str:
    """One outbox key per thing worth saying: a second open or resolve of one incident
    (after a re-open) has a key of its own, a repeat of the same decision does not."""
    kind = decision.notify.value if decision.notify else "none"
    if kind in (Kind.UPDATE, Kind.ESCALATE, Kind.REOPEN, Kind.RESOLVE):
        return f"incident-{incident.id}-{kind}-{incident.mentions}"
    return f"incident-{incident.id}-{kind}"
