"""The detection step: analysed mentions -> incidents -> decisions -> outbox rows.

One transaction per run: mentions are marked detected, incidents updated and alerts queued
together, so a crash repeats the whole step rather than half of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from wommon.config import BrandSettings, DetectSettings
from wommon.detect.cluster import OpenIncident, assign, key_terms, terms
from wommon.detect.incidents import (
    GROUPING_STATES,
    OPEN_STATES,
    Decision,
    IncidentFigures,
    State,
    decide,
    severity,
)
from wommon.detect.payload import incident_payload
from wommon.store.db import transaction
from wommon.store.models import Incident, Mention
from wommon.store.outbox import enqueue

EXCERPTS = 3


@dataclass(frozen=True)
class DetectReport:
    mentions: int
    incidents_opened: int
    alerts_queued: int


def detect_pending(
    engine: Engine,
    cfg: DetectSettings,
    brands: tuple[BrandSettings, ...],
    now: datetime,
    limit: int = 2000,
    *,
    historical: bool = False,
    alert: bool = True,
) -> DetectReport:
    """Group pending mentions and decide. Live and historical (backfilled) mentions are
    detected apart: history replays on a simulated clock (`now` walks through it, and only
    mentions published by then are taken), builds its own incidents, and its alerts are
    recorded as "suppressed" unless `alert` asks for them to be sent."""
    brand_words = {b.name: [w for t in b.terms for w in t.split()] for b in brands}
    with transaction(engine) as session:
        query = select(Mention).where(
            col(Mention.analyzed_at).is_not(None),
            col(Mention.detected_at).is_(None),
            col(Mention.historical).is_(historical),
        )
        if historical:
            query = query.where(col(Mention.published_at) <= now)
        pending = session.exec(
            query.order_by(col(Mention.published_at), col(Mention.id)).limit(limit)
        ).all()
        open_incidents = {
            inc.id: inc
            for inc in session.exec(
                select(Incident).where(
                    col(Incident.state).in_(GROUPING_STATES),
                    col(Incident.historical).is_(historical),
                )
            )
        }
        candidates = [_candidate(session, inc) for inc in open_incidents.values()]
        opened = 0
        for mention in pending:
            mention.detected_at = now
            session.add(mention)
            if not (mention.negative and mention.brand):
                continue
            counts = terms(f"{mention.title}\n{mention.text}", brand_words.get(mention.brand, ()))
            words = frozenset(key_terms(counts))
            match = assign(mention.brand, words, mention.fingerprint, candidates, cfg.similarity)
            if match is None:
                incident = _open(session, mention, words, now, historical)
                opened += 1
                open_incidents[incident.id] = incident
                assert incident.id is not None
                candidates.append(
                    OpenIncident(incident.id, mention.brand, words, _fps(mention.fingerprint))
                )
            else:
                incident = open_incidents[match.id]
                candidates[candidates.index(match)] = OpenIncident(
                    match.id,
                    match.brand,
                    match.key_terms,
                    match.fingerprints | _fps(mention.fingerprint),
                )
            mention.incident_id = incident.id
            incident.last_seen = max(incident.last_seen, mention.published_at)
            incident.first_seen = min(incident.first_seen, mention.published_at)
        session.flush()
        status = "suppressed" if historical and not alert else "pending"
        queued = sum(
            _review(session, inc, cfg, now, status)
            for inc in open_incidents.values()
            if inc.state in OPEN_STATES
        )
        return DetectReport(mentions=len(pending), incidents_opened=opened, alerts_queued=queued)


def _fps(fingerprint: str | None) -> frozenset[str]:
    return frozenset([fingerprint]) if fingerprint else frozenset()


def _candidate(session: Session, incident: Incident) -> OpenIncident:
    assert incident.id is not None
    fingerprints = session.exec(
        select(Mention.fingerprint).where(
            Mention.incident_id == incident.id, col(Mention.fingerprint).is_not(None)
        )
    ).all()
    return OpenIncident(
        incident.id,
        incident.brand,
        frozenset(incident.key_terms.split()),
        frozenset(fp for fp in fingerprints if fp),
    )


def _open(
    session: Session, seed: Mention, words: frozenset[str], now: datetime, historical: bool
) -> Incident:
    label = seed.title or seed.text[:120]
    incident = Incident(
        brand=seed.brand or "",
        label=label[:300],
        key_terms=" ".join(sorted(words)),
        seed_mention_id=seed.id,
        historical=historical,
        first_seen=seed.published_at,
        last_seen=seed.published_at,
        updated_at=now,
    )
    session.add(incident)
    session.flush()
    return incident


def _review(
    session: Session, incident: Incident, cfg: DetectSettings, now: datetime, status: str
) -> int:
    """Refresh an incident's figures, apply the decision, queue its alert. 1 if queued."""
    assert incident.id is not None
    since = now - timedelta(hours=cfg.window_hours)
    in_incident = col(Mention.incident_id) == incident.id
    mentions, sources = session.exec(
        select(func.count(), func.count(func.distinct(Mention.domain))).where(in_incident)
    ).one()
    aspect = session.exec(
        select(Mention.aspect)
        .where(in_incident, col(Mention.aspect).is_not(None))
        .group_by(col(Mention.aspect))
        .order_by(func.count().desc(), col(Mention.aspect))
        .limit(1)
    ).first()
    incident.aspect = aspect or incident.aspect
    recent, recent_sources = session.exec(
        select(func.count(), func.count(func.distinct(Mention.domain))).where(
            in_incident, col(Mention.published_at) >= since
        )
    ).one()
    figures = IncidentFigures(
        state=State(incident.state),
        mentions=mentions,
        sources=sources,
        recent_mentions=recent,
        recent_sources=recent_sources,
        alerted_mentions=incident.alerted_mentions,
        last_seen=incident.last_seen,
        snoozed=incident.snoozed_until is not None and incident.snoozed_until > now,
    )
    decision = decide(figures, now, cfg)
    changed = (incident.mentions, incident.sources, incident.state) != (
        mentions,
        sources,
        decision.state,
    )
    incident.mentions, incident.sources = mentions, sources
    incident.state = decision.state
    incident.severity = severity(sources, cfg.min_sources)
    if changed:
        incident.updated_at = now
    queued = 0
    if decision.notify is not None:
        incident.alerted_mentions = mentions
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
    session.add(incident)
    return queued


def _key(incident: Incident, decision: Decision) -> str:
    if decision.notify is not None and decision.notify.value == "update":
        return f"incident-{incident.id}-update-{incident.mentions}"
    return f"incident-{incident.id}-{decision.notify}"
