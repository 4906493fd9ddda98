"""How a rule is scored on replayed stories: how many viral stories it flagged early, how
many of its flags were right, how early, and how far off the forecast was; and the scores
as words and as JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wommon.runs.cascades import Cascade
from wommon.wording import plural

# A story is flagged early when the alert came before it reached this share of its size.
EARLY_SHARE = 0.2
FORECAST_MIN_SHARES = 20


# What every alert says of its range: the final size is at least this in 7 cases in 10.
STATED_COVERAGE = 0.7


@dataclass(frozen=True)
class Forecast:
    """The detector's word on a story a day after its first share."""

    size: float
    p_viral: float
    spread: str | None = None
    at: str | None = None


@dataclass
class RuleScores:
    recall: float | None
    precision: float | None
    share_at_alert: float | None
    hours_to_alert: float | None
    forecast_rel_error: float | None = None
    alerts: int = 0
    # Share of stories whose final size reached the forecast's "at least" (stated 0.7).
    forecast_coverage: float | None = None
    # The chance of going viral against the base rate: 1 - Brier / Brier of the base rate.
    brier: float | None = None
    brier_skill: float | None = None
    forecast_stories: int = 0

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
            "forecast_coverage": r(self.forecast_coverage),
            "brier": r(self.brier),
            "brier_skill": r(self.brier_skill),
            "forecast_stories": self.forecast_stories,
        }


@dataclass
class ReplayResult:
    detector: RuleScores
    huginn: RuleScores
    spike: RuleScores
    mentions: int = 0
    stories: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    forecasts: dict[str, Forecast] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector.as_dict(),
            "huginn": self.huginn.as_dict(),
            "spike": self.spike.as_dict(),
        }


def score(
    cascades: list[Cascade],
    first_alerts: dict[str, datetime],
    viral: int,
    forecasts: dict[str, Forecast] | None = None,
) -> RuleScores:
    """RuleScores of one rule from the moment it first flagged each story."""
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
    coverage = brier = skill = None
    if judged:
        coverage = sum(sizes[s] >= f.size for s, f in judged.items()) / len(judged)
        went = {s: float(sizes[s] >= viral) for s in judged}
        base = sum(went.values()) / len(went)
        brier = sum((f.p_viral - went[s]) ** 2 for s, f in judged.items()) / len(judged)
        reference = sum((base - y) ** 2 for y in went.values()) / len(went)
        skill = 1 - brier / reference if reference else None
    return RuleScores(
        recall=early / len(viral_stories) if viral_stories else None,
        precision=right / (right + wrong) if right + wrong else None,
        share_at_alert=statistics.median(shares_at) if shares_at else None,
        hours_to_alert=statistics.median(hours_at) if hours_at else None,
        forecast_rel_error=statistics.median(errors) if errors else None,
        alerts=len(first_alerts),
        forecast_coverage=coverage,
        brier=brier,
        brier_skill=skill,
        forecast_stories=len(judged),
    )


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
    if d.forecast_coverage is not None:
        judged = plural(d.forecast_stories, "story", "stories")
        lines.append(
            f"forecast a day after the first share ({judged} of {FORECAST_MIN_SHARES}+ "
            f'shares): "at least" held for {d.forecast_coverage:.2f} '
            f"(stated {STATED_COVERAGE:.2f}); chance of going viral: Brier {d.brier:.3f}, "
            f"skill {f(d.brier_skill, '+.2f')} against the base rate"
        )
    rate = result.mentions / result.seconds if result.seconds else 0.0
    lines.append(
        f"replayed in {result.seconds:.1f} s ({rate:,.0f} mentions/s); detection ran once per "
        "simulated minute with news, on all of that minute's shares together"
    )
    return lines


def to_json(result: ReplayResult) -> str:
    return json.dumps(result.as_dict())
