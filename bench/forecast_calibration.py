"""How honest the alert's forecast is, and what would make it so: from the forecasts a
replay made a day after each story's first share (`bench/replay.py --forecasts FILE`),
the share of stories whose final size reached the stated "at least" for each quantile of
the spread multiplier, and the Brier score of the chance of going viral, raw and after a
logistic recalibration fitted on one half of the stories and scored on the other.

    python bench/replay.py CASCADES.csv --forecasts forecasts.jsonl
    python bench/forecast_calibration.py forecasts.jsonl [--viral 200]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wommon.detect.spread import MULTIPLIER, SpreadState, decay, pending

STATED = 0.7


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def fit_platt(xs: list[float], ys: list[float], steps: int = 3000) -> tuple[float, float]:
    """a, b of p' = sigmoid(a * logit(p) + b), by gradient descent on the log loss."""
    a, b = 1.0, 0.0
    for _ in range(steps):
        ga = gb = 0.0
        for x, y in zip(xs, ys, strict=True):
            p = 1 / (1 + math.exp(-(a * x + b)))
            ga += (p - y) * x
            gb += p - y
        a -= 0.05 * ga / len(xs)
        b -= 0.05 * gb / len(xs)
    return a, b


def brier(ps: list[float], ys: list[float]) -> float:
    return sum((p - y) ** 2 for p, y in zip(ps, ys, strict=True)) / len(ys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--viral", type=int, default=200)
    parser.add_argument("--min-shares", type=int, default=20)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.path.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["final"] >= args.min_shares]
    print(f"{len(rows)} stories of {args.min_shares}+ shares; viral >= {args.viral}")
    # The state at the forecast: mentions so far and the intensity still to spend.
    states = []
    for r in rows:
        if r["spread"]:
            s = decay(SpreadState.from_json(r["spread"]), datetime.fromisoformat(r["at"]))
            states.append((s.mentions, pending(s)))
        else:
            states.append((0, 0.0))
    print("\ncoverage of 'at least' by multiplier quantile (stated 0.70):")
    for q in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        m = MULTIPLIER.quantile(q)
        held = sum(r["final"] >= n + m * u for r, (n, u) in zip(rows, states, strict=True))
        print(f"  q={q:.2f}  M={m:7.3f}  coverage {held / len(rows):.3f}")
    ys = [float(r["final"] >= args.viral) for r in rows]
    base = sum(ys) / len(ys)
    reference = brier([base] * len(ys), ys)
    raw = brier([r["p_viral"] for r in rows], ys)
    print(f"\nchance of going viral: base rate {base:.3f}, Brier of the base rate {reference:.4f}")
    print(f"  raw          Brier {raw:.4f}  skill {1 - raw / reference:+.3f}")
    xs = [logit(r["p_viral"]) for r in rows]
    a, b = fit_platt(xs, ys)
    inside = [1 / (1 + math.exp(-(a * x + b))) for x in xs]
    print(f"  recalibrated (all stories)  a={a:.3f} b={b:.3f}  Brier {brier(inside, ys):.4f}")
    order = list(range(len(rows)))
    random.Random(7).shuffle(order)
    half = len(order) // 2
    folds = (order[:half], order[half:])
    outside: dict[int, float] = {}
    for train, test in (folds, folds[::-1]):
        fa, fb = fit_platt([xs[i] for i in train], [ys[i] for i in train])
        for i in test:
            outside[i] = 1 / (1 + math.exp(-(fa * xs[i] + fb)))
    held_out = brier([outside[i] for i in range(len(rows))], ys)
    print(
        f"  recalibrated (fitted on one half, scored on the other)  Brier {held_out:.4f}  "
        f"skill {1 - held_out / reference:+.3f}"
    )


if __name__ == "__main__":
    main()
