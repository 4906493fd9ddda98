"""The incidents a detection run's mentions may join, read light.

A run reads every incident of its brand a mention may join (open or dismissed ones, and
resolved ones recent enough to re-open), but most runs join one and leave the rest as they
are. So the run reads the few columns grouping and the review's first question need
(detect/warm.py, review.may_change_alone), and reads an incident whole (rows.py) when a
mention joins it or time may change it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, bindparam, or_, union_all
from sqlalchemy import select as columns
from sqlalchemy.engine import Connection
from sqlmodel import col

from wommon.store.enums import GROUPING_STATES, State
from wommon.store.models import Incident


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
    @property
    def last_seen(self) -> datetime: ...
    @property
    def snoozed_until(self) -> datetime | None: ...


def state_in(states: tuple[State, ...]) -> ColumnElement[bool]:
    """An incident's state among `states`, as equalities: `in_()` of constants would
    expand its list again at every execution of a statement otherwise compiled once."""
    return or_(*(col(Incident.state) == state.value for state in states))


@cache
def _joinable(historical: bool) -> Any:
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
        col(Incident.last_seen),
        col(Incident.snoozed_until),
    )
    of_brand = (col(Incident.brand) == bindparam("brand"), col(Incident.historical).is_(historical))
    return union_all(
        columns(*light).where(*of_brand, state_in(GROUPING_STATES)),
        columns(*light).where(
            *of_brand,
            col(Incident.state) == State.RESOLVED,
            col(Incident.last_seen) >= bindparam("reopen_after"),
        ),
    )


def read(
    connection: Connection, brand: str, historical: bool, reopen_after: datetime
) -> dict[int, Joinable]:
    """The brand's joinable incidents by id; resolved ones last seen before `reopen_after`
    stay closed."""
    rows = connection.execute(_joinable(historical), {"brand": brand, "reopen_after": reopen_after})
    return {row.id: cast(Joinable, row) for row in rows}
