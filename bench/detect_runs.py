"""What one detection run costs beside a big open story: an incident of `--mentions`
mentions (built as bench/web.py builds it), then `--runs` runs that each find three new
mentions of the story. A daemon detects every minute, so this is its steady cost during a
burst; the median per run is printed, with the same run's cost on an empty brand (the
baseline: what a run costs whatever the incident's size).

    python bench/detect_runs.py [--mentions 20000] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import web as farm  # the seeded incident of bench/web.py

from wommon.config import BrandSettings, DetectSettings
from wommon.detect.detector import detect_pending
from wommon.store.db import make_engine, transaction, upgrade
from wommon.store.models import Incident, Mention

BRAND = BrandSettings(name="Acme")


def add(engine, k: int, at) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        for i in range(3):
            s.add(
                Mention(
                    source_id=1,
                    uid=f"new{k}-{i}",
                    url=f"https://new{k}{i}.example/x",
                    domain=f"new{k}{i}.example",
                    author="z",
                    title="Charged twice refund",
                    text="Acme charged me twice and refused the refund.",
                    links="[]",
                    fingerprint=f"nf{k}{i}",
                    published_at=at,
                    fetched_at=at,
                    brand="Acme",
                    language="en",
                    sentiment=-0.6,
                    negative=True,
                    analyzed_at=at,
                )
            )


def per_run(engine, runs: int, first: int) -> float:  # type: ignore[no-untyped-def]
    now = farm.NOW + timedelta(minutes=1)
    times = []
    for k in range(first, first + runs):
        add(engine, k, now)
        started = time.perf_counter()
        detect_pending(engine, DetectSettings(), (BRAND,), now)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = make_engine(f"sqlite:///{tmp}/small.db")
        upgrade(small)
        farm.seed(small, 5, 1, random.Random(1))
        big = make_engine(f"sqlite:///{tmp}/big.db")
        upgrade(big)
        farm.seed(big, args.mentions, 2, random.Random(1))
        for engine in (small, big):
            with transaction(engine) as s:
                incident = s.get(Incident, 1)
                assert incident is not None
                incident.key_terms = "charged twice refund"
                s.add(incident)
            per_run(engine, 3, 0)  # warm the caches and the embedding model
        baseline = per_run(small, args.runs, 100)
        ms = per_run(big, args.runs, 100)
    print(f"detection run with 3 new mentions, median of {args.runs} runs (SQLite)")
    print(f"  beside an incident of 5 mentions (baseline): {baseline:.1f} ms")
    print(
        f"  beside an incident of {args.mentions:,} mentions  {ms:7.1f} ms  ({ms / baseline:.2f}x)"
    )


if __name__ == "__main__":
    main()
