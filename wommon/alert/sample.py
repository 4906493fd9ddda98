"""A sample alert, for `wommon alert-test` and the delivery benchmark: every field the real
ones have, so a layout problem shows up before a real incident does."""

from __future__ import annotations

from datetime import datetime

from wommon.store.enums import Severity, State
from wommon.store.payload import Excerpt, Growth, IncidentNews


def sample_payload(brand: str, now: datetime, number: int = 0) -> IncidentNews:
    return IncidentNews(
        incident_id=number,
        brand=brand,
        label="wommon alert test: if you can read this, alerts will reach you",
        aspect="compliance",
        state=State.ALERTING,
        severity=Severity.LOW,
        mentions=3,
        sources=2,
        growth=Growth(hour=1, day=3),
        hourly=(0, 0, 0, 0, 0, 1, 1, 1),
        languages=("en",),
        first_seen=now.isoformat(),
        last_seen=now.isoformat(),
        excerpts=(
            Excerpt(
                title="Charged twice for one order",
                url="https://example.com/review/1",
                domain="example.com",
                text="I was charged twice and support has not answered for a week.",
            ),
        ),
    )
