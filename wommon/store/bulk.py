"""Writes of many rows in one executemany.

The ORM's bulk update by primary key still goes through its unit of work for every row,
which costs more than the rows themselves when a step touches one mention or a few
thousand: these Core statements are compiled once and sent with all their rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from wommon.store.prepared import Prepared


def update_by_id(
    session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]
) -> None:
    """`UPDATE ... WHERE id = :id` for each row; every row sets the same columns."""
    if not rows:
        return
    names = tuple(name for name in rows[0] if name != "id")
    keys = tuple((f"set_{n}", n) for n in names)
    _updating(model, names).run_many(
        session.connection(),
        [{"row_id": row["id"], **{key: row[n] for key, n in keys}} for row in rows],
    )


@cache
def _updating(model: type[SQLModel], names: tuple[str, ...]) -> Prepared:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return Prepared(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"set_{name}") for name in names})
    )


def add_to(
    session: Session,
    model: type[SQLModel],
    keys: tuple[str, ...],
    count: str,
    rows: Sequence[Mapping[str, Any]],
) -> dict[tuple[Any, ...], int]:
    """Add each row's `count` to the row with the same `keys`, creating it at that count:
    an upsert that adds, so several daemons add to one row without losing a change.
    Returns each row's count after the addition, by its keys (what another daemon added
    included), so the caller needs no second read.

    A few rows (a detection tick touches an hour or two) are sent one statement each,
    prepared; more go as one statement of many rows, which spares round trips."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect.name
    statement = _adding(model, keys, count, dialect)
    connection = session.connection()
    if len(rows) > _ONE_BY_ONE:
        added = connection.execute(statement, list(rows)).all()
    else:
        prepared = _prepared_adding(model, keys, count, dialect)
        added = [found for row in rows for found in prepared.rows(connection, row)]
    return {tuple(found[:-1]): int(found[-1]) for found in added}


_ONE_BY_ONE = 4


@cache
def _adding(model: type[SQLModel], keys: tuple[str, ...], count: str, dialect: str) -> Any:
    """Built once per table: every step of every run sends it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Table = model.__table__  # type: ignore[attr-defined]
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={count: table.c[count] + statement.excluded[count]},
    ).returning(*(table.c[k] for k in keys), table.c[count])


@cache
def _prepared_adding(
    model: type[SQLModel], keys: tuple[str, ...], count: str, dialect: str
) -> Prepared:
    """The same upsert for one row, its columns named."""
    statement = _adding(model, keys, count, dialect)
    return Prepared(statement.values({name: bindparam(name) for name in (*keys, count)}))
