"""Alert payload -> words: the headline, the facts line and the excerpts, shared by every
notifier so Slack and the console tell the same story."""

from __future__ import annotations

from datetime import datetime
from typing import Any

TITLES = {
    "open": "Negative story spreading",
    "update": "Story still growing",
    "resolve": "Story has gone quiet",
}


def headline(payload: dict[str, Any], kind: str) -> str:
    return f"{TITLES.get(kind, 'Incident')} — {payload['brand']}: {payload['label']}"


def facts(payload: dict[str, Any]) -> str:
    first = datetime.fromisoformat(payload["first_seen"])
    last = datetime.fromisoformat(payload["last_seen"])
    hours = max((last - first).total_seconds() / 3600, 0.0)
    return (
        f"{payload['mentions']} negative mentions from {payload['sources']} independent "
        f"sources in {hours:.1f} h · severity {payload['severity']} · state {payload['state']}"
    )


def excerpts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(payload.get("excerpts", []))
