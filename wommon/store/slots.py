"""Host slots: at most N fetches at once to one host across every daemon (PostgreSQL).

A slot is a row taken with `FOR UPDATE SKIP LOCKED` and given an expiry, so it costs no
connection while the fetch runs and a dead daemon's slot frees itself. With SQLite there is
one daemon, and its own per-host queue is the limit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from wommon.store.models import HostSlot


def shared(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def take(
    session: Session, host: str, slots: int, owner: str, now: datetime, until: datetime
) -> int | None:
    """A free slot of `host` (one of `slots`), now held by `owner` until `until`; None when
    every slot is busy."""
    session.execute(
        postgresql.insert(HostSlot)
        .values([{"host": host, "slot": i} for i in range(slots)])
        .on_conflict_do_nothing()
    )
    free = session.exec(
        select(HostSlot)
        .where(
            HostSlot.host == host,
            col(HostSlot.slot) < slots,
            or_(col(HostSlot.until).is_(None), col(HostSlot.until) < now),
        )
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if free is None:
        return None
    free.owner, free.until = owner, until
    session.add(free)
    return free.slot


def holds(session: Session, host: str, slot: int, owner: str, now: datetime) -> bool:
    """Whether `owner` still holds the slot: not given back for it as a dead daemon's
    while it was paused, and not expired."""
    found = session.exec(
        select(HostSlot.slot).where(
            HostSlot.host == host,
            HostSlot.slot == slot,
            HostSlot.owner == owner,
            col(HostSlot.until) >= now,
        )
    ).first()
    return found is not None


def give_back(session: Session, host: str, slot: int, owner: str) -> None:
    session.execute(
        update(HostSlot)
        .where(col(HostSlot.host) == host, col(HostSlot.slot) == slot, col(HostSlot.owner) == owner)
        .values(owner=None, until=None)
    )


def give_back_all(session: Session, owner: str, busy_until: datetime | None = None) -> None:
    """Take every slot from `owner`. `busy_until`: when `owner` may still be alive (its
    heartbeat went stale, but a stalled process is not a dead one), a fetch it already
    started may run on the host until then, so its slots stay taken, by nobody, until
    that time: two fetches must not meet on a host because one daemon was slow to beat."""
    session.execute(
        update(HostSlot).where(col(HostSlot.owner) == owner).values(owner=None, until=busy_until)
    )
