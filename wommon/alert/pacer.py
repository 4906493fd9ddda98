"""At most N messages per second per Slack channel, and silence after a 429.

Slack allows about one message per second per channel and may disable an app that keeps
sending after a 429, so the deliverer waits here. The wait blocks only the delivery job's
thread; collection and detection run in their own. One daemon paces in memory (`Pacer`);
daemons sharing PostgreSQL pace together through it (`SharedPacer`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from wommon.store.db import transaction
from wommon.store.models import ChannelPace


class Pacing(Protocol):
    def wait(self, channel: str) -> None: ...

    def block(self, channel: str, seconds: float) -> None: ...

    def blocked(self, channel: str) -> float: ...


class Pacer:
    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gap = 1.0 / per_second
        self._monotonic = monotonic
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._blocked: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        """Return when a message may go to `channel`."""
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next.get(channel, now))
            self._next[channel] = start + self._gap
        if start > now:
            self._sleep(start - now)

    def block(self, channel: str, seconds: float) -> None:
        """Slack said 429: nothing more to this channel for `seconds`."""
        with self._lock:
            until = self._monotonic() + seconds
            self._blocked[channel] = max(self._blocked.get(channel, 0.0), until)
            self._next[channel] = max(self._next.get(channel, 0.0), until)

    def blocked(self, channel: str) -> float:
        """Seconds until `channel` may be sent to again after a 429 (0 when it may)."""
        with self._lock:
            return max(self._blocked.get(channel, 0.0) - self._monotonic(), 0.0)


class SharedPacer:
    """The same pacing held in the database (PostgreSQL), so that it holds across every
    daemon: each message reserves the channel's next send time in a row locked for that
    instant only, and times come from the database server's clock, which every daemon
    shares whatever its own clock says."""

    def __init__(
        self, engine: Engine, per_second: float, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._engine = engine
        self._gap = timedelta(seconds=1.0 / per_second)
        self._sleep = sleep

    def wait(self, channel: str) -> None:
        with transaction(self._engine) as session:
            row, now = self._row(session, channel)
            start = max(now, row.next_at, row.blocked_until or now)
            row.next_at = start + self._gap
            session.add(row)
        if start > now:
            self._sleep((start - now).total_seconds())

    def block(self, channel: str, seconds: float) -> None:
        with transaction(self._engine) as session:
            row, now = self._row(session, channel)
            until = now + timedelta(seconds=seconds)
            row.blocked_until = max(row.blocked_until or until, until)
            row.next_at = max(row.next_at, until)
            session.add(row)

    def blocked(self, channel: str) -> float:
        with transaction(self._engine) as session:
            row, now = self._row(session, channel)
            if row.blocked_until is None:
                return 0.0
            return max((row.blocked_until - now).total_seconds(), 0.0)

    @staticmethod
    def _row(session: Session, channel: str) -> tuple[ChannelPace, datetime]:
        now = session.execute(text("SELECT clock_timestamp()")).scalar_one()
        now = now.astimezone(UTC)
        session.execute(
            postgresql.insert(ChannelPace)
            .values(channel=channel, next_at=now)
            .on_conflict_do_nothing()
        )
        row = session.exec(
            select(ChannelPace).where(ChannelPace.channel == channel).with_for_update()
        ).one()
        return row, now
