"""At most N messages per second per Slack channel, and silence after a 429.

Slack allows about one message per second per channel and may disable an app that keeps
sending after a 429, so the deliverer waits here. The wait blocks only the delivery job's
thread; collection and detection run in their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
