"""How a story grew: its cumulative mentions and independent voices over time, and its
mentions per hour. Pure, and shared by the alert (a sparkline, the escalation chart) and
the web pages, so Slack and the incident page draw the same curve."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from wommon.detect.voices import Voiced, VoiceTally
from wommon.store.hours import hour_of

# A story of any length is drawn with at most this many points.
MAX_POINTS = 240
# Candidate bucket widths, finest first: the finest that keeps to MAX_POINTS is used.
_BUCKETS = tuple(timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 180, 360, 720, 1440, 10080))


@dataclass(frozen=True)
class MentionFact:
    """One mention as the timeline sees it."""

    at: datetime
    domain: str | None
    author: str | None
    fingerprint: str | None
    weight: float = 1.0


@dataclass(frozen=True)
class Point:
    at: datetime
    mentions: int
    voices: float


def bucket_for(first: datetime, last: datetime, max_points: int = MAX_POINTS) -> timedelta:
    span = last - first
    for width in _BUCKETS:
        if span / width < max_points:
            return width
    return _BUCKETS[-1]


def _floor(moment: datetime, width: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return epoch + ((moment - epoch) // width) * width


def growth(
    mentions: Sequence[MentionFact], max_points: int = MAX_POINTS
) -> tuple[tuple[Point, ...], timedelta]:
    """Cumulative mentions and voices at the end of every bucket that holds a mention:
    one point per busy bucket, so a quiet night draws a flat line and not a hundred dots.
    Voices are replayed with detection's own rule (detect/voices.py)."""
    ordered = sorted(mentions, key=lambda m: m.at)
    if not ordered:
        return (), _BUCKETS[0]
    width = bucket_for(ordered[0].at, ordered[-1].at, max_points)
    tally = VoiceTally()
    points: list[Point] = []
    for count, m in enumerate(ordered, 1):
        tally.add(Voiced(m.domain, m.author, m.fingerprint, m.weight))
        end = _floor(m.at, width) + width
        point = Point(end, count, round(tally.voices, 3))
        if points and points[-1].at == end:
            points[-1] = point
        else:
            points.append(point)
    return tuple(points), width


def hourly(times: Iterable[datetime], end: datetime, hours: int) -> tuple[int, ...]:
    """Mentions per hour over the `hours` whole hours ending with the one holding `end`,
    oldest first: a sparkline's bars."""
    last = hour_of(end)
    first = last - timedelta(hours=hours - 1)
    counts = Counter(hour_of(t) for t in times if first <= hour_of(t) <= last)
    return tuple(counts.get(first + timedelta(hours=h), 0) for h in range(hours))
