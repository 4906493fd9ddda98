from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.support import START
from tests.support.slack_server import SlackServer
from wommon.clock import SimulatedClock
from wommon.store.db import make_engine, upgrade


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite in a temporary folder, or a freshly emptied PostgreSQL database when
    WOMMON_TEST_DATABASE_URL is set (the same suite runs on both)."""
    url = os.environ.get("WOMMON_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'wommon.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server
