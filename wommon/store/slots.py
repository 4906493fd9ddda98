"""Host slots: at most N fetches at once to one host across every daemon (PostgreSQL).

A slot is a row taken with `FOR UPDATE SKIP LOCKED` and given an expiry, so it costs no
connection while the fetch runs and a dead daemon's slot frees itself. With SQLite there is
one daemon, and its own per-host queue is the limit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, bindparam, exists, func, or_, update
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, select

from wommon.store.models import HostSlot
from wommon.store.prepared import Prepared


def shared(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def take(
    session: Session, host: str, slots: int, owner: str, now: datetime, until: datetime
) -> int | None:
    """A free slot of `host` (one of `slots`), now held by `owner` until `until`; None when
    every slot is busy. Two statements, whatever the host: its slots made sure of, then
    the first free one taken and returned (every fetch on PostgreSQL sends these)."""
    connection = session.connection()
    _MAKE.rows(connection, {"host": host, "last": slots - 1})
    found = _TAKE.rows(
        connection, {"host": host, "slots": slots, "now": now, "owner": owner, "until": until}
    )
    return found[0].slot if found else None


def holds(session: Session, host: str, slot: int, owner: str, now: datetime) -> bool:
    """Whether `owner` still holds the slot: not given back for it as a dead daemon's
    while it was paused, and not expired."""
    found = _HOLDS.rows(
        session.connection(), {"host": host, "slot": slot, "owner": owner, "now": now}
    )
    return bool(found)


def give_back(session: Session, host: str, slot: int, owner: str) -> None:
    _GIVE_BACK.run_many(session.connection(), [{"of_host": host, "number": slot, "held_by": owner}])


# Built once: a fetch sends them one after the other.
# The host's slots are inserted only when its last one is missing: a conflict check on a
# slot another daemon has just taken (its row updated, not yet committed) would wait for
# that daemon's commit, and every fetch to the host would queue behind every other.
_MAKE = Prepared(
    postgresql.insert(HostSlot)
    .from_select(
        ["host", "slot"],
        select(
            bindparam("host", type_=String),
            func.generate_series(0, bindparam("last", type_=Integer)),
        ).where(
            ~exists().where(
                col(HostSlot.host) == bindparam("host"), col(HostSlot.slot) == bindparam("last")
            )
        ),
    )
    .on_conflict_do_nothing()
)
_FREE = (
    select(col(HostSlot.slot))
    .where(
        col(HostSlot.host) == bindparam("host"),
        col(HostSlot.slot) < bindparam("slots"),
        or_(col(HostSlot.until).is_(None), col(HostSlot.until) < bindparam("now")),
    )
    .limit(1)
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_TAKE = Prepared(
    update(HostSlot)
    .where(col(HostSlot.host) == bindparam("host"), col(HostSlot.slot) == _FREE)
    .values(owner=bindparam("owner"), until=bindparam("until"))
    .returning(col(HostSlot.slot))
)
_HOLDS = Prepared(
    select(col(HostSlot.slot)).where(
        col(HostSlot.host) == bindparam("host"),
        col(HostSlot.slot) == bindparam("slot"),
        col(HostSlot.owner) == bindparam("owner"),
        col(HostSlot.until) >= bindparam("now"),
    )
)
_GIVE_BACK = Prepared(
    update(HostSlot)
    .where(
        col(HostSlot.host) == bindparam("of_host"),
        col(HostSlot.slot) == bindparam("number"),
        col(HostSlot.owner) == bindparam("held_by"),
    )
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
