from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wommon.clock import SimulatedClock, SystemClock


def test_simulated_clock_moves_only_when_told() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = SimulatedClock(start)
    assert clock.now() == start
    assert clock.advance(90) == start + timedelta(seconds=90)
    clock.set(start + timedelta(hours=1))
    assert clock.now() == start + timedelta(hours=1)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(start)
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2026, 1, 1))


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC
