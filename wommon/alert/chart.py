"""The chart posted in an incident's Slack thread when it escalates, drawn from what the
payload froze at decision time (its growth curve and spread state): delivery never reads
the incident back, so a retry an hour later posts the picture of the moment it escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from wommon.detect.spread import SpreadState
from wommon.detect.timeline import Point
from wommon.store.payload import IncidentNews


def escalation_png(news: IncidentNews) -> bytes | None:
    """The incident chart as PNG, or None when the news carries no growth curve."""
    timeline = news.timeline
    if timeline is None or not timeline.points:
        return None
    points = tuple(
        Point(datetime.fromisoformat(at), mentions, voices)
        for at, mentions, voices in timeline.points
    )
    # Imported here: matplotlib is loaded only by the daemons that draw.
    from wommon.charts.draw import incident_chart
    from wommon.charts.figures import Marker, MarkerKind, drawn

    decided = datetime.fromisoformat(news.decided_at or points[-1].at.isoformat())
    series = drawn(
        points,
        timedelta(seconds=timeline.bucket_seconds),
        spread=SpreadState.from_json(news.spread) if news.spread else None,
        now=decided,
        open_=True,
        found=(Marker(decided, MarkerKind.ESCALATED),),
    )
    return incident_chart(series, "png")
