"""Waking a stage in the other daemons that share the database (PostgreSQL NOTIFY).

A stage that made work for the next wakes it in its own process (service/handoff.py). The
other daemons would come to that work only when their own periods come round: on a cold
start, one daemon analyses the burst its collector stored while the others wait. So each
hand-off is also said on one channel, and every daemon listens on it and wakes the stage
named, unless it said it itself. A notification is delivered only once the transaction that
sends it commits, and it is sent after the work it names is stored, so a woken daemon finds
that work. A wake lost to a dropped connection costs only the wait for that stage's period.
SQLite serves one daemon: there is nobody to tell.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from wommon import logs
from wommon.store.db import transaction

log = logs.events("wommon")

CHANNEL = "wommon_wake"
# How long a listener waits for a notification before it looks whether it must stop.
_POLL_SECONDS = 1.0
_RETRY_SECONDS = (1.0, 60.0)


def shared(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def tell(engine: Engine, stage: str, owner: str) -> None:
    """Say to the other daemons that `stage` has work (raises StorageError)."""
    with transaction(engine) as session:
        session.execute(select(func.pg_notify(CHANNEL, f"{stage} {owner}")))


class Listener:
    """A thread holding one connection that listens on the channel, calling `on_wake` with
    each stage another daemon names; it reconnects, backing off, when the connection
    drops."""

    def __init__(self, engine: Engine, owner: str, on_wake: Callable[[str], None]) -> None:
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._where = url.render_as_string(hide_password=True)
        self._owner = owner
        self._on_wake = on_wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wommon-wakes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2 * _POLL_SECONDS)

    def _run(self) -> None:
        retry = _RETRY_SECONDS[0]
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, connect_timeout=10, application_name=CHANNEL
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    retry = _RETRY_SECONDS[0]
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=_POLL_SECONDS):
                            self._heard(note.payload)
            except psycopg.Error as exc:
                log.warning("peer_wakes_lost", database=self._where, error=exc, retry_seconds=retry)
                self._stop.wait(retry)
                retry = min(2 * retry, _RETRY_SECONDS[1])

    def _heard(self, payload: str) -> None:
        stage, _, owner = payload.partition(" ")
        if owner != self._owner:
            self._on_wake(stage)
