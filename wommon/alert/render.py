"""Alert payload -> words: headline, facts, growth and forecast lines shared by every
notifier, so Slack, the webhook and the console tell the same story."""

from __future__ import annotations

from datetime import datetime
from typing import Any

TITLES = {
    "open": "Negative story spreading",
    "update": "Story still growing",
    "escalate": "Story escalating",
    "reopen": "Story is back",
    "resolve": "Story has gone quiet",
    "action": "Incident updated",
}
ACTIONS = {
    "ack": "Acknowledged",
    "snooze": "Snoozed for 24 h",
    "resolve": "Resolved",
    "dismiss": "Marked as not an incident",
}


def headline(payload: dict[str, Any], kind: str) -> str:
    return f"{TITLES.get(kind, 'Incident')} — {payload['brand']}: {payload['label']}"


def hours_between(first: str, last: str) -> float:
    span = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    return max(span.total_seconds() / 3600, 0.0)


def facts(payload: dict[str, Any]) -> str:
    hours = hours_between(payload["first_seen"], payload["last_seen"])
    return (
        f"{payload['mentions']} negative mentions from {payload['sources']} independent "
        f"sources in {hours:.1f} h · severity {payload['severity']} · state {payload['state']}"
    )


SPARK_BARS = "▁▂▃▄▅▆▇█"


def sparkline(counts: list[int]) -> str:
    """Mentions per hour as bars, scaled to the busiest hour: "▁▂▃▅▇"."""
    top = max(counts, default=0)
    if top <= 0:
        return SPARK_BARS[0] * len(counts)
    last = len(SPARK_BARS) - 1
    return "".join(SPARK_BARS[round(c / top * last)] for c in counts)


def growth(payload: dict[str, Any]) -> str:
    """ "▁▂▃▅▇ +12 in the last hour, +30 in the last day" (bars: mentions per hour)."""
    g = payload.get("growth") or {}
    text = f"+{g.get('hour', 0)} in the last hour, +{g.get('day', 0)} in the last day"
    hourly = payload.get("hourly")
    return f"{sparkline(hourly)} {text}" if hourly else text


def forecast(payload: dict[str, Any]) -> str:
    """ "at least 40 mentions (7 in 10), 55% chance of going viral (30) by 21:00 UTC"."""
    size = payload.get("forecast_size")
    if size is None:
        return "not enough data yet"
    text = f"at least {size:.0f} mentions (7 in 10)"
    chance = payload.get("p_viral")
    if chance is not None:
        text += f", {chance:.0%} chance of going viral"
    when = payload.get("forecast_threshold_at")
    if when:
        text += f", viral by {when[:16].replace('T', ' ')} UTC at this pace"
    return text


def unusual(payload: dict[str, Any]) -> str | None:
    """How rare the brand's last hour is against its usual rate, when it is rare."""
    level = payload.get("surprise")
    if level is None or level < 2:
        return None
    return f"an hour like this comes about once in {10 ** min(level, 12):,.0f} for this brand"


def handled(payload: dict[str, Any]) -> str | None:
    info = payload.get("handled")
    if not info:
        return None
    who = f" by {info['by']}" if info.get("by") else ""
    return f"{ACTIONS.get(info['action'], info['action'])}{who}"


def excerpts(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(payload.get("excerpts", []))
