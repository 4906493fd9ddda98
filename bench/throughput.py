"""Throughput end to end: insert -> analyse -> detect -> outbox, against analysis alone.

Mentions of six brands, half of them complaints that tell a few dozen stories (so that
detection groups, opens incidents and queues alerts), in two lengths: review (~200
characters) and blog (~2,000). For each length and each database (SQLite in a temporary
file; PostgreSQL when one answers), the same mentions go through the real steps the daemon
runs (`insert_entries`, `analyze_pending`, `detect_pending` until drained); the baseline is
`Analyzer.analyze_text` alone on the same texts, in the same process, run just before each
end-to-end run. Medians of `--runs`; the ratio is the median of each pair's ratio.

The encoder is loaded before anything is timed (a daemon loads it once, on first use), and
each line says where the end-to-end time went, as shares and as median milliseconds:
inserting, analysing, detecting, and within detection the embeddings that place mentions
no word, copy or link places.

    python bench/throughput.py [--mentions 3000] [--runs 3] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlmodel import Session, func, select

from wommon.analyze import embed
from wommon.analyze.analyzer import Analyzer
from wommon.analyze.brands import BrandMatcher
from wommon.analyze.step import analyze_pending
from wommon.collect.entry import build_entry
from wommon.collect.insert import insert_entries
from wommon.config import BrandSettings, DetectSettings
from wommon.detect.cluster import term_set
from wommon.detect.detector import detect_pending
from wommon.store.db import make_engine, transaction, upgrade
from wommon.store.models import Incident, Mention, Outbox, Source

BRANDS = tuple(
    BrandSettings(name=n) for n in ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark")
)
PROBLEMS = [
    "charged me twice for the {x} and refuses the refund",
    "lost my {x} and support hung up on me",
    "still waiting for the {x} after three weeks",
    "sent a broken {x} and never replaced it",
    "the {x} stopped working and nobody answers",
]
THINGS = ["router", "parcel", "invoice", "phone", "ticket", "booking", "card", "modem"]
PLACES = ["Madrid", "Leeds", "Austin", "Lyon", "Porto", "Denver", "Kyoto", "Quito"]
# Sentences that carry no complaint, drawn at random so that no two posts are copies.
NEUTRAL = [
    "The new store in {p} opens at nine and has a small cafe by the entrance.",
    "My cousin from {p} visited last weekend and we walked along the river.",
    "There is a concert in {p} on Friday with a jazz quartet and a choir.",
    "The bakery near the station in {p} sells rye bread and almond cakes.",
    "We planted tomatoes and basil on the balcony this spring in {p}.",
    "The museum in {p} has an exhibition of old maps and ship models.",
    "A friend recommended a novel about a lighthouse keeper near {p}.",
    "The football club of {p} won its match on Sunday by two goals.",
    "Trains to {p} leave every hour from the central platform.",
    "The library in {p} now lends board games and sewing machines.",
]


def texts(n: int, length: int, seed: int = 5) -> list[tuple[str, str]]:
    """(title, text) pairs: every other one a complaint about a brand from one of 40
    stories, the others about a brand and nothing wrong."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        brand = BRANDS[i % len(BRANDS)].name
        if i % 2:
            story = rng.randrange(40)
            problem = PROBLEMS[story % len(PROBLEMS)].format(x=THINGS[story % len(THINGS)])
            title = f"{brand} and my {THINGS[story % len(THINGS)]}"
            body = f"{brand} {problem}. It happened in {PLACES[story % len(PLACES)]}."
        else:
            title = f"{brand} in {rng.choice(PLACES)}"
            body = f"{brand} sponsors the fair this year."
        while len(body) < length:
            body += " " + rng.choice(NEUTRAL).format(p=rng.choice(PLACES))
        out.append((title, body[:length] if len(body) > length + 40 else body))
    return out


def analysis_alone(items: list[tuple[str, str]]) -> float:
    analyzer = Analyzer(BrandMatcher(BRANDS), DetectSettings().negative_sentiment)
    embed.forget_recent()
    started = time.perf_counter()
    for title, body in items:
        analyzer.analyze_text(title, body)
    return len(items) / (time.perf_counter() - started)


