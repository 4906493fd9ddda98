from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from tests.conftest import START
from wommon.store.db import (
    current_revision,
    head_revision,
    make_engine,
    normalize_url,
    redact,
    transaction,
)
from wommon.store.models import Source


def test_migrations_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() == "0005"
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_datetimes_round_trip_as_aware_utc(engine: Engine) -> None:
    local = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    with transaction(engine) as session:
        session.add(
            Source(name="a", kind="rss", url="https://a", interval_seconds=60, next_due_at=local)
        )
    with Session(engine) as session:
        src = session.get(Source, 1)
        assert src is not None and src.next_due_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
        session.add(
            Source(
                name="b",
                kind="rss",
                url="https://b",
                interval_seconds=60,
                next_due_at=datetime(2026, 1, 1),
            )
        )


def test_a_failed_transaction_leaves_nothing_behind(engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(
            Source(name="a", kind="rss", url="https://a", interval_seconds=60, next_due_at=START)
        )
        session.flush()
        raise RuntimeError("crash mid-batch")
    with Session(engine) as session:
        assert session.get(Source, 1) is None


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    eng.dispose()


def test_urls_pick_psycopg_and_hide_passwords() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert "secret" not in redact("postgresql+psycopg://u:secret@h/db")
