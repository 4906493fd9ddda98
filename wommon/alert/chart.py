"""The chart posted in an incident's Slack thread when it escalates, drawn from what the
payload froze at decision time (its growth curve and spread state): delivery never reads
the incident back, so a retry an hour later posts the picture of the moment it escalated."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from wommon.detect.spread import SpreadState
from wommon.detect.timeline import Point


def escalation_png(payload: dict[str, Any]) -> bytes | None:
    """The incident chart as PNG, or None when the payload carries no growth curve."""
    timeline = payload.get("timeline") or {}
    points = tuple(
        Point(datetime.fromisoformat(at), mentions, voices)
        for at, mentions, voices in timeline.get("points", ())
    )
    if not points:
        return None
    # Imported here: matplotlib is loaded only by the daemons that draw.
    from wommon.charts.draw import incident_chart
    from wommon.charts.figures import Marker, MarkerKind, drawn

    decided = datetime.fromisoformat(payload.get("decided_at") or points[-1].at.isoformat())
    series = drawn(
        points,
        timedelta(seconds=timeline.get("bucket_seconds", 60)),
        spread=SpreadState.from_json(payload["spread"]) if payload.get("spread") else None,
        now=decided,
        open_=True,
        found=(Marker(decided, MarkerKind.ESCALATED),),
    )
    return incident_chart(series, "png")
