"""How a rule is scored on replayed stories: how many viral stories it flagged early, how
many of its flags were right, how early, and how far off the forecast was; and the scores
as words and as JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wommon.runs.cascades import Cascade
from wommon.wording import plural

# A story is flagged early when the alert came before it reached this share of its size.
EARLY_SHARE = 0.2
# The size forecast's error is measured on stories that reached this size (an error
# relative to a story of three shares says little).
FORECAST_MIN_SHARES = 20


# What every alert says of its range: the final size is at least this in 7 cases in 10.
STATED_COVERAGE = 0.7


@dataclass(frozen=True)
class Forecast:
    """The detector's word on a story at one moment (a day after its first share, or in
    an alert): the "at least" size, the chance of going viral, and how many of the
    story's mentions its incident held then."""

    size: float
    p_viral: float
    spread: str | None = None
    at: str | None = None
    mentions: int = 0


@dataclass(frozen=True)
class Honesty:
    """How true a set of forecasts turned out: the share whose story reached the stated
    "at least", and the Brier score of the chance of going viral against the base rate
    of the same stories (skill > 0: better than saying the base rate to every story)."""

    coverage: float | None
    ranges_judged: int
    brier: float | None
    brier_skill: float | None
    chances_judged: int

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "coverage": r(self.coverage),
            "ranges_judged": self.ranges_judged,
            "brier": r(self.brier),
            "brier_skill": r(self.brier_skill),
            "chances_judged": self.chances_judged,
        }


def honesty(judged: Sequence[tuple[int, Forecast]], viral: int, shown_from: int) -> Honesty:
    """How true the forecasts in `judged` (each with its story's final size) turned out:
    coverage of the "at least" over those whose incident held `shown_from` mentions or
    more (a range an alert could show), and the chance's Brier over all of them. Neither
    picks its stories by how they ended: judging only stories that went on to reach 20
    shares keeps the quiet ones that were about to burst and drops the quiet ones that
    stayed quiet, which makes a low chance look wrong when it was right."""
    shown = [(final, f) for final, f in judged if f.mentions >= shown_from]
    coverage = statistics.fmean(final >= f.size for final, f in shown) if shown else None
    brier = skill = None
    if judged:
        went = [float(final >= viral) for final, _ in judged]
        base = statistics.fmean(went)
        said = [f.p_viral for _, f in judged]
        brier = statistics.fmean((p - y) ** 2 for p, y in zip(said, went, strict=True))
        reference = statistics.fmean((base - y) ** 2 for y in went)
        skill = 1 - brier / reference if reference else None
    return Honesty(coverage, len(shown), brier, skill, len(judged))


@dataclass
class RuleScores:
    recall: float | None
    precision: float | None
    share_at_alert: float | None
    hours_to_alert: float | None
    forecast_rel_error: float | None = None
    alerts: int = 0
    # The forecast a day after each story's first share, the one its first alert showed,
    # and the one every alert message showed (resolutions say none).
    a_day_in: Honesty | None = None
    at_alert: Honesty | None = None
    in_messages: Honesty | None = None

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "recall": r(self.recall),
            "precision": r(self.precision),
            "share_at_alert": r(self.share_at_alert),
            "hours_to_alert": r(self.hours_to_alert),
            "forecast_rel_error": r(self.forecast_rel_error),
            "alerts": self.alerts,
            "forecast_a_day_in": self.a_day_in.as_dict() if self.a_day_in else None,
            "forecast_at_alert": self.at_alert.as_dict() if self.at_alert else None,
            "forecast_in_messages": self.in_messages.as_dict() if self.in_messages else None,
        }


@dataclass
class ReplayResult:
    detector: RuleScores
    huginn: RuleScores
    spike: RuleScores
    mentions: int = 0
    stories: int = 0
    seconds: float = 0.0
    # The process's peak resident memory, in MiB, when the replay ended.
    peak_memory_mb: float = 0.0
    notes: list[str] = field(default_factory=list)
    forecasts: dict[str, Forecast] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector.as_dict(),
            "huginn": self.huginn.as_dict(),
            "spike": self.spike.as_dict(),
            "run": {
                "stories": self.stories,
                "mentions": self.mentions,
                "seconds": round(self.seconds, 1),
                "peak_memory_mb": round(self.peak_memory_mb, 1),
            },
        }


