"""Prepared statements (store/prepared.py) behave as the same statements sent through
SQLAlchemy: same rows and types, same transaction, same errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import String, bindparam, insert, literal, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import col

from wommon.errors import StorageError
from wommon.store.db import transaction
from wommon.store.models import BrandHour, Mention
from wommon.store.prepared import Prepared

HOUR = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _hours(engine: Engine) -> None:
    with transaction(engine) as session:
        session.connection().execute(
            insert(BrandHour),
            [
                {"brand": b, "hour": HOUR + timedelta(hours=i), "negative": i}
                for b in "AB"
                for i in range(3)
            ],
        )


def test_rows_and_their_types_are_those_sqlalchemy_reads(engine: Engine) -> None:
    _hours(engine)
    statement = (
        select(
            col(BrandHour.brand),
            col(BrandHour.hour),
            (col(BrandHour.negative) > 0).label("any"),
            literal("const", String).label("const"),
            literal(None, String).label("unknown"),
            (col(BrandHour.negative) * 1.5).label("weighted"),
        )
        .where(
            col(BrandHour.brand) == bindparam("brand"), col(BrandHour.hour) >= bindparam("since")
        )
        .order_by(col(BrandHour.hour))
    )
    # An aware time in another zone is bound as the same instant.
    since = (HOUR + timedelta(hours=1)).astimezone(timezone(timedelta(hours=-5)))
    with transaction(engine) as session:
        connection = session.connection()
        through_sqlalchemy = connection.execute(statement, {"brand": "A", "since": since}).all()
        rows = Prepared(statement).rows(connection, {"brand": "A", "since": since})
    assert [tuple(r) for r in rows] == [tuple(r) for r in through_sqlalchemy]
    assert [(r.hour, r.any, r.const, r.unknown, r.weighted) for r in rows] == [
        (HOUR + timedelta(hours=1), True, "const", None, 1.5),
        (HOUR + timedelta(hours=2), True, "const", None, 3.0),
    ]
    assert all(type(r.any) is bool and r.hour.tzinfo is not None for r in rows)


def test_writes_belong_to_the_callers_transaction(engine: Engine) -> None:
    _hours(engine)
    raise_to = Prepared(
        update(BrandHour)
        .where(col(BrandHour.brand) == bindparam("b"), col(BrandHour.hour) == bindparam("h"))
        .values(negative=bindparam("n"))
    )
    count = Prepared(select(col(BrandHour.negative)).where(col(BrandHour.hour) == bindparam("h")))
    with pytest.raises(RuntimeError), transaction(engine) as session:
        raise_to.run_many(session.connection(), [{"b": "A", "h": HOUR, "n": 50}])
        assert sorted(count.scalars(session.connection(), {"h": HOUR})) == [0, 50]
        raise RuntimeError("crash after the write")
    with transaction(engine) as session:
        assert sorted(count.scalars(session.connection(), {"h": HOUR})) == [0, 0]
        raise_to.run_many(
            session.connection(), [{"b": b, "h": HOUR, "n": n} for b, n in (("A", 7), ("B", 8))]
        )
    with transaction(engine) as session:
        assert sorted(count.scalars(session.connection(), {"h": HOUR})) == [7, 8]
        assert count.scalar(session.connection(), {"h": HOUR - timedelta(days=1)}) is None


def test_a_driver_error_is_a_storage_error_naming_the_database(engine: Engine) -> None:
    adding = Prepared(
        insert(BrandHour).values(brand=bindparam("b"), hour=bindparam("h"), negative=1)
    )
    twice = [{"b": "A", "h": HOUR}, {"b": "A", "h": HOUR}]
    with (
        pytest.raises(StorageError, match=r"(?i)unique|duplicate") as raised,
        transaction(engine) as session,
    ):
        adding.run_many(session.connection(), twice)
    assert engine.url.database and str(engine.url.database) in str(raised.value)
    with transaction(engine) as session:
        assert Prepared(select(col(BrandHour.id))).rows(session.connection(), {}) == []


def test_a_dropped_connection_is_replaced_for_the_next_transaction(
    engine: Engine, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("dropping a server-side connection needs PostgreSQL")
    _hours(engine)
    count = Prepared(select(col(BrandHour.negative)).where(col(BrandHour.brand) == "A"))
    with pytest.raises(StorageError), transaction(engine) as session:
        connection = session.connection()
        with engine.connect() as other:
            other.execute(
                text("SELECT pg_terminate_backend(:pid)"),
                {"pid": connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()},
            )
        count.rows(connection, {})
    with transaction(engine) as session:
        assert sorted(count.scalars(session.connection(), {})) == [0, 1, 2]


def test_a_list_expanded_at_execution_is_refused(engine: Engine) -> None:
    expanding = Prepared(
        select(col(Mention.id)).where(col(Mention.uid).in_(bindparam("uids", expanding=True)))
    )
    with transaction(engine) as session, pytest.raises(ValueError, match="expand"):
        expanding.rows(session.connection(), {"uids": ["a"]})


def test_a_time_is_converted_once_and_a_missing_parameter_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run binds the same times again and again: each distinct instant is converted once
    per parameter (the same instant in another zone included), and a row that leaves out
    a parameter the statement asks for is refused rather than sent with a gap."""
    from wommon.store.types import UTCDateTime

    converted: list[datetime] = []
    convert = UTCDateTime.process_bind_param

    def counted(self: UTCDateTime, value: datetime | None, dialect: object) -> object:
        if value is not None:
            converted.append(value)
        return convert(self, value, dialect)  # type: ignore[arg-type]

    monkeypatch.setattr(UTCDateTime, "process_bind_param", counted)
    adding = Prepared(
        insert(BrandHour).values(brand=bindparam("b"), hour=bindparam("h"), negative=1)
    )
    elsewhere = HOUR.astimezone(timezone(timedelta(hours=3)))
    later = HOUR + timedelta(hours=1)
    rows = [{"b": "A", "h": HOUR}, {"b": "B", "h": elsewhere}, {"b": "C", "h": HOUR}]
    with transaction(engine) as session:
        adding.run_many(session.connection(), [*rows, {"b": "A", "h": later}])
        hours = Prepared(select(col(BrandHour.brand), col(BrandHour.hour)))
        assert sorted(hours.rows(session.connection(), {})) == [
            ("A", HOUR),
            ("A", later),
            ("B", HOUR),
            ("C", HOUR),
        ]
    assert converted == [HOUR, later]
    with transaction(engine) as session, pytest.raises(KeyError, match="h"):
        adding.run_many(session.connection(), [{"b": "D"}])
