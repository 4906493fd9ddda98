"""An incident as the alert will tell it: everything the message needs, frozen at decision
time into the outbox row, so delivery never reads the incident back (and a retry an hour
later says what was true when the decision was made)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlalchemy import select as columns
from sqlmodel import Session, col

from wommon.detect.rows import IncidentRow
from wommon.detect.timeline import MentionFact, growth, hourly
from wommon.store.enums import Kind
from wommon.store.models import Incident, Mention, Source
from wommon.store.payload import Excerpt, Growth, HandledBy, IncidentNews, Timeline
from wommon.store.prepared import Prepared

EXCERPTS = 3
EXCERPT_CHARS = 280
# The sparkline's width, in hours.
SPARK_HOURS = 8


# The statements every alert sends, built once (detection raises many alerts a run when a
# replay or a backfill walks history; building a statement costs more than running it).
_EXAMPLES = Prepared(
    columns(
        col(Mention.id),
        col(Mention.title),
        col(Mention.url),
        col(Mention.domain),
        col(Mention.text),
        col(Mention.language),
        col(Mention.links),
    )
    .where(col(Mention.incident_id) == bindparam("incident"))
    .order_by(col(Mention.sentiment), col(Mention.published_at))
    .limit(EXCERPTS)
)
_LANGUAGES = Prepared(
    columns(col(Mention.language))
    .where(col(Mention.incident_id) == bindparam("incident"))
    .distinct()
)
_RECENT = Prepared(
    columns(col(Mention.published_at)).where(
        col(Mention.incident_id) == bindparam("incident"),
        col(Mention.published_at) >= bindparam("since"),
    )
)


def incident_payload(
    session: Session,
    incident: Incident | IncidentRow,
    kind: str,
    window_hours: float,
    now: datetime,
) -> IncidentNews:
    connection = session.connection()
    about = {"incident": incident.id}
    examples = _EXAMPLES.rows(connection, about)
    languages = sorted(lang for lang in _LANGUAGES.scalars(connection, about) if lang)
    recent = _RECENT.scalars(connection, {**about, "since": now - timedelta(hours=24)})

    def since(hours: float) -> int:
        cutoff = now - timedelta(hours=hours)
        return sum(1 for at in recent if at >= cutoff)

    escalation = kind == Kind.ESCALATE
    return IncidentNews(
        incident_id=incident.id,
        kind=kind,
        brand=incident.brand,
        label=incident.label,
        aspect=incident.aspect,
        state=incident.state,
        severity=incident.severity,
        mentions=incident.mentions,
        sources=incident.sources,
        growth=Growth(hour=since(1), day=since(24)),
        hourly=hourly(recent, now, SPARK_HOURS),
        languages=tuple(languages),
        voices=round(incident.voices, 1),
        p_viral=incident.p_viral,
        surprise=incident.surprise,
        forecast_size=incident.forecast_size,
        forecast_threshold_at=(
            incident.forecast_threshold_at.isoformat() if incident.forecast_threshold_at else None
        ),
        first_seen=incident.first_seen.isoformat(),
        last_seen=incident.last_seen.isoformat(),
        window_hours=window_hours,
        key_terms=tuple(incident.key_terms.split()),
        handled=(
            HandledBy(incident.handled_action, incident.handled_by)
            if incident.handled_action
            else None
        ),
        excerpts=tuple(
            Excerpt(
                title=m.title[:300],
                url=m.url,
                domain=m.domain,
                text=m.text[:EXCERPT_CHARS],
                language=m.language,
                links=tuple(json.loads(m.links)[:5]),
                mention_id=m.id,
            )
            for m in examples
        ),
        timeline=_timeline(session, incident) if escalation else None,
        spread=incident.spread if escalation else None,
        decided_at=now.isoformat() if escalation else None,
    )


def _timeline(session: Session, incident: Incident | IncidentRow) -> Timeline:
    """The story's growth curve, frozen with the escalation so its chart (posted in the
    thread) shows what was true when it escalated."""
    rows = session.execute(
        columns(
            col(Mention.published_at),
            col(Mention.domain),
            col(Mention.author),
            col(Mention.fingerprint),
            col(Source.weight),
        )
        .join(Source, col(Source.id) == col(Mention.source_id))
        .where(col(Mention.incident_id) == incident.id)
    )
    points, bucket = growth([MentionFact(*row) for row in rows])
    return Timeline(
        bucket.total_seconds(), tuple((p.at.isoformat(), p.mentions, p.voices) for p in points)
    )
