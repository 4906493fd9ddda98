"""What the pages and the report show, read from the database as frozen rows: one query
per kind of row, columns only (no ORM objects), so an incident of 10,000 mentions is one
round trip. Templates and charts never touch the database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from wommon.charts.figures import BrandSeries, IncidentSeries, brand_series, incident_series
from wommon.detect.spread import SpreadState
from wommon.detect.timeline import MentionFact, hourly
from wommon.store.enums import OPEN_STATES
from wommon.store.models import BrandHour, Incident, Mention, Outbox, Source

# A sparkline's width in hours.
SPARK_HOURS = 24
# The list shows this many incidents at most; filters narrow it.
LIST_LIMIT = 200
# Mentions shown per page of an incident (the chart always counts them all).
MENTIONS_PER_PAGE = 200


@dataclass(frozen=True)
class ListRow:
    id: int
    brand: str
    label: str
    state: str
    severity: str
    aspect: str | None
    mentions: int
    voices: float
    first_seen: datetime
    last_seen: datetime
    # Mentions per hour over the SPARK_HOURS up to the incident's last mention.
    hourly: tuple[int, ...]


@dataclass(frozen=True)
class IncidentList:
    rows: tuple[ListRow, ...]
    # How many matched, of which `rows` shows the newest.
    total: int


@dataclass(frozen=True)
class MentionLine:
    published: datetime
    site: str | None
    author: str | None
    language: str | None
    negative: bool
    aspect: str | None
    title: str
    url: str | None


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    status: str
    sent: datetime | None


@dataclass(frozen=True)
class IncidentPage:
    row: ListRow
    key_terms: tuple[str, ...]
    forecast_size: float | None
    p_viral: float | None
    mentions: tuple[MentionLine, ...]
    page: int
    pages: int
    history: tuple[HistoryLine, ...]
    handled: str | None
    slack_channel: str | None
    slack_ts: str | None


@dataclass(frozen=True)
class BrandPage:
    brand: str
    series: BrandSeries
    aspects: tuple[tuple[str, int], ...]
    languages: tuple[tuple[str, int], ...]
    open_incidents: int


def _list_row(i: Incident, times: list[datetime]) -> ListRow:
    return ListRow(
        id=i.id or 0,
        brand=i.brand,
        label=i.label,
        state=i.state,
        severity=i.severity,
        aspect=i.aspect,
        mentions=i.mentions,
        voices=round(i.voices, 1),
        first_seen=i.first_seen,
        last_seen=i.last_seen,
        hourly=hourly(times, i.last_seen, SPARK_HOURS),
    )


def _recent_times(session: Session, incidents: list[Incident]) -> dict[int, list[datetime]]:
    """Mention times of each incident over its last SPARK_HOURS, in one query."""
    found: dict[int, list[datetime]] = {i.id or 0: [] for i in incidents}
    if not incidents:
        return found
    earliest = min(i.last_seen for i in incidents) - timedelta(hours=SPARK_HOURS)
    rows = session.execute(
        select(col(Mention.incident_id), col(Mention.published_at)).where(
            col(Mention.incident_id).in_(list(found)), col(Mention.published_at) >= earliest
        )
    )
    for incident_id, at in rows:
        found[incident_id or 0].append(at)
    return found


def incident_list(
    session: Session,
    *,
    brand: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    ids: tuple[int, ...] | None = None,
    limit: int = LIST_LIMIT,
) -> IncidentList:
    """Incidents seen most recently first. `state` is one state, "open" (the default:
    watching, alerting or cooling) or "all"; `ids` picks incidents by id."""
    query = select(Incident)
    if ids is not None:
        query = query.where(col(Incident.id).in_(ids))
    if state in (None, "open"):
        query = query.where(col(Incident.state).in_(OPEN_STATES))
    elif state != "all":
        query = query.where(col(Incident.state) == state)
    if brand:
        query = query.where(func.lower(col(Incident.brand)) == brand.lower())
    if since is not None:
        query = query.where(col(Incident.last_seen) >= since)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    incidents = list(session.scalars(query.order_by(col(Incident.last_seen).desc()).limit(limit)))
    times = _recent_times(session, incidents)
    return IncidentList(tuple(_list_row(i, times[i.id or 0]) for i in incidents), int(total or 0))


def incident_page(
    session: Session, incident_id: int, now: datetime, page: int = 1
) -> IncidentPage | None:
    """One incident with a page of its mentions (oldest first) and its history; the
    chart is drawn apart (`incident_chart`), from every mention."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        return None
    in_incident = col(Mention.incident_id) == incident_id
    alerts = _alerts(session, incident_id)
    pages = max(1, -(-incident.mentions // MENTIONS_PER_PAGE))
    page = min(max(page, 1), pages)
    lines = tuple(
        MentionLine(*row)
        for row in session.execute(
            select(
                col(Mention.published_at),
                col(Mention.domain),
                col(Mention.author),
                col(Mention.language),
                col(Mention.negative),
                col(Mention.aspect),
                func.coalesce(
                    func.nullif(col(Mention.title), ""), func.substr(col(Mention.text), 1, 160)
                ),
                col(Mention.url),
            )
            .where(in_incident)
            .order_by(col(Mention.published_at), col(Mention.id))
            .offset((page - 1) * MENTIONS_PER_PAGE)
            .limit(MENTIONS_PER_PAGE)
        )
    )
    history = (
        HistoryLine(incident.first_seen, "first mention", "", None),
        *(HistoryLine(at, kind, status, sent) for kind, at, status, sent in alerts),
    )
    handled = (
        f"{incident.handled_action} by {incident.handled_by or 'someone'} at "
        f"{incident.handled_at:%Y-%m-%d %H:%M} UTC"
        if incident.handled_action and incident.handled_at
        else None
    )
    recent = _recent_times(session, [incident])[incident_id]
    return IncidentPage(
        row=_list_row(incident, recent),
        key_terms=tuple(incident.key_terms.split()),
        forecast_size=incident.forecast_size,
        p_viral=incident.p_viral,
        mentions=lines,
        page=page,
        pages=pages,
        history=history,
        handled=handled,
        slack_channel=incident.slack_channel,
        slack_ts=incident.slack_ts,
    )


def _alerts(session: Session, incident_id: int) -> list[tuple[str, datetime, str, datetime | None]]:
    return [
        (kind, at, status, sent)
        for kind, at, status, sent in session.execute(
            select(
                col(Outbox.kind), col(Outbox.created_at), col(Outbox.status), col(Outbox.sent_at)
            )
            .where(col(Outbox.incident_id) == incident_id)
            .order_by(col(Outbox.id))
        )
    ]


def incident_chart(session: Session, incident_id: int, now: datetime) -> IncidentSeries | None:
    """What the incident chart draws, from every one of its mentions."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        return None
    facts = [
        MentionFact(at, domain, author, fingerprint, weight)
        for at, domain, author, fingerprint, weight in session.execute(
            select(
                col(Mention.published_at),
                col(Mention.domain),
                col(Mention.author),
                col(Mention.fingerprint),
                col(Source.weight),
            )
            .join(Source, col(Source.id) == col(Mention.source_id))
            .where(col(Mention.incident_id) == incident_id)
        )
    ]
    action = (
        (incident.handled_action, incident.handled_at)
        if incident.handled_action and incident.handled_at
        else None
    )
    return incident_series(
        facts,
        spread=SpreadState.from_json(incident.spread) if incident.spread else None,
        now=now,
        open_=incident.state in OPEN_STATES,
        alerts=[(kind, at) for kind, at, _, _ in _alerts(session, incident_id)],
        action=action,
    )


def brand_page(session: Session, brand: str, now: datetime, days: int = 14) -> BrandPage:
    """The brand's last `days` of negative mentions per hour against its baseline (the
    baseline learns from the weeks before, so those are read too), with the aspects and
    languages of those mentions."""
    since = now - timedelta(days=days)
    history_from = since - timedelta(weeks=5)
    counts = {
        hour: negative
        for hour, negative in session.execute(
            select(col(BrandHour.hour), col(BrandHour.negative)).where(
                func.lower(col(BrandHour.brand)) == brand.lower(),
                col(BrandHour.hour) >= history_from,
            )
        )
    }
    negative = select(col(Mention.aspect), col(Mention.language)).where(
        func.lower(col(Mention.brand)) == brand.lower(),
        col(Mention.negative).is_(True),
        col(Mention.published_at) >= since,
    )
    aspects: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    for aspect, language in session.execute(negative):
        aspects[aspect or "not classified"] += 1
        languages[language or "unknown"] += 1
    open_incidents = session.scalar(
        select(func.count()).where(
            func.lower(col(Incident.brand)) == brand.lower(), col(Incident.state).in_(OPEN_STATES)
        )
    )
    return BrandPage(
        brand=brand,
        series=brand_series(counts, now, days),
        aspects=tuple(aspects.most_common()),
        languages=tuple(languages.most_common()),
        open_incidents=int(open_incidents or 0),
    )


def brand_names(session: Session) -> tuple[str, ...]:
    """Every brand that has incidents or counted hours."""
    names = set(session.scalars(select(col(Incident.brand)).distinct()))
    names.update(session.scalars(select(col(BrandHour.brand)).distinct()))
    return tuple(sorted(n for n in names if n))
