"""Grouping benchmark: how long a new mention takes to join or open an incident when the
open incidents already hold 100,000 mentions.

Two figures, medians of 3 runs over the same mentions:
- the grouping decision alone (detect/cluster.py's StoryIndex: words, then meaning), over
  2,000 open stories, against a linear scan of the same stories as the baseline;
- the whole detection step per mention (detect_pending: copy and link look-ups in the
  store, grouping, the spread update, the decision) on SQLite with 100,000 mentions in
  2,000 open incidents.

    python bench/grouping.py [--stories 2000] [--mentions 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wommon.config import BrandSettings, DetectSettings
from wommon.detect.cluster import Story, StoryIndex, key_terms, terms
from wommon.detect.detector import detect_pending
from wommon.store.db import make_engine, transaction, upgrade
from wommon.store.models import Incident, Mention, Source

BRAND = BrandSettings(name="Acme")
# Made-up words (letters only, as the tokenizer wants them), 20,000 of them.
_LETTERS = "bcdfghjklmnprstvz"
WORDS = sorted({"".join(random.Random(i).choices(_LETTERS, k=7)) for i in range(20_000)})
START = datetime(2026, 3, 1, tzinfo=UTC)


def story_text(rng: random.Random, topic: list[str]) -> str:
    return "Acme " + " ".join(rng.sample(topic, 6)) + " still waiting for my refund"


def unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=512).astype(np.float32)
    return v / np.linalg.norm(v)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--mentions", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(1)
    nrng = np.random.default_rng(1)
    cfg = DetectSettings()
    topics = [rng.sample(WORDS, 10) for _ in range(args.stories)]
    centroids = [unit(nrng) for _ in topics]
    stories = [
        Story(i + 1, "Acme", frozenset(key_terms(terms(" ".join(t), ["Acme"]))))
        for i, t in enumerate(topics)
    ]
    stories = [
        Story(s.id, s.brand, s.key_terms, c) for s, c in zip(stories, centroids, strict=True)
    ]
    index = StoryIndex(stories, similarity=cfg.similarity, semantic=cfg.semantic_similarity)
    probes = [
        (
            frozenset(key_terms(terms(story_text(rng, topics[i % len(topics)]), ["Acme"]))),
            unit(nrng),
        )
        for i in range(2000)
    ]
    novel = [(frozenset(rng.sample(WORDS, 8)), unit(nrng)) for _ in range(2000)]

    def scan(words: frozenset[str]) -> int | None:
        best, best_score = None, cfg.similarity
        for s in stories:
            score = len(words & s.key_terms) / max(1, min(len(words), len(s.key_terms)))
            if score >= best_score:
                best, best_score = s.id, score
        return best

    ours, theirs, opens = [], [], []
    for _ in range(3):
        t = time.perf_counter()
        for words, vector in probes:
            index.match("Acme", words, lambda v=vector: v)
        ours.append((time.perf_counter() - t) / len(probes) * 1e6)
        t = time.perf_counter()
        for words, vector in novel:
            index.match("Acme", words, lambda v=vector: v)
        opens.append((time.perf_counter() - t) / len(novel) * 1e6)
        t = time.perf_counter()
        for words, _ in probes:
            scan(words)
        theirs.append((time.perf_counter() - t) / len(probes) * 1e6)
    o, n, b = statistics.median(ours), statistics.median(opens), statistics.median(theirs)
    print(f"grouping decision, {args.stories} open stories (medians of 3):")
    print(f"  joins by words: {o:.1f} us/mention; new story (words, then meaning): {n:.1f} us")
    print(f"  linear scan of the stories' words (baseline): {b:.1f} us; ratio {o / b:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'g.db'}")
        upgrade(engine)
        with transaction(engine) as session:
            src = Source(
                name="s",
                kind="rss",
                url="https://s.example",
                interval_seconds=900,
                next_due_at=START,
            )
            session.add(src)
            session.flush()
            for s in stories:
                session.add(
                    Incident(
                        id=s.id,
                        brand="Acme",
                        label=f"story {s.id}",
                        key_terms=" ".join(sorted(s.key_terms)),
                        first_seen=START,
                        last_seen=START,
                        updated_at=START,
                        mentions=args.mentions // len(stories),
                    )
                )
            session.flush()
            rows = [
                {
                    "source_id": src.id,
                    "uid": f"old{i}",
                    "url": f"https://site{i}.example/p",
                    "domain": f"site{i}.example",
                    "author": f"a{i}",
                    "title": "",
                    "text": story_text(rng, topics[i % len(topics)]),
                    "links": "[]",
                    "fingerprint": f"{i:016x}",
                    "published_at": START,
                    "fetched_at": START,
                    "historical": False,
                    "brand": "Acme",
                    "negative": True,
                    "analyzed_at": START,
                    "detected_at": START,
                    "incident_id": stories[i % len(stories)].id,
                }
                for i in range(args.mentions)
            ]
            session.connection().execute(Mention.__table__.insert(), rows)  # type: ignore[attr-defined]
        per_mention = []
        for run in range(3):
            now = START + timedelta(hours=run + 1)
            with transaction(engine) as session:
                for i in range(200):
                    session.add(
                        Mention(
                            source_id=src.id,
                            uid=f"new{run}-{i}",
                            url=f"https://n{run}-{i}.example/p",
                            domain=f"n{run}-{i}.example",
                            author=f"n{i}",
                            title="",
                            text=story_text(rng, topics[(i * 7) % len(topics)]),
                            links="[]",
                            published_at=now,
                            fetched_at=now,
                            brand="Acme",
                            negative=True,
                            analyzed_at=now,
                        )
                    )
            t = time.perf_counter()
            report = detect_pending(engine, cfg, (BRAND,), now)
            per_mention.append((time.perf_counter() - t) / report.mentions * 1e3)
        engine.dispose()
    print(
        f"whole detection step, {args.mentions} mentions in {args.stories} open incidents: "
        f"{statistics.median(per_mention):.2f} ms/mention (median of 3 batches of 200)"
    )


if __name__ == "__main__":
    main()
