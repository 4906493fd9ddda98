"""Alert payload -> words: headline, facts, growth and forecast lines shared by every
notifier, so Slack, the webhook and the console tell the same story."""

from __future__ import annotations

from datetime import datetime

from wommon.store.enums import Kind
from wommon.store.payload import Excerpt, IncidentNews

TITLES: dict[str, str] = {
    Kind.OPEN: "Negative story spreading",
    Kind.UPDATE: "Story still growing",
    Kind.ESCALATE: "Story escalating",
    Kind.REOPEN: "Story is back",
    Kind.RESOLVE: "Story has gone quiet",
    Kind.ACTION: "Incident updated",
}
ACTIONS = {
    "ack": "Acknowledged",
    "snooze": "Snoozed for 24 h",
    "resolve": "Resolved",
    "dismiss": "Marked as not an incident",
}


def headline(news: IncidentNews, kind: str) -> str:
    return f"{TITLES.get(kind, 'Incident')} — {news.brand}: {news.label}"


def hours_between(first: str, last: str) -> float:
    span = datetime.fromisoformat(last) - datetime.fromisoformat(first)
    return max(span.total_seconds() / 3600, 0.0)


def facts(news: IncidentNews) -> str:
    hours = hours_between(news.first_seen, news.last_seen)
    return (
        f"{news.mentions} negative mentions from {news.sources} independent "
        f"sources in {hours:.1f} h · severity {news.severity} · state {news.state}"
    )


SPARK_BARS = "▁▂▃▄▅▆▇█"


def sparkline(counts: list[int]) -> str:
    """Mentions per hour as bars, scaled to the busiest hour: "▁▂▃▅▇"."""
    top = max(counts, default=0)
    if top <= 0:
        return SPARK_BARS[0] * len(counts)
    last = len(SPARK_BARS) - 1
    return "".join(SPARK_BARS[round(c / top * last)] for c in counts)


def growth(news: IncidentNews) -> str:
    """ "▁▂▃▅▇ +12 in the last hour, +30 in the last day" (bars: mentions per hour)."""
    g = news.growth
    text = f"+{g.hour} in the last hour, +{g.day} in the last day"
    return f"{sparkline(list(news.hourly))} {text}" if news.hourly else text


def forecast(news: IncidentNews) -> str:
    """ "at least 40 mentions (7 in 10), 55% chance of going viral (30) by 21:00 UTC"."""
    size = news.forecast_size
    if size is None:
        return "not enough data yet"
    text = f"at least {size:.0f} mentions (7 in 10)"
    chance = news.p_viral
    if chance is not None:
        text += f", {chance:.0%} chance of going viral"
    when = news.forecast_threshold_at
    if when:
        text += f", viral by {when[:16].replace('T', ' ')} UTC at this pace"
    return text


def unusual(news: IncidentNews) -> str | None:
    """How rare the brand's last hour is against its usual rate, when it is rare."""
    level = news.surprise
    if level is None or level < 2:
        return None
    return f"an hour like this comes about once in {10 ** min(level, 12):,.0f} for this brand"


def handled(news: IncidentNews) -> str | None:
    info = news.handled
    if not info:
        return None
    who = f" by {info.by}" if info.by else ""
    return f"{ACTIONS.get(info.action, info.action)}{who}"


def excerpts(news: IncidentNews) -> list[Excerpt]:
    return list(news.excerpts)
