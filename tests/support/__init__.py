"""What the tests share: builders, real servers on loopback, daemons as subprocesses."""

from datetime import UTC, datetime
from pathlib import Path

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[1] / "data"
