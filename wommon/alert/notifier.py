"""What a notifier receives and returns; Slack and the console implement the same Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str
    payload: dict[str, Any]
    root_channel: str | None = None
    root_ts: str | None = None


@dataclass(frozen=True)
class Receipt:
    channel: str
    ts: str | None


class Notifier(Protocol):
    def send(self, alert: Alert) -> Receipt:
        """Deliver one alert or raise DeliveryError (permanent or retryable)."""
        ...
