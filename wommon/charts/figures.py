"""The numbers behind every chart, computed from plain rows: pure, so each figure is unit
tested without a database, a browser or a plotting library.

An incident chart is the story's cumulative mentions and independent voices over time,
the forecast from now on with its band, and markers where something happened to it. A
brand chart is its negative mentions per hour against the band its baseline expects.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wommon.detect.baseline import expected_rate
from wommon.detect.spread import Projection, SpreadState, projection
from wommon.detect.timeline import MentionFact, Point, growth
from wommon.store.enums import Action, Kind
from wommon.store.hours import hour_of

# How far ahead the forecast is drawn: as far as the story has run so far, within these.
FORECAST_HOURS = (6.0, 48.0)
FORECAST_STEPS = 24
# The brand chart's band: the hourly counts the baseline calls usual, 5 to 95 in 100.
BASELINE_BAND = (0.05, 0.95)


class MarkerKind(StrEnum):
    ALERTED = "alerted"
    ESCALATED = "escalated"
    REOPENED = "re-opened"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"


# What each outbox kind and each Slack action says happened.
_ALERT_MARKERS: dict[str, MarkerKind] = {
    Kind.OPEN: MarkerKind.ALERTED,
    Kind.ESCALATE: MarkerKind.ESCALATED,
    Kind.REOPEN: MarkerKind.REOPENED,
    Kind.RESOLVE: MarkerKind.RESOLVED,
}
_ACTION_MARKERS: dict[str, MarkerKind] = {
    Action.ACK: MarkerKind.ACKNOWLEDGED,
    Action.SNOOZE: MarkerKind.SNOOZED,
    Action.RESOLVE: MarkerKind.RESOLVED,
    Action.DISMISS: MarkerKind.DISMISSED,
}


@dataclass(frozen=True)
class Marker:
    at: datetime
    kind: MarkerKind


@dataclass(frozen=True)
class IncidentSeries:
    points: tuple[Point, ...]
    bucket: timedelta
    forecast: Projection | None
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class BrandSeries:
    hours: tuple[datetime, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    low: tuple[int, ...]
    high: tuple[int, ...]

    @property
    def unusual_hours(self) -> int:
        return sum(1 for o, h in zip(self.observed, self.high, strict=True) if o > h)


def markers(
    alerts: Iterable[tuple[str, datetime]], action: tuple[str, datetime] | None
) -> tuple[Marker, ...]:
    """Alerts queued (open, escalate, re-open, resolve) and the last choice made in Slack,
    in time order; updates are not markers (they would cover the curve)."""
    found = [Marker(at, _ALERT_MARKERS[kind]) for kind, at in alerts if kind in _ALERT_MARKERS]
    if action is not None and action[0] in _ACTION_MARKERS:
        found.append(Marker(action[1], _ACTION_MARKERS[action[0]]))
    return tuple(sorted(found, key=lambda m: m.at))


def incident_series(
    mentions: Sequence[MentionFact],
    *,
    spread: SpreadState | None,
    now: datetime,
    open_: bool,
    alerts: Iterable[tuple[str, datetime]] = (),
    action: tuple[str, datetime] | None = None,
) -> IncidentSeries:
    """Everything the incident chart draws."""
    points, width = growth(mentions)
    return drawn(points, width, spread=spread, now=now, open_=open_, found=markers(alerts, action))


def drawn(
    points: tuple[Point, ...],
    width: timedelta,
    *,
    spread: SpreadState | None,
    now: datetime,
    open_: bool,
    found: tuple[Marker, ...] = (),
) -> IncidentSeries:
    """A growth curve with its forecast, drawn for open incidents only: a resolved story's
    future is not a forecast anyone acts on."""
    forecast = None
    if open_ and spread is not None and spread.at is not None:
        start = max(now, spread.at)
        ran = (start - points[0].at).total_seconds() / 3600 if points else 0.0
        horizon = min(max(ran, FORECAST_HOURS[0]), FORECAST_HOURS[1])
        steps = tuple(horizon * k / FORECAST_STEPS for k in range(FORECAST_STEPS + 1))
        forecast = projection(spread, start, steps)
    return IncidentSeries(points, width, forecast, found)


def poisson_quantile(rate: float, q: float) -> int:
    """The smallest k with P(X <= k) >= q for X ~ Poisson(rate)."""
    if rate <= 0:
        return 0
    term = math.exp(-rate)
    total, k = term, 0
    while total < q and k < 10_000:
        k += 1
        term *= rate / k
        total += term
    return k


def brand_series(counts: Mapping[datetime, int], end: datetime, days: int = 14) -> BrandSeries:
    """Negative mentions per hour over the last `days` against the baseline's usual
    rate for each hour (learnt from the hours before it, as detection does) and the band
    of counts that rate makes usual."""
    last = hour_of(end)
    hours = tuple(last - timedelta(hours=h) for h in range(days * 24 - 1, -1, -1))
    expected = tuple(expected_rate(counts, h) for h in hours)
    return BrandSeries(
        hours=hours,
        observed=tuple(counts.get(h, 0) for h in hours),
        expected=tuple(round(e, 4) for e in expected),
        low=tuple(poisson_quantile(e, BASELINE_BAND[0]) for e in expected),
        high=tuple(poisson_quantile(e, BASELINE_BAND[1]) for e in expected),
    )
