"""Statements compiled once per database and sent straight to the driver.

A detection tick sends about ten small statements, each answered by an index in a few
microseconds; SQLAlchemy's work around each one (its cache key, the parameters it builds,
the result's metadata, its events) costs 30-90 microseconds, a third of a replay's time.
A prepared statement keeps what that work produces: the SQL as the dialect writes it, the
order of its parameters, and the type conversions of its parameters and columns (so
`UTCDateTime` and SQLite's booleans behave as through SQLAlchemy). Each execution only
converts values and calls the driver's cursor, on the connection of the caller's
transaction. A driver error is raised as SQLAlchemy raises it, so the one place that turns
storage errors into messages (store/db.py) still sees it; a connection the error shows
dead is invalidated, as SQLAlchemy would.

For statements sent at every step of a run (and with every alert); the rest stay plain
SQLAlchemy.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any]
# A parameter the caller must give (the statement holds no value for it).
_ASKED = object()


@dataclass
class _Compiled:
    sql: str
    # Each parameter (in the order the driver takes them, when it takes a sequence rather
    # than a mapping), its conversion, and its value when the statement holds it as a
    # constant (already converted; _ASKED when the caller must give it).
    plan: tuple[tuple[str, Processor | None, Any], ...]
    positional: bool
    # Result columns: the row type and each column's type; which columns need converting
    # (and how) is known from the driver's first answer, as some conversions depend on
    # the type the database says it sent.
    row: Any
    types: tuple[TypeEngine[Any], ...]
    results: tuple[tuple[int, Processor], ...] | None = None


class Prepared:
    """One statement (a Core select, insert, update or delete, built once by the caller),
    compiled for each dialect it is sent to."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """The statement's rows (named tuples: by position or by column name)."""
        compiled = self._compiled(connection.dialect)
        cursor = self._send(connection, compiled, _bind(compiled, params), many=False)
        try:
            found = cursor.fetchall() if compiled.row is not None else []
            if found and compiled.results is None:
                compiled.results = _conversions(connection.dialect, compiled, cursor.description)
        finally:
            cursor.close()
        return [_row(compiled, r) for r in found]

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, None when there is none."""
        found = self.rows(connection, params)
        return found[0][0] if found else None

    def scalars(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        return [r[0] for r in self.rows(connection, params)]

    def run_many(self, connection: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """The statement once per mapping of `params`, in one call to the driver (a write
        returning nothing)."""
        if not params:
            return
        compiled = self._compiled(connection.dialect)
        bound = [_bind(compiled, p) for p in params]
        self._send(connection, compiled, bound, many=True).close()

    def _compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)
        found = self._by_dialect.get(key)
        if found is None:
            found = self._by_dialect[key] = _compile(self._statement, dialect)
        return found

    @staticmethod
    def _send(connection: Connection, compiled: _Compiled, bound: Any, *, many: bool) -> Any:
        if not connection.in_transaction():
            # As SQLAlchemy would on its first statement (the begin event opens it).
            connection.begin()
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            if many:
                cursor.executemany(compiled.sql, bound)
            else:
                cursor.execute(compiled.sql, bound)
        except connection.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            gone = connection.dialect.is_disconnect(exc, driver, cursor)
            if gone:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                compiled.sql,
                bound,
                exc,
                connection.dialect.loaded_dbapi.Error,
                connection_invalidated=gone,
                dialect=connection.dialect,
            ) from exc
        return cursor


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("a prepared statement cannot expand a list parameter at execution")
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("a prepared statement cannot compute column defaults in Python")
    converts: dict[str, Processor] = {}
    for name, bind in compiled.binds.items():
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            converts[name] = _remembered(convert) if _is_time(bind.type) else convert
    # The values a statement holds (its constants); the parameters it asks for are required.
    fixed = {
        name: converts[name](value) if name in converts and value is not None else value
        for name, value in compiled.params.items()
        if not compiled.binds[name].required
    }
    columns = list(getattr(statement, "exported_columns", None) or ())
    names = [getattr(c, "key", None) or f"_{i}" for i, c in enumerate(columns)]
    row = namedtuple("Row", names, rename=True) if columns else None  # type: ignore[misc]
    positions = compiled.positiontup
    return _Compiled(
        sql=compiled.string,
        plan=tuple(
            (name, converts.get(name), fixed.get(name, _ASKED))
            for name in (positions if positions is not None else compiled.params)
        ),
        positional=positions is not None,
        row=row,
        types=tuple(column.type for column in columns),
    )


def _conversions(
    dialect: Dialect, compiled: _Compiled, description: Sequence[Sequence[Any]]
) -> tuple[tuple[int, Processor], ...]:
    found = []
    for i, (kind, column) in enumerate(zip(compiled.types, description, strict=True)):
        convert = kind.dialect_impl(dialect).result_processor(dialect, column[1])
        if convert is not None:
            found.append((i, convert))
    return tuple(found)


def _is_time(kind: TypeEngine[Any]) -> bool:
    # A decorated type (UTCDateTime) says `object`: its implementation knows.
    try:
        return getattr(kind, "impl_instance", kind).python_type is datetime
    except NotImplementedError:
        return False


def _remembered(convert: Processor) -> Processor:
    """A time's conversion, remembered: a run binds the same few hours and times again
    and again (a baseline asks for the same 169 hours an hour apart), and converting a
    time costs ten times a look-up. A few hundred per parameter: every time parameter of
    every statement keeps its own, and a replay's many distinct times would otherwise
    hold tens of megabytes."""
    return lru_cache(maxsize=256)(convert)


def _bind(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
    values = []
    for name, convert, fixed in compiled.plan:
        if name in params:
            value = params[name]
            values.append(convert(value) if convert is not None and value is not None else value)
        elif fixed is _ASKED:
            raise KeyError(name)
        else:
            values.append(fixed)
    if compiled.positional:
        return tuple(values)
    return dict(zip((name for name, _, _ in compiled.plan), values, strict=True))


def _row(compiled: _Compiled, found: Sequence[Any]) -> Any:
    assert compiled.row is not None and compiled.results is not None
    if not compiled.results:
        return compiled.row._make(found)
    values = list(found)
    for i, convert in compiled.results:
        values[i] = convert(values[i])
    return compiled.row._make(values)
