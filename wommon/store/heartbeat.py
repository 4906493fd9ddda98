"""Heartbeat rows: each daemon says it is alive; a stale row means a dead or frozen one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from wommon.store.models import Heartbeat


def beat(
    session: Session,
    owner: str,
    host: str,
    pid: int,
    started_at: datetime,
    now: datetime,
    jobs: str,
) -> bool:
    """Whether `owner` had a row: a daemon whose row is gone was taken for dead."""
    found = session.get(Heartbeat, owner)
    row = found or Heartbeat(owner=owner, host=host, pid=pid, started_at=started_at, seen_at=now)
    row.seen_at, row.jobs = now, jobs
    session.add(row)
    return found is not None


def stale(session: Session, now: datetime, after: timedelta, me: str) -> list[str]:
    """Owners whose heartbeat is older than `after`: their claims are nobody's now."""
    rows = session.exec(
        select(Heartbeat.owner).where(col(Heartbeat.seen_at) < now - after, Heartbeat.owner != me)
    )
    return list(rows)


def forget(session: Session, owners: list[str]) -> None:
    if owners:
        session.execute(delete(Heartbeat).where(col(Heartbeat.owner).in_(owners)))


def everyone(session: Session) -> list[Heartbeat]:
    return list(session.exec(select(Heartbeat).order_by(col(Heartbeat.seen_at).desc())))
