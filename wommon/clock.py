"""The only place wommon reads the time.

Every stage takes a Clock so that replay, backfill and tests run on simulated time: the
same code that runs for months in production runs through months of history in seconds.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to; safe to share between threads."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("SimulatedClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("time does not run backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            if moment.astimezone(UTC) < self._now:
                raise ValueError("time does not run backwards")
            self._now = moment.astimezone(UTC)


_AGE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def since(value: str, now: datetime) -> datetime:
    """A date (2026-03-01, 2026-03-01T12:00, UTC unless it says) or an age before `now`
    (7d, 12h, 30m). Raises ValueError naming both forms."""
    value = value.strip()
    if value[:-1].isdigit() and value[-1:] in _AGE_UNITS:
        return now - timedelta(**{_AGE_UNITS[value[-1]]: int(value[:-1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a date (2026-03-01) nor an age (7d, 12h)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
