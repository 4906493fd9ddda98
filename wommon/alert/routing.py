"""Where and when an alert goes: the channel (per brand or severity) and quiet hours.

Pure functions of the payload, the settings and the time, so the rules are testable
without Slack and the same for every notifier.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from wommon.config import SlackSettings
from wommon.store.enums import SEVERITIES, Kind
from wommon.store.payload import IncidentNews, Payload


def rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def channel_for(payload: Payload, slack: SlackSettings, default: str) -> str:
    """The first route whose brand and minimum severity match, else the default channel
    (digests, of no brand, go by the routes that name none)."""
    brand = payload.brand if isinstance(payload, IncidentNews) else None
    severity = payload.severity if isinstance(payload, IncidentNews) else None
    for route in slack.routes:
        if route.brand is not None and route.brand != brand:
            continue
        if route.min_severity is not None and rank(severity) < rank(route.min_severity):
            continue
        return route.channel
    return default


def _clock(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, slack: SlackSettings) -> datetime | None:
    """When the quiet hours that `now` falls in end (UTC), or None outside them."""
    if not slack.quiet_hours:
        return None
    zone = ZoneInfo(slack.timezone)
    local = now.astimezone(zone)
    start_text, end_text = slack.quiet_hours.split("-")
    start, end = _clock(start_text), _clock(end_text)
    today = local.date()
    if start <= end:
        inside = start <= local.time() < end
        end_day = today
    else:
        inside = local.time() >= start or local.time() < end
        end_day = today + timedelta(days=1) if local.time() >= start else today
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


def held_until(payload: Payload, kind: str, now: datetime, slack: SlackSettings) -> datetime | None:
    """Quiet hours hold new, non-urgent incidents until morning; alerts at or above
    `quiet_min_severity`, and updates to incidents already announced, go out at once."""
    severity = payload.severity if isinstance(payload, IncidentNews) else None
    if kind != Kind.OPEN or rank(severity) >= rank(slack.quiet_min_severity):
        return None
    return quiet_until(now, slack)
