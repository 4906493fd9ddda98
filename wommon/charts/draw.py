"""Charts drawn on the server with matplotlib: SVG for the pages and the report, PNG for
Slack. No JavaScript and no file from the internet: a chart is a document of its own.

Every drawn series carries an id (`mentions`, `voices`, `forecast`, `band`, `observed`,
`usual`, `marker-<kind>`) so a test, or a stylesheet, can find it in the SVG. Drawing is
serialised: matplotlib's font cache is shared by every figure in the process.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")

from matplotlib import dates as mdates
from matplotlib.figure import Figure

from wommon.charts.figures import BrandSeries, IncidentSeries, MarkerKind

_LOCK = threading.Lock()
# Fixed ids inside the SVG: the same figures give the same bytes.
matplotlib.rcParams["svg.hashsalt"] = "wommon"
matplotlib.rcParams["svg.fonttype"] = "none"

INK = "#1f2933"
MENTIONS = "#c2410c"
VOICES = "#2563eb"
FORECAST = "#7c3aed"
USUAL = "#94a3b8"
MARKER_COLOURS = {
    MarkerKind.ALERTED: "#dc2626",
    MarkerKind.ESCALATED: "#991b1b",
    MarkerKind.REOPENED: "#ea580c",
    MarkerKind.RESOLVED: "#16a34a",
    MarkerKind.ACKNOWLEDGED: "#0891b2",
    MarkerKind.SNOOZED: "#64748b",
    MarkerKind.DISMISSED: "#475569",
}


def _save(figure: Figure, fmt: str) -> bytes:
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(out, format=fmt, metadata=metadata, dpi=110)
    return out.getvalue()


def _axes_style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.8)  # type: ignore[attr-defined]
    ax.tick_params(colors=INK, labelsize=8)  # type: ignore[attr-defined]


def _time_axis(ax: object) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[attr-defined]


def incident_chart(series: IncidentSeries, fmt: str = "svg") -> bytes:
    """Cumulative mentions and independent voices (one dot per busy interval), the
    forecast from now with its band, and a marker where the incident alerted, escalated,
    was acknowledged or resolved."""
    with _LOCK:
        figure = Figure(figsize=(8, 3.6))
        figure.subplots_adjust(left=0.08, right=0.98, top=0.96, bottom=0.12)
        ax = figure.add_subplot()
        _axes_style(ax)
        times = mdates.date2num([p.at for p in series.points])
        if len(times):
            (line,) = ax.step(
                times,
                [p.mentions for p in series.points],
                where="post",
                color=MENTIONS,
                marker="o",
                markersize=3,
                linewidth=1.6,
                label="mentions",
            )
            line.set_gid("mentions")
            (voices,) = ax.step(
                times,
                [p.voices for p in series.points],
                where="post",
                color=VOICES,
                marker="o",
                markersize=2.5,
                linewidth=1.2,
                label="independent voices",
            )
            voices.set_gid("voices")
        f = series.forecast
        if f is not None:
            low, high = f.quantiles
            future = mdates.date2num(f.times)
            band = ax.fill_between(
                future,
                f.low,
                f.high,
                color=FORECAST,
                alpha=0.15,
                linewidth=0,
                label=f"forecast, {round((high - low) * 10)} in 10 range",
            )
            band.set_gid("band")
            (median,) = ax.plot(
                future,
                f.median,
                color=FORECAST,
                linestyle="--",
                linewidth=1.2,
                label="forecast (median)",
            )
            median.set_gid("forecast")
        seen = max([p.mentions for p in series.points] + list(f.median if f else ()), default=1)
        # A wide band would flatten the story into the axis: the top is kept near what
        # was seen, and the band's upper end is written where it leaves the chart.
        top = seen * 1.6 + 1
        if f is not None and f.high[-1] > top:
            ax.annotate(
                f"range reaches {f.high[-1]:,.0f}",
                (mdates.date2num(f.times[-1]), top),
                fontsize=7,
                color=FORECAST,
                va="top",
                ha="right",
            )
        for m in series.markers:
            colour = MARKER_COLOURS[m.kind]
            rule = ax.axvline(float(mdates.date2num(m.at)), color=colour, linewidth=1, alpha=0.8)
            rule.set_gid(f"marker-{m.kind.value.replace(' ', '-')}")
            ax.annotate(
                m.kind.value,
                (mdates.date2num(m.at), 0),
                rotation=90,
                fontsize=7,
                color=colour,
                va="bottom",
                ha="right",
                xytext=(-2, 2),
                textcoords="offset points",
            )
        ax.set_ylabel("total so far", color=INK, fontsize=8)
        ax.set_ylim(0, top)
        _time_axis(ax)
        if len(times) or f is not None:
            ax.legend(loc="upper left", fontsize=7, frameon=False)
        return _save(figure, fmt)


def brand_chart(series: BrandSeries, fmt: str = "svg") -> bytes:
    """Negative mentions per hour against the band the brand's baseline calls usual."""
    with _LOCK:
        figure = Figure(figsize=(8, 3.2))
        figure.subplots_adjust(left=0.07, right=0.98, top=0.96, bottom=0.13)
        ax = figure.add_subplot()
        _axes_style(ax)
        hours = mdates.date2num(series.hours)
        band = ax.fill_between(
            hours,
            series.low,
            series.high,
            step="mid",
            color=USUAL,
            alpha=0.35,
            linewidth=0,
            label="usual (5–95 in 100)",
        )
        band.set_gid("usual")
        (line,) = ax.step(
            hours,
            series.observed,
            where="mid",
            color=MENTIONS,
            linewidth=1.1,
            label="negative mentions per hour",
        )
        line.set_gid("observed")
        ax.set_ylim(bottom=0)
        _time_axis(ax)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        return _save(figure, fmt)


def sparkline(counts: Sequence[int], fmt: str = "svg") -> bytes:
    """A small bar chart of mentions per hour, for the incident list."""
    with _LOCK:
        figure = Figure(figsize=(1.4, 0.32))
        ax = figure.add_axes((0, 0, 1, 1))
        ax.bar(range(len(counts)), counts, width=0.85, color=MENTIONS)
        ax.set_gid("spark")
        ax.set_ylim(0, max(max(counts, default=0), 1))
        ax.set_axis_off()
        return _save(figure, fmt)


def bars(pairs: Sequence[tuple[str, int]], fmt: str = "svg") -> bytes:
    """Horizontal bars, largest on top: a brand's aspects or languages."""
    with _LOCK:
        shown = list(pairs[:10])[::-1]
        figure = Figure(figsize=(3.6, 0.3 * max(len(shown), 1) + 0.5))
        ax = figure.add_subplot()
        _axes_style(ax)
        ax.barh([label for label, _ in shown], [n for _, n in shown], color=VOICES)
        ax.grid(False)
        figure.tight_layout()
        return _save(figure, fmt)


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
