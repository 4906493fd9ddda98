"""What the read-only commands show (`sources`, `incidents`), read from the database as
frozen rows: the CLI formats them and holds no SQL.

Reads go through a read-only engine: they never migrate and never take SQLite's write
lock. Storage errors are wrapped here, once, into StorageError with what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from wommon.config import Settings
from wommon.service.status import source_state
from wommon.store.db import current_revision, make_engine, require_schema, storage_error
from wommon.store.enums import OPEN_STATES
from wommon.store.models import Incident, Mention, Outbox, Source


@dataclass(frozen=True)
class SourceRow:
    name: str
    kind: str
    status: str
    last_success: datetime | None
    failures: int
    next_due: datetime | None
    mentions: int
    problem: str


@dataclass(frozen=True)
class IncidentRow:
    id: int
    brand: str
    state: str
    severity: str
    mentions: int
    sources: int
    forecast_size: float | None
    p_viral: float | None
    first_seen: datetime
    label: str
    key_terms: tuple[str, ...]


@contextmanager
def reading(settings: Settings, *, schema: bool = True) -> Iterator[Session]:
    """A read-only session; with `schema`, the schema must exist and be current."""
    url = settings.storage.url
    engine = make_engine(url, readonly=True)
    try:
        if schema:
            require_schema(engine)
        with Session(engine) as session:
            yield session
    except SQLAlchemyError as exc:
        raise storage_error(url, exc) from None
    finally:
        engine.dispose()


def has_schema(engine: Engine) -> bool:
    try:
        return current_revision(engine) is not None
    except SQLAlchemyError:
        return False


def read_sources(settings: Settings) -> list[SourceRow]:
    """Every source: those stored with their state, and configured ones the daemon has
    not stored yet ("new"). A disabled source has no next poll."""
    configured = {s.name: s for s in settings.sources}
    stored: dict[str, SourceRow] = {}
    with reading(settings, schema=False) as session:
        if has_schema(session.get_bind()):  # type: ignore[arg-type]
            counts = dict(
                session.exec(
                    select(Mention.source_id, func.count()).group_by(col(Mention.source_id))
                ).all()
            )
            for s in session.exec(select(Source)):
                stored[s.name] = SourceRow(
                    name=s.name,
                    kind=s.kind,
                    status=source_state(s),
                    last_success=s.last_success_at,
                    failures=s.consecutive_failures,
                    next_due=s.next_due_at if s.enabled else None,
                    mentions=counts.get(s.id or 0, 0),
                    problem=s.last_error or s.disabled_reason or s.last_warning or "",
                )
    for name, cfg in configured.items():
        if name not in stored:
            stored[name] = SourceRow(name, cfg.kind, "new", None, 0, None, 0, "not polled yet")
    return [stored[name] for name in sorted(stored)]


@dataclass(frozen=True)
class MentionRow:
    published: datetime
    site: str | None
    author: str | None
    language: str | None
    verdict: str
    aspect: str | None
    title: str
    url: str | None


@dataclass(frozen=True)
class AlertRow:
    kind: str
    status: str
    created: datetime
    sent: datetime | None
    error: str | None


@dataclass(frozen=True)
class IncidentDetail:
    incident: IncidentRow
    mentions: tuple[MentionRow, ...]
    # What was decided and told, in order: each alert queued (open, update, escalate,
    # resolve) and the last choice a person made in Slack.
    alerts: tuple[AlertRow, ...]
    handled: str | None


def _row(i: Incident) -> IncidentRow:
    return IncidentRow(
        id=i.id or 0,
        brand=i.brand,
        state=i.state,
        severity=i.severity,
        mentions=i.mentions,
        sources=i.sources,
        forecast_size=i.forecast_size,
        p_viral=i.p_viral,
        first_seen=i.first_seen,
        label=i.label,
        key_terms=tuple(i.key_terms.split()),
    )


def read_incidents(
    settings: Settings,
    *,
    show_all: bool = False,
    brand: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
) -> list[IncidentRow]:
    """Incidents newest first; open ones only unless `show_all` (or a `state` is asked
    for); of one brand, and seen since a time, when asked."""
    with reading(settings) as session:
        query = select(Incident).order_by(col(Incident.last_seen).desc())
        if state is not None:
            query = query.where(Incident.state == state)
        elif not show_all:
            query = query.where(col(Incident.state).in_(OPEN_STATES))
        if brand is not None:
            query = query.where(func.lower(Incident.brand) == brand.lower())
        if since is not None:
            query = query.where(col(Incident.last_seen) >= since)
        return [_row(i) for i in session.exec(query)]


def read_incident(settings: Settings, incident_id: int) -> IncidentDetail | None:
    """One incident with its mentions (oldest first) and its alerts."""
    with reading(settings) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return None
        mentions = tuple(
            MentionRow(
                published=m.published_at,
                site=m.domain,
                author=m.author,
                language=m.language,
                verdict="negative" if m.negative else "not negative",
                aspect=m.aspect,
                title=m.title or m.text[:120],
                url=m.url,
            )
            for m in session.exec(
                select(Mention)
                .where(Mention.incident_id == incident_id)
                .order_by(col(Mention.published_at), col(Mention.id))
            )
        )
        alerts = tuple(
            AlertRow(o.kind, o.status, o.created_at, o.sent_at, o.last_error)
            for o in session.exec(
                select(Outbox).where(Outbox.incident_id == incident_id).order_by(col(Outbox.id))
            )
        )
        handled = (
            f"{incident.handled_action} by {incident.handled_by} at "
            f"{incident.handled_at:%Y-%m-%d %H:%M}"
            if incident.handled_action and incident.handled_at
            else None
        )
        return IncidentDetail(_row(incident), mentions, alerts, handled)
