"""The incidents a detection run's mentions may join, read light.

A run reads every incident of its brand a mention may join (open or dismissed ones, and
resolved ones recent enough to re-open), but most runs join one and leave the rest as they
are. So the run reads the few columns grouping needs (detect/warm.py) and, asked of the
database, whether time alone may change the incident; it reads an incident whole
(rows.py) when a mention joins it or time may change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol, cast

from sqlalchemy import Boolean, ColumnElement, and_, bindparam, or_, type_coerce, union_all
from sqlalchemy import select as columns
from sqlalchemy.engine import Connection
from sqlmodel import col

from wommon.config import DetectSettings
from wommon.store.enums import GROUPING_STATES, OPEN_STATES, State
from wommon.store.models import Incident
from wommon.store.prepared import Prepared


class Joinable(Protocol):
    """What a run reads of each incident it may join (an Incident has it all too)."""

    @property
    def id(self) -> int | None: ...
    @property
    def brand(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def key_terms(self) -> str: ...
    @property
    def centroid(self) -> bytes | None: ...


@dataclass(frozen=True)
class Grouping:
    """The brand's joinable incidents by id, and which of them time alone may change."""

    incidents: dict[int, Joinable]
    time_may_change: frozenset[int]


def state_in(states: tuple[State, ...]) -> ColumnElement[bool]:
    """An incident's state among `states`, as equalities: `in_()` of constants would
    expand its list again at every execution of a statement otherwise compiled once."""
    return or_(*(col(Incident.state) == state.value for state in states))


@cache
def _joinable(historical: bool) -> Prepared:
    """Built once (building a statement costs more than running it on an index). Two
    index ranges, not one condition with an OR: the brand's grouping states, then its
    resolved incidents seen since `reopen_after`, so the resolved ones of long ago are
    never walked."""
    light = (
        col(Incident.id),
        col(Incident.brand),
        col(Incident.state),
        col(Incident.key_terms),
        col(Incident.centroid),
        _time_may_change().label("time_may_change"),
    )
    of_brand = (col(Incident.brand) == bindparam("brand"), col(Incident.historical).is_(historical))
    return Prepared(
        union_all(
            columns(*light).where(*of_brand, state_in(GROUPING_STATES)),
            columns(*light).where(
                *of_brand,
                col(Incident.state) == State.RESOLVED,
                col(Incident.last_seen) >= bindparam("reopen_after"),
            ),
        )
    )


def _time_may_change() -> ColumnElement[bool]:
    """Whether an open incident no mention joined may still change by time alone.

    Its forecast only fades as it stays quiet (the spread model's traces decay, so its
    chance of going viral and its forecast size only fall): no time-driven review can make
    it alertable or raise its severity. What time can do is cool it and resolve it once it
    has been quiet long enough, and end a snooze that held back what it had to say. Asking
    this first spares every run a forecast for each quiet open story; asking it of the
    database spares reading two times of every joinable incident at every run."""
    return type_coerce(
        and_(
            state_in(OPEN_STATES),
            or_(
                col(Incident.snoozed_until) <= bindparam("now"),
                and_(
                    col(Incident.state) == State.ALERTING.value,
                    col(Incident.last_seen) <= bindparam("cooled_if_seen_by"),
                ),
                col(Incident.last_seen) <= bindparam("resolved_if_seen_by"),
            ),
        ),
        Boolean,
    )


def read(
    connection: Connection,
    brand: str,
    historical: bool,
    now: datetime,
    cfg: DetectSettings,
) -> Grouping:
    """The brand's joinable incidents; resolved ones last seen more than `reopen_days`
    before `now` stay closed. An alerting incident cools after `cooldown_hours` of quiet,
    any other resolves after twice that."""
    cooldown = timedelta(hours=cfg.cooldown_hours)
    rows = _joinable(historical).rows(
        connection,
        {
            "brand": brand,
            "reopen_after": now - timedelta(days=cfg.reopen_days),
            "now": now,
            "cooled_if_seen_by": now - cooldown,
            "resolved_if_seen_by": now - 2 * cooldown,
        },
    )
    return Grouping(
        {row.id: cast(Joinable, row) for row in rows},
        frozenset(row.id for row in rows if row.time_may_change),
    )
