"""`wommon report`: one self-contained HTML file (styles and charts inlined, nothing to
fetch) with a period's incidents, each brand's volume against its baseline, and the top
aspects and languages: what a team lead forwards by email. The same figures as JSON.
"""

from __future__ import annotations

import base64
import math
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import Session

from wommon import __version__
from wommon.charts.figures import BrandSeries
from wommon.store.enums import State
from wommon.web import reads

# The brand charts show at most this many days (a longer report keeps its tables).
MAX_CHART_DAYS = 31


@dataclass(frozen=True)
class BrandSection:
    brand: str
    negative: int
    usual: float
    unusual_hours: int
    incidents: int
    series: BrandSeries


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    incidents: tuple[reads.ListRow, ...]
    brands: tuple[BrandSection, ...]
    aspects: tuple[tuple[str, int], ...]
    languages: tuple[tuple[str, int], ...]
    severities: tuple[tuple[str, int], ...]

    @property
    def alerted(self) -> int:
        return sum(1 for i in self.incidents if i.state != State.WATCHING)


def build(session: Session, since: datetime, until: datetime) -> Report:
    """The period's figures: every incident seen in it, and per brand the negative
    mentions per hour against the baseline, with the aspects and languages."""
    found = reads.incident_list(session, state="all", since=since, limit=10_000)
    rows = tuple(i for i in found.rows if i.first_seen <= until)
    days = min(max(1, math.ceil((until - since).total_seconds() / 86400)), MAX_CHART_DAYS)
    aspects: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    sections = []
    for name in reads.brand_names(session):
        page = reads.brand_page(session, name, until, days)
        aspects.update(dict(page.aspects))
        languages.update(dict(page.languages))
        s = page.series
        sections.append(
            BrandSection(
                brand=name,
                negative=sum(s.observed),
                usual=round(sum(s.expected), 1),
                unusual_hours=s.unusual_hours,
                incidents=sum(1 for i in rows if i.brand == name),
                series=s,
            )
        )
    severities = Counter(i.severity for i in rows)
    return Report(
        since=since,
        until=until,
        incidents=rows,
        brands=tuple(sections),
        aspects=tuple(aspects.most_common()),
        languages=tuple(languages.most_common()),
        severities=tuple((s, severities[s]) for s in ("high", "medium", "low") if severities[s]),
    )


def to_json(report: Report) -> dict[str, Any]:
    """The report's figures, without the hour-by-hour series."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "incidents": [plain(asdict(i)) for i in report.incidents],
        "alerted": report.alerted,
        "brands": [
            {k: plain(v) for k, v in asdict(b).items() if k != "series"} for b in report.brands
        ],
        "aspects": dict(report.aspects),
        "languages": dict(report.languages),
        "severities": dict(report.severities),
    }


def _inline(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def to_html(report: Report) -> str:
    # Imported here: matplotlib loads only for the commands that draw.
    from wommon.charts import draw as charts

    env = Environment(
        loader=PackageLoader("wommon.web", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    env.filters["when"] = lambda m: m.strftime("%Y-%m-%d %H:%M") if m else "-"
    style = resources.files("wommon.web").joinpath("static/wommon.css").read_text("utf-8")
    return env.get_template("report.html").render(
        r=report,
        style=style,
        version=__version__,
        brand_charts={b.brand: _inline(charts.brand_chart(b.series)) for b in report.brands},
        sparks={i.id: _inline(charts.sparkline(i.hourly)) for i in report.incidents},
        aspects_chart=_inline(charts.bars(report.aspects)) if report.aspects else None,
        languages_chart=_inline(charts.bars(report.languages)) if report.languages else None,
    )
