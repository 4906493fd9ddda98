"""Replay benchmark: FakeNewsNet's real share times through the real analysis and
detection, scored beside Huginn's peak rule and a spike rule (see wommon/runs/replay.py), with
the replay's speed and peak memory.

    python bench/replay.py [CASCADES.csv] [--viral 200]   # default ../shared/data/cascades
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wommon.runs.cascades import read_cascades
from wommon.runs.replay import replay
from wommon.runs.scoring import report_lines

DEFAULT = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "cascades"
    / "fakenewsnet_dev.csv"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--viral", type=int, default=200)
    args = parser.parse_args()
    if not args.path.is_file():
        print(f"skipped: no cascades file at {args.path}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        result = replay(
            read_cascades(args.path), f"sqlite:///{Path(tmp) / 'r.db'}", viral=args.viral
        )
    for line in report_lines(result, args.viral):
        print(line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB (RSS of this process)")


if __name__ == "__main__":
    main()
