"""Engine, connection settings and migrations for SQLite and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with
`BEGIN IMMEDIATE`: busy_timeout cannot rescue a transaction that began as a reader and then
tries to write, which is how a daemon and a concurrent backfill end in "database is locked".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session, create_engine

from wommon import defaults
from wommon.errors import StorageError
from wommon.store.locks import key

MIGRATIONS = Path(__file__).with_name("migrations")


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain postgresql:// URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine for `url`. A `readonly` one (for `status`, `sources`, `incidents`) never
    takes SQLite's write lock, so a busy writer cannot make a look at the state wait."""
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"invalid database URL {redact(url)!r}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, readonly)
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cursor:
            cursor.execute(
                f"SET idle_in_transaction_session_timeout = {defaults.IDLE_TRANSACTION_SECONDS}000"
            )
        dbapi_conn.commit()

    if readonly:
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def _sqlite_engine(url: str, database: str | None, readonly: bool) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser().resolve()
        if not path.parent.is_dir():
            raise StorageError(f"{redact(url)}: folder {path.parent} does not exist")
        _check_owner(url, path)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {defaults.SQLITE_BUSY_TIMEOUT_MS}")
        if readonly:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Readers see one snapshot and wait for nobody (WAL); writers take the lock first.
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def check_integrity(engine: Engine) -> None:
    """SQLite's quick_check: a damaged file is named, with what to do, before anything
    reads or writes it (PostgreSQL checks its own pages)."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as connection:
            rows = [r[0] for r in connection.exec_driver_sql("PRAGMA quick_check").fetchall()]
    except SQLAlchemyError as exc:
        rows = [str(getattr(exc, "orig", exc))]
    if rows != ["ok"]:
        raise StorageError(damaged(str(engine.url), "; ".join(rows[:3])))


def damaged(url: str, detail: str) -> str:
    database = make_url(url).database or url
    return (
        f"{redact(url)}: the database file is damaged ({detail[:300]}). Stop wommon, keep a "
        f"copy, then restore a backup or recover it: sqlite3 {database} .recover | "
        f"sqlite3 recovered.db"
    )


def require_schema(engine: Engine) -> None:
    """For read-only commands: the schema must exist and be current (they never migrate:
    that takes the write lock)."""
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc))
        if "malformed" in reason or "not a database" in reason:
            raise StorageError(damaged(str(engine.url), reason)) from None
        raise StorageError(f"{redact(str(engine.url))}: {reason}") from None
    head = head_revision()
    if current is None:
        raise StorageError(
            f"{redact(str(engine.url))}: no wommon schema yet: run `wommon run` or "
            f"`wommon db upgrade CONFIG` first"
        )
    if current != head:
        raise StorageError(
            f"{redact(str(engine.url))}: schema at revision {current}, this wommon needs "
            f"{head}: run `wommon db upgrade CONFIG`"
        )


def _check_owner(url: str, path: Path) -> None:
    """R18: refuse to open another user's SQLite database. SQLite creates its -wal and -shm
    files as whoever opens the database first; a backfill run as root next to the service's
    user would leave files the daemon can no longer open."""
    try:
        owner = path.stat().st_uid
    except FileNotFoundError:
        return
    if owner != os.geteuid():
        raise StorageError(
            f"{redact(url)}: the database belongs to uid {owner}, not to this user "
            f"(uid {os.geteuid()}); run wommon as its owner (for the service: "
            f"systemctl start wommon-backfill, or systemd-run -p DynamicUser=yes "
            f"-p User=wommon -p StateDirectory=wommon ...)"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` through Alembic; safe to run at every start."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Daemons starting together on an empty database migrate one at a time;
                # the others then find the schema current.
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key("migrate")})
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"{redact(str(engine.url))}: migration failed: {exc.__class__.__name__}: "
            f"{getattr(exc, 'orig', exc)}"
        ) from None


def head_revision() -> str | None:
    """The newest migration this version of wommon ships."""
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def storage_error(url: str, exc: SQLAlchemyError) -> StorageError:
    """A database error as wommon tells it: the database (password hidden) and the cause;
    a damaged SQLite file says how to recover it."""
    reason = str(getattr(exc, "orig", None) or exc)
    if "malformed" in reason or "not a database" in reason:
        return StorageError(damaged(url, reason), reason)
    cause = f"{exc.__class__.__name__}: {reason}"
    return StorageError(f"{redact(url)}: {cause}", cause)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed whole at the end, rolled back whole on any error. A
    database error leaves it as a StorageError naming the database: the one place storage
    errors are translated."""
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    except SQLAlchemyError as exc:
        raise storage_error(str(engine.url), exc) from exc


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session to read with; its database errors become StorageError, as in
    `transaction`."""
    try:
        with Session(engine) as session:
            yield session
    except SQLAlchemyError as exc:
        raise storage_error(str(engine.url), exc) from exc