def score(
    cascades: list[Cascade],
    first_alerts: dict[str, datetime],
    viral: int,
    forecasts: dict[str, Forecast] | None = None,
    *,
    alerted: dict[str, Forecast] | None = None,
    messages: Sequence[tuple[str, Forecast]] = (),
    shown_from: int = 1,
) -> RuleScores:
    """RuleScores of one rule from the moment it first flagged each story; `forecasts`
    (a day in), `alerted` (in each story's first alert) and `messages` (every message, by
    story) are judged by `honesty`."""
    sizes = {c.story: len(c.shares) for c in cascades}
    by_story = {c.story: c for c in cascades}
    viral_stories = [s for s, n in sizes.items() if n >= viral]
    early, shares_at, hours_at = 0, [], []
    for story in viral_stories:
        at = first_alerts.get(story)
        if at is None:
            continue
        c = by_story[story]
        reached = sum(1 for t in c.shares if t <= at.timestamp())
        shares_at.append(reached / sizes[story])
        hours_at.append((at.timestamp() - c.shares[0]) / 3600)
        early += reached <= EARLY_SHARE * sizes[story]
    right = sum(1 for s in first_alerts if sizes.get(s, 0) >= viral)
    wrong = sum(1 for s in first_alerts if sizes.get(s, viral) < viral / 4)
    judged = {s: f for s, f in (forecasts or {}).items() if sizes[s] >= FORECAST_MIN_SHARES}
    errors = [abs(f.size - sizes[s]) / sizes[s] for s, f in judged.items()]
    return RuleScores(
        recall=early / len(viral_stories) if viral_stories else None,
        precision=right / (right + wrong) if right + wrong else None,
        share_at_alert=statistics.median(shares_at) if shares_at else None,
        hours_to_alert=statistics.median(hours_at) if hours_at else None,
        forecast_rel_error=statistics.median(errors) if errors else None,
        alerts=len(first_alerts),
        a_day_in=_honest(forecasts.items() if forecasts else (), sizes, viral, shown_from),
        at_alert=_honest(alerted.items() if alerted else (), sizes, viral, shown_from),
        in_messages=_honest(messages, sizes, viral, shown_from),
    )


def _honest(
    said: Iterable[tuple[str, Forecast]], sizes: dict[str, int], viral: int, shown_from: int
) -> Honesty | None:
    judged = [(sizes[story], f) for story, f in said]
    return honesty(judged, viral, shown_from) if judged else None


def report_lines(result: ReplayResult, viral: int) -> list[str]:
    """The human-readable report: one row per rule."""
    header = (
        f"{'rule':10} {'recall':>7} {'precision':>9} {'share@alert':>11} {'hours':>7} "
        f"{'forecast err':>12} {'alerts':>6}"
    )
    lines = [
        f"{plural(result.stories, 'story', 'stories')}, {plural(result.mentions, 'mention')}, "
        f"viral >= {viral} "
        f"(recall: flagged before {EARLY_SHARE:.0%} of final size; precision against "
        f"stories under {viral // 4})",
        header,
    ]
    for name in ("detector", "huginn", "spike"):
        s: RuleScores = getattr(result, name)

        def f(x: float | None, fmt: str) -> str:
            return "-" if x is None else format(x, fmt)

        lines.append(
            f"{name:10} {f(s.recall, '.3f'):>7} {f(s.precision, '.3f'):>9} "
            f"{f(s.share_at_alert, '.3f'):>11} {f(s.hours_to_alert, '.1f'):>7} "
            f"{f(s.forecast_rel_error, '.3f'):>12} {s.alerts:>6}"
        )
    d = result.detector
    for when, judged, unit in (
        ("a day after the first share", d.a_day_in, "story"),
        ("in the first alert", d.at_alert, "story"),
        ("in every alert message", d.in_messages, "message"),
    ):
        if judged is not None:
            lines.append(_honesty_line(when, judged, unit))
    rate = result.mentions / result.seconds if result.seconds else 0.0
    lines.append(
        f"replayed in {result.seconds:.1f} s ({rate:,.0f} mentions/s, peak memory "
        f"{result.peak_memory_mb:,.0f} MiB); detection ran once per simulated minute with "
        "news, on all of that minute's shares together"
    )
    return lines


def _honesty_line(when: str, h: Honesty, unit: str) -> str:
    def f(x: float | None, fmt: str) -> str:
        return "-" if x is None else format(x, fmt)

    units = "stories" if unit == "story" else f"{unit}s"
    return (
        f'forecast {when}: "at least" held for {f(h.coverage, ".2f")} of '
        f"{plural(h.ranges_judged, unit, units)} (stated {STATED_COVERAGE:.2f}); "
        f"chance of going viral over {plural(h.chances_judged, unit, units)}: "
        f"Brier {f(h.brier, '.3f')}, skill {f(h.brier_skill, '+.2f')} against the base rate"
    )


def to_json(result: ReplayResult) -> str:
    return json.dumps(result.as_dict())
