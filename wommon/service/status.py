"""What the database says about wommon's health: the figures behind `wommon status`,
`/healthz` and the gauges of `/metrics`, read the same way for all three."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, or_, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from wommon.service.jobs import JobRecord, from_json
from wommon.store import heartbeat, tally
from wommon.store.db import redact
from wommon.store.enums import Status
from wommon.store.models import Incident, Outbox, Source

# Slack delivery counts as failing when an alert failed for good within this window.
FAILED_DELIVERY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class DaemonSeen:
    owner: str
    started_at: datetime
    seen_at: datetime
    jobs: dict[str, JobRecord]


@dataclass(frozen=True)
class Snapshot:
    database_ok: bool
    database_error: str | None = None
    sources: dict[str, int] = field(default_factory=dict)
    mentions: dict[tuple[str, str], int] = field(default_factory=dict)
    incidents: dict[str, int] = field(default_factory=dict)
    outbox: dict[str, int] = field(default_factory=dict)
    recent_failures: tuple[str, ...] = ()
    failed_alerts: tuple[int, ...] = ()
    # Enabled sources past their poll time by more than the grace, and the oldest such time.
    overdue: int = 0
    overdue_since: datetime | None = None
    daemons: tuple[DaemonSeen, ...] = ()

    @property
    def delivery_ok(self) -> bool:
        return not self.recent_failures


def source_state(src: Source) -> str:
    if not src.enabled:
        return "disabled"
    if src.consecutive_failures:
        return "error"
    if src.last_warning:
        return "warning"
    return "ok" if src.last_success_at else "new"


def snapshot(
    engine: Engine, now: datetime, overdue_after: timedelta = timedelta(minutes=15)
) -> Snapshot:
    """Counts by state; never raises: an unreachable database is itself the finding.
    A source is overdue when it is enabled, unclaimed, and due more than `overdue_after`
    ago: nobody is polling it."""
    try:
        with Session(engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            # Counted by the database: /metrics must not load every source per scrape.
            state = case(
                (col(Source.enabled).is_(False), "disabled"),
                (col(Source.consecutive_failures) > 0, "error"),
                (func.coalesce(Source.last_warning, "") != "", "warning"),
                (col(Source.last_success_at).is_not(None), "ok"),
                else_="new",
            )
            sources = {
                str(name): int(n)
                for name, n in session.exec(select(state, func.count()).group_by(state))
            }
            # Summary rows the steps keep current: no count over the mentions per scrape.
            mentions = tally.read(session)
            incidents = dict(
                session.exec(
                    select(Incident.state, func.count()).group_by(col(Incident.state))
                ).all()
            )
            outbox = dict(
                session.exec(select(Outbox.status, func.count()).group_by(col(Outbox.status))).all()
            )
            failures = session.exec(
                select(Outbox.id, Outbox.last_error)
                .where(
                    Outbox.status == Status.FAILED,
                    col(Outbox.created_at) >= now - FAILED_DELIVERY_WINDOW,
                )
                .order_by(col(Outbox.id).desc())
                .limit(5)
            ).all()
            overdue, overdue_since = session.exec(
                select(func.count(), func.min(Source.next_due_at)).where(
                    col(Source.enabled),
                    col(Source.next_due_at) < now - overdue_after,
                    or_(col(Source.lease_until).is_(None), col(Source.lease_until) < now),
                )
            ).one()
            daemons = tuple(
                DaemonSeen(row.owner, row.started_at, row.seen_at, from_json(row.jobs))
                for row in heartbeat.everyone(session)
            )
    except SQLAlchemyError as exc:
        reason = f"{redact(str(engine.url))}: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}"
        return Snapshot(database_ok=False, database_error=reason[:500])
    return Snapshot(
        database_ok=True,
        sources=sources,
        mentions=mentions,
        incidents=incidents,
        outbox=outbox,
        recent_failures=tuple(f or "unknown error" for _, f in failures),
        failed_alerts=tuple(i for i, _ in failures if i is not None),
        daemons=daemons,
        overdue=int(overdue or 0),
        overdue_since=_aware(overdue_since),
    )


def _aware(moment: datetime | None) -> datetime | None:
    """min() over a UTCDateTime column comes back without the column's type on SQLite."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
