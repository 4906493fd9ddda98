"""Web UI and report: how long pages take on a big incident, and the weekly report.

Builds (in a temporary SQLite file, or the given database) one incident of `--mentions`
mentions over two days on a few hundred sites, with its spread state and alerts, plus
`--incidents` smaller incidents over the week; then times, through the real Flask app in
this process: the incident list, the incident page (HTML), its chart (SVG and PNG), the
brand page and its chart, each a median of `--runs`. The baseline is the same incident
page's database read alone (no template, no chart). Then `wommon report`'s build and
render for the week, with the file's size.

    python bench/web.py [--mentions 10000] [--incidents 50] [--runs 10] [--database URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlmodel import Session

from wommon.clock import SimulatedClock
from wommon.config import BrandSettings, Settings, StorageSettings
from wommon.detect.spread import SpreadState, observe
from wommon.store.db import make_engine, transaction, upgrade
from wommon.store.hours import hour_of
from wommon.store.models import BrandHour, Incident, Mention, Outbox, Source
from wommon.web import reads
from wommon.web.app import create_app
from wommon.web.report import build, to_html

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def seed(engine, mentions: int, incidents: int, rng: random.Random) -> None:
    hours: Counter[datetime] = Counter()
    with transaction(engine) as session:
        source = Source(
            name="s", kind="rss", url="https://s.example", interval_seconds=900, next_due_at=NOW
        )
        session.add(source)
        session.flush()
        sizes = [mentions] + [rng.randint(5, 200) for _ in range(incidents - 1)]
        uid = 0
        for n, size in enumerate(sizes):
            first = NOW - timedelta(hours=48 if n == 0 else rng.uniform(2, 160))
            span = (NOW - first).total_seconds()
            times = sorted(first + timedelta(seconds=span * rng.random() ** 2) for _ in range(size))
            state = SpreadState()
            for at in times:
                state = observe(state, at, 1.0)
            incident = Incident(
                brand="Acme",
                label=f"Acme story {n}: charged twice and no refund",
                first_seen=times[0],
                last_seen=times[-1],
                mentions=size,
                sources=min(size, 300),
                voices=size * 0.6,
                state="alerting",
                severity=rng.choice(["low", "medium", "high"]),
                aspect="billing",
                spread=state.to_json(),
                forecast_size=size * 1.5,
                p_viral=0.4,
                updated_at=NOW,
            )
            session.add(incident)
            session.flush()
            rows = []
            for at in times:
                uid += 1
                rows.append(
                    dict(
                        source_id=source.id,
                        uid=f"u{uid}",
                        url=f"https://site{uid % 300}.example/{uid}",
                        domain=f"site{uid % 300}.example",
                        author=f"a{uid % 900}",
                        title=f"Charged twice {uid}",
                        text="Acme charged me twice and refused the refund. " * 4,
                        links="[]",
                        fingerprint=f"{uid:x}",
                        published_at=at,
                        fetched_at=at,
                        brand="Acme",
                        language=rng.choice(["en", "es"]),
                        sentiment=-0.6,
                        negative=True,
                        aspect="billing",
                        analyzed_at=at,
                        detected_at=at,
                        incident_id=incident.id,
                    )
                )
                hours[hour_of(at)] += 1
            session.execute(insert(Mention), rows)
            for kind in ("open", "escalate"):
                session.add(
                    Outbox(
                        incident_id=incident.id,
                        kind=kind,
                        idempotency_key=f"i{incident.id}-{kind}",
                        payload="{}",
                        status="sent",
                        created_at=times[len(times) // 2],
                        next_attempt_at=NOW,
                        sent_at=times[len(times) // 2],
                    )
                )
        for h in range(24 * 42):
            hour = hour_of(NOW) - timedelta(hours=h)
            hours[hour] += rng.randint(0, 3)
        session.execute(
            insert(BrandHour), [dict(brand="Acme", hour=h, negative=n) for h, n in hours.items()]
        )


def median_ms(step, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database", help="a database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        seed(engine, args.mentions, args.incidents, random.Random(7))
        settings = Settings(storage=StorageSettings(url=url), brands=(BrandSettings(name="Acme"),))
        client = create_app(engine, settings, SimulatedClock(NOW)).test_client()

        def get(path: str) -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        def read_only() -> None:
            with Session(engine) as session:
                reads.incident_page(session, 1, NOW)

        print(
            f"database {url.split(':')[0]}, incident 1 with {args.mentions:,} mentions, "
            f"{args.incidents} incidents in the week; medians of {args.runs} runs"
        )
        baseline = median_ms(read_only, args.runs)
        print(f"  baseline: incident page's database read alone   {baseline:8.1f} ms")
        for label, path in (
            ("incident list (50 rows)", "/incidents"),
            ("incident page (HTML, 200 mentions shown)", "/incidents/1"),
            ("incident chart (SVG)", "/incidents/1/chart.svg"),
            ("incident chart (PNG)", "/incidents/1/chart.png"),
            ("sparkline (SVG, drawn once a shape)", "/incidents/1/spark.svg"),
            ("brand page (HTML)", "/brands/Acme"),
            ("brand chart (SVG, 14 days)", "/brands/Acme/chart.svg"),
        ):
            ms = median_ms(lambda p=path: get(p), args.runs)
            print(f"  {label:46} {ms:8.1f} ms  ({ms / baseline:5.1f}x baseline)")
        with Session(engine) as session:
            start = time.perf_counter()
            figures = build(session, NOW - timedelta(days=7), NOW)
            built = time.perf_counter() - start
        start = time.perf_counter()
        html = to_html(figures)
        rendered = time.perf_counter() - start
        print(
            f"  report for the week: {len(figures.incidents)} incidents, built in {built * 1000:.0f} ms, "
            f"rendered in {rendered * 1000:.0f} ms, {len(html.encode()) / 1024:.0f} KiB"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
