"""What the training scripts read the same way: their command line (the data folder and
`--check`), labelled CSV rows, and the random halves every out-of-sample figure is
scored on."""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def arguments(description: str, check: str) -> argparse.Namespace:
    """`DATA_DIR` (default ../shared/data beside the project) and `--check`, whose help
    says what the script checks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true", help=check)
    return parser.parse_args()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def halves(n: int) -> tuple[list[int], list[int]]:
    """Indices of `n` rows split in two at random (random.Random(0)), each half sorted."""
    order = list(range(n))
    random.Random(0).shuffle(order)
    return sorted(order[: n // 2]), sorted(order[n // 2 :])
