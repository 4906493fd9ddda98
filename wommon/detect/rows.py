"""The incidents a detection run changes, as plain rows: read through Core when the run
first needs one, changed as plain attributes, and written back together at the run's end.

Loading an incident as an ORM object, setting its attributes through the ORM and letting
the unit of work flush it cost more than the rest of a run that one mention joins: about
0.6 ms of a 3.4 ms run. A run holds its brand's detect lock (detector.py), so no other
daemon's detection changes these rows between the read and the write; a person's choice
from an alert may, so a run writes only the columns it changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from operator import attrgetter
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy import select as columns
from sqlmodel import Session

from wommon.store import bulk
from wommon.store.models import Incident
from wommon.store.prepared import Prepared


@dataclass(slots=True)
class IncidentRow:
    """The columns of an incident that detection reads, decides on or tells."""

    id: int
    brand: str
    label: str
    key_terms: str
    aspect: str | None
    historical: bool
    first_seen: datetime
    last_seen: datetime
    mentions: int
    sources: int
    voices: float
    state: str
    severity: str
    alerted_mentions: int
    alerted_severity: str | None
    spread: str | None
    forecast_size: float | None
    forecast_threshold_at: datetime | None
    p_viral: float | None
    surprise: float | None
    centroid: bytes | None
    handled_action: str | None
    handled_by: str | None
    snoozed_until: datetime | None
    updated_at: datetime


_NAMES = tuple(f.name for f in fields(IncidentRow))
# What detection may change; the rest it only reads (a person's actions write those).
_WRITTEN = (
    "label",
    "aspect",
    "first_seen",
    "last_seen",
    "mentions",
    "sources",
    "voices",
    "state",
    "severity",
    "alerted_mentions",
    "alerted_severity",
    "spread",
    "forecast_size",
    "forecast_threshold_at",
    "p_viral",
    "surprise",
    "centroid",
    "updated_at",
)
_written = attrgetter(*_WRITTEN)


def _table() -> Table:
    return Incident.__table__  # type: ignore[attr-defined,no-any-return]


@cache
def _reading() -> Prepared:
    """Built once: building a statement costs more than running it on the primary key."""
    table = _table()
    return Prepared(columns(*(table.c[n] for n in _NAMES)).where(table.c.id == bindparam("id")))


@cache
def _opening() -> Any:
    table = _table()
    return insert(table).returning(*(table.c[n] for n in _NAMES))


class IncidentRows:
    """The run's incidents, each read when the run first needs it and kept for the rest
    of the run; `save`, at its end, writes what changed, in a statement or two."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[int, IncidentRow] = {}
        # What detection may change of each row, as read (or opened).
        self._read: dict[int, tuple[Any, ...]] = {}

    def get(self, incident_id: int) -> IncidentRow:
        found = self._rows.get(incident_id)
        if found is None:
            (row,) = _reading().rows(self._session.connection(), {"id": incident_id})
            found = self._keep(IncidentRow(*row))
        return found

    def open(self, **values: Any) -> IncidentRow:
        """A new incident, inserted now (its id is needed at once: mentions join it) with
        the table's defaults for what `values` leaves out."""
        row = self._session.connection().execute(_opening(), values).one()
        return self._keep(IncidentRow(*row))

    def _keep(self, row: IncidentRow) -> IncidentRow:
        self._rows[row.id] = row
        self._read[row.id] = _written(row)
        return row

    def save(self) -> None:
        """Write the columns that changed, and only those: a person's choice (a dismiss, a
        snooze) may have reached a row since it was read, and a column this run left as it
        was must not put back what it read."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for key, row in self._rows.items():
            values = _written(row)
            names = tuple(
                n
                for n, now, was in zip(_WRITTEN, values, self._read[key], strict=True)
                if now != was
            )
            if names:
                by_columns[names].append({"id": key, **{n: getattr(row, n) for n in names}})
        for rows in by_columns.values():
            bulk.update_by_id(self._session, Incident, rows)
