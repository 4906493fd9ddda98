"""Replay benchmark: FakeNewsNet's real share times through the real analysis and
detection, scored beside Huginn's peak rule and a spike rule (see wommon/runs/replay.py), with
the replay's speed and peak memory.

    python bench/replay.py [CASCADES.csv] [--viral 200]   # default ../shared/data/cascades
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from dataclasses import asdict
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
    parser.add_argument(
        "--forecasts",
        type=Path,
        help="write each story's forecast a day in (spread state, final size) as JSON lines, "
        "for bench/forecast_calibration.py",
    )
    args = parser.parse_args()
    if not args.path.is_file():
        print(f"skipped: no cascades file at {args.path}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        cascades = read_cascades(args.path)
        result = replay(cascades, f"sqlite:///{Path(tmp) / 'r.db'}", viral=args.viral)
    for line in report_lines(result, args.viral):
        print(line)
    if args.forecasts:
        sizes = {c.story: len(c.shares) for c in cascades}
        with args.forecasts.open("w", encoding="utf-8") as out:
            for story, f in sorted(result.forecasts.items()):
                record = {"story": story, "final": sizes[story], **asdict(f)}
                out.write(json.dumps(record) + "\n")
        print(f"forecasts written to {args.forecasts}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB (RSS of this process)")


if __name__ == "__main__":
    main()
