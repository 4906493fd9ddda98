"""What a notifier receives and returns; Slack (bot or webhook) and the console implement
the same Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from wommon.store.payload import Payload


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str
    payload: Payload
    channel: str
    root_channel: str | None = None
    root_ts: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Receipt:
    channel: str
    ts: str | None
    # The incident's root message when this delivery created one.
    root_ts: str | None = None


class Notifier(Protocol):
    interactive: bool

    def send(self, alert: Alert) -> Receipt:
        """Deliver one alert or raise DeliveryError (permanent or retryable)."""
        ...

    def find(self, alert: Alert) -> Receipt | None:
        """The delivery of `alert` if it already happened (a crash after Slack answered),
        None when it did not; DeliveryError when that cannot be known."""
        ...
