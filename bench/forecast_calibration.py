"""How honest an alert's forecast is, and where the multiplier it speaks with comes from.

Every story of a cascades file is played through the spread model alone (every share one
mention of weight 1) and looked at a day after its first share, at 13 other ages from an
hour to a week, and at the moment detection's score first reaches the alert threshold. At
each look, the multiplier the story actually showed is (final size - mentions so far) /
pending intensity; its log is fitted by least squares against the state's freshness (the
share of the pending intensity on the kernel's short scales), which gives the `SPREAD_SAID_*`
values in wommon/defaults.py. Then both multipliers, detection's fixed one and the fitted
one, are judged where an alert speaks:

- coverage: how often the final size reached the stated "at least" (7 in 10), over the
  stories with 3 mentions or more by then;
- Brier skill of the chance of going viral against the base rate of the same stories (a
  day in: every story; at the alert: every alerted story).

None of these picks stories by how they ended. The out-of-sample lines fit on a random half
of the stories and judge the other half, 40 times.

    python bench/forecast_calibration.py [CASCADES.csv] [--viral 200]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wommon import defaults
from wommon.detect.spread import (
    MULTIPLIER,
    Multiplier,
    SpreadState,
    decay,
    freshness,
    observe,
    outlook,
    pending,
)
from wommon.runs.cascades import read_cascades

DEFAULT = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "cascades" / "fakenewsnet_dev.csv"
)
AGES_HOURS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 168)
SHOWN_FROM = defaults.DETECT_MIN_MENTIONS
HALVES = 40


@dataclass(frozen=True)
class Look:
    """One story seen at one moment: `when` is an age in hours, or "alert"."""

    story: str
    when: int | str
    mentions: int
    pending: float
    fresh: float
    final: int


def looks(path: Path, viral: int) -> list[Look]:
    found = []
    for c in read_cascades(path):
        t0 = c.shares[0]
        events = sorted(
            [(t0 + a * 3600, 1, a) for a in AGES_HOURS]
            + [(t, 0, i) for i, t in enumerate(c.shares)]
        )
        state, alerted = SpreadState(), False
        for t, is_age, age in events:
            at = datetime.fromtimestamp(t, UTC)
            if not is_age:
                state = observe(state, at)
                seen = outlook(state, at, viral, when=False)
                ready = state.mentions >= SHOWN_FROM
                if not alerted and ready and seen.p_viral >= defaults.DETECT_ALERT_CONFIDENCE:
                    alerted = True
                    found.append(_look(c.story, "alert", state, len(c.shares)))
            else:
                found.append(_look(c.story, age, decay(state, at), len(c.shares)))
    return found


def _look(story: str, when: int | str, state: SpreadState, final: int) -> Look:
    return Look(story, when, state.mentions, pending(state), freshness(state), final)


Model = Callable[[Look], Multiplier]


def fixed(_: Look) -> Multiplier:
    return MULTIPLIER


def fit(rows: Sequence[Look]) -> tuple[float, float, float]:
    """log M = a + b * freshness + noise(sigma), on every look at an age with a story
    that still had something to come."""
    xs, ys = [], []
    for r in rows:
        if (
            r.when != "alert"
            and r.mentions >= SHOWN_FROM
            and r.pending > 0
            and r.final > r.mentions
        ):
            xs.append(r.fresh)
            ys.append(math.log((r.final - r.mentions) / r.pending))
    b, a = np.polyfit(np.array(xs), np.array(ys), 1)
    sigma = float(np.std(np.array(ys) - (a + b * np.array(xs))))
    return float(a), float(b), sigma


def fitted(a: float, b: float, sigma: float) -> Model:
    return lambda r: Multiplier(math.exp(a + b * r.fresh), sigma)


def judge(rows: Sequence[Look], model: Model, viral: int) -> tuple[float, float]:
    """(coverage of the "at least", Brier skill of the chance) over `rows`."""
    q = defaults.SPREAD_FORECAST_QUANTILE
    shown = [r for r in rows if r.mentions >= SHOWN_FROM]
    coverage = statistics.fmean(
        r.final >= r.mentions + model(r).quantile(q) * r.pending for r in shown
    )
    chances, went = [], []
    for r in rows:
        if r.mentions >= viral:
            chances.append(1.0)
        else:
            chances.append(
                model(r).above((viral - r.mentions) / r.pending) if r.pending > 0 else 0.0
            )
        went.append(float(r.final >= viral))
    base = statistics.fmean(went)
    reference = statistics.fmean((base - y) ** 2 for y in went)
    brier = statistics.fmean((p - y) ** 2 for p, y in zip(chances, went, strict=True))
    return coverage, 1 - brier / reference if reference else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--viral", type=int, default=200)
    args = parser.parse_args()
    rows = looks(args.path, args.viral)
    stories = sorted({r.story for r in rows})
    a, b, sigma = fit(rows)
    print(f"{len(stories)} stories; viral >= {args.viral}")
    print(f"fitted: log M = {a:.3f} + {b:.3f} * freshness, sigma {sigma:.2f}")
    print(
        f"shipped: log M = {defaults.SPREAD_SAID_LOG_MEDIAN:.3f} + "
        f"{defaults.SPREAD_SAID_LOG_MEDIAN_FRESH:.3f} * freshness, "
        f"sigma {defaults.SPREAD_SAID_SIGMA:.2f}"
    )
    shipped = fitted(
        defaults.SPREAD_SAID_LOG_MEDIAN,
        defaults.SPREAD_SAID_LOG_MEDIAN_FRESH,
        defaults.SPREAD_SAID_SIGMA,
    )
    moments: list[int | str] = ["alert", *AGES_HOURS]
    print(f"\n{'moment':>7} {'stories':>7}   coverage (stated 0.70)   Brier skill")
    print(f"{'':>7} {'':>7}   {'fixed':>8} {'said':>8}   {'fixed':>8} {'said':>8}")
    for when in moments:
        at = [r for r in rows if r.when == when]
        (c0, s0), (c1, s1) = judge(at, fixed, args.viral), judge(at, shipped, args.viral)
        name = when if isinstance(when, str) else f"{when} h"
        print(f"{name:>7} {len(at):>7}   {c0:8.2f} {c1:8.2f}   {s0:+8.3f} {s1:+8.3f}")
    print(
        f"\nout of sample: fitted on one half of the stories, judged on the other ({HALVES} times)"
    )
    for when in ("alert", 24):
        judged = []
        for k in range(HALVES):
            half = set(random.Random(k).sample(stories, len(stories) // 2))
            model = fitted(*fit([r for r in rows if r.story in half]))
            other = [r for r in rows if r.story not in half and r.when == when]
            judged.append(judge(other, model, args.viral))
        cov = sorted(c for c, _ in judged)
        skill = sorted(s for _, s in judged)
        name = when if isinstance(when, str) else f"{when} h"
        print(
            f"  {name:>5}: coverage median {statistics.median(cov):.2f} "
            f"(from {cov[0]:.2f} to {cov[-1]:.2f}); Brier skill median "
            f"{statistics.median(skill):+.3f}, positive in {sum(s > 0 for s in skill)} of {HALVES}"
        )


if __name__ == "__main__":
    main()