class Stopwatch:
    """Seconds spent in each stage of one end-to-end run, and in detection's embeddings."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(("insert", "analyze", "detect", "embed"), 0.0)
        self._embed = embed.embed

    def timed_embed(self, texts: list[str]) -> object:
        started = time.perf_counter()
        try:
            return self._embed(texts)
        finally:
            self.seconds["embed"] += time.perf_counter() - started

    def lap(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] += now - started
        return now


def end_to_end(
    url: str, items: list[tuple[str, str]], watch: Stopwatch
) -> tuple[float, dict[str, int]]:
    engine = make_engine(url)
    upgrade(engine)
    analyzer = Analyzer(BrandMatcher(BRANDS), DetectSettings().negative_sentiment)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with transaction(engine) as session:
        src = Source(
            name="bench",
            kind="rss",
            url="https://b.example",
            interval_seconds=900,
            next_due_at=start,
        )
        session.add(src)
        session.flush()
        source_id = src.id
    entries = [
        build_entry(
            guid=f"g{i}",
            link=f"https://site{i % 211}.example/{i}",
            author=f"author{i % 503}",
            title=title,
            html=body,
            published=start + timedelta(seconds=20 * i),
            base_url="https://b.example",
        )
        for i, (title, body) in enumerate(items)
    ]
    now = start + timedelta(seconds=20 * len(items) + 60)
    # Cold, as a new process: no text embedded or weighed by an earlier run is kept.
    embed.forget_recent()
    term_set.cache_clear()
    started = lap = time.perf_counter()
    for chunk in range(0, len(entries), 500):
        with transaction(engine) as session:
            src = session.get(Source, source_id)
            assert src is not None
            insert_entries(session, src, entries[chunk : chunk + 500], now)
    lap = watch.lap("insert", lap)
    while analyze_pending(engine, analyzer, now):
        pass
    lap = watch.lap("analyze", lap)
    embed.embed = watch.timed_embed  # type: ignore[assignment]
    try:
        while detect_pending(engine, DetectSettings(), BRANDS, now).full:
            pass
    finally:
        embed.embed = watch._embed  # type: ignore[assignment]
    lap = watch.lap("detect", lap)
    elapsed = lap - started
    with Session(engine) as session:
        counts = {
            "mentions": session.exec(select(func.count()).select_from(Mention)).one(),
            "negative": session.exec(select(func.count()).where(Mention.negative)).one(),
            "incidents": session.exec(select(func.count()).select_from(Incident)).one(),
            "alerts": session.exec(select(func.count()).select_from(Outbox)).one(),
        }
    engine.dispose()
    return len(items) / elapsed, counts


def fresh_postgres(admin_url: str, name: str) -> str | None:
    try:
        engine = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as exc:
        print(f"  (PostgreSQL skipped: {exc.__class__.__name__})")
        return None
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "WOMMON_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server where new databases may be created",
    )
    args = parser.parse_args()
    embed.embed(["the encoder loads once per process"])
    print(f"{args.mentions} mentions, medians of {args.runs} runs (encoder loaded beforehand)")
    print(
        f"{'length':8} {'database':10} {'e2e/s':>8} {'analysis/s':>11} {'ratio':>6}  "
        "share of e2e time (insert/analyze/detect, detection's embeddings) = medians; counts"
    )
    for label, length in (("review", 200), ("blog", 2000)):
        items = texts(args.mentions, length)
        for db in ("sqlite", "postgres"):
            rates = []
            # Each end-to-end run is paired with a run of analysis alone just before it: on
            # a shared machine the speed drifts, and a ratio of the two runs of one pair
            # sees the same machine.
            alones = []
            shares: list[dict[str, float]] = []
            spent: list[dict[str, float]] = []
            counts: dict[str, int] = {}
            for run in range(args.runs):
                if db == "sqlite":
                    folder = tempfile.mkdtemp()
                    url = f"sqlite:///{folder}/bench.db"
                else:
                    found = fresh_postgres(args.database, f"wommon_throughput_{run}")
                    if found is None:
                        break
                    url = found
                alones.append(analysis_alone(items))
                watch = Stopwatch()
                rate, counts = end_to_end(url, items, watch)
                rates.append(rate)
                total = sum(watch.seconds[k] for k in ("insert", "analyze", "detect"))
                shares.append({k: v / total for k, v in watch.seconds.items()})
                spent.append(dict(watch.seconds))
            if not rates:
                continue
            e2e = statistics.median(rates)
            alone = statistics.median(alones)
            ratio = statistics.median(r / a for r, a in zip(rates, alones, strict=True))
            share = {k: statistics.median(s[k] for s in shares) for k in shares[0]}
            ms = {k: statistics.median(s[k] for s in spent) * 1000 for k in spent[0]}
            print(
                f"{label:8} {db:10} {e2e:8.0f} {alone:11.0f} {ratio:6.2f}  "
                f"{share['insert']:.0%}/{share['analyze']:.0%}/{share['detect']:.0%} "
                f"({share['embed']:.0%}) = {ms['insert']:.0f}/{ms['analyze']:.0f}/"
                f"{ms['detect']:.0f} ({ms['embed']:.0f}) ms; "
                + ", ".join(f"{k} {v}" for k, v in counts.items())
            )


if __name__ == "__main__":
    main()
