"""A sample alert, for `wommon alert-test` and the delivery benchmark: every field the real
ones have, so a layout problem shows up before a real incident does."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def sample_payload(brand: str, now: datetime, number: int = 0) -> dict[str, Any]:
    return {
        "incident_id": number,
        "brand": brand,
        "label": "wommon alert test: if you can read this, alerts will reach you",
        "aspect": "compliance",
        "state": "alerting",
        "severity": "low",
        "mentions": 3,
        "sources": 2,
        "growth": {"hour": 1, "day": 3},
        "languages": ["en"],
        "forecast_size": None,
        "forecast_threshold_at": None,
        "first_seen": now.isoformat(),
        "last_seen": now.isoformat(),
        "excerpts": [
            {
                "title": "Charged twice for one order",
                "url": "https://example.com/review/1",
                "domain": "example.com",
                "text": "I was charged twice and support has not answered for a week.",
            }
        ],
    }
