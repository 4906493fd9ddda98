"""Storage under stress: cases R20-R22 (a kill mid-batch, several instances sharing one
PostgreSQL, a dropped database connection)."""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.daemons import daemon_env, kill_at_random
from tests.helpers import settings, source
from tests.http_server import HTTPServer, rss, send
from wommon.clock import SimulatedClock
from wommon.collect.guard import AddressPolicy
from wommon.collect.http import FetchLimits, new_session
from wommon.collect.poller import claim_due, collect_due
from wommon.collect.sources import sync_sources
from wommon.pipeline import Pipeline
from wommon.store.db import make_engine, transaction

LIMITS = FetchLimits(timeout_seconds=10, policy=AddressPolicy.from_strings(["127.0.0.0/8"]))


def test_sigkill_mid_batch_leaves_all_or_nothing(tmp_path: Path) -> None:
    """R20: SIGKILL while a large feed is being stored: integrity_check passes, the batch is
    all in or all out, and the ETag advanced only together with its mentions."""
    big = rss(*[(f"g{i}", f"Acme post {i}", f"Acme text number {i} " * 20) for i in range(3000)])
    rng = random.Random(20)
    with HTTPServer() as server:
        server.routes["/big"] = lambda h: send(h, 200, big, {"ETag": '"v1"'})
        cfg = tmp_path / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
            '[collect]\nallow_networks = ["127.0.0.1/32"]\n'
            f'[[sources]]\nname = "big"\nurl = "{server.url("/big")}"\n'
        )

        def consistent() -> None:
            with sqlite3.connect(tmp_path / "w.db") as conn:
                assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
                stored = conn.execute("select count(*) from mention").fetchone()[0]
                etag = conn.execute("select etag from source").fetchone()
            assert stored in (0, 3000)
            assert (etag == ('"v1"',)) == (stored == 3000)

        kill_at_random(cfg, daemon_env(), rng, 5, (1.0, 3.0), after_each=consistent)


def test_three_instances_fetch_each_feed_exactly_once(db_url: str, clock: SimulatedClock) -> None:
    """R21: three instances over one database and 1,000 due feeds: each feed is fetched
    exactly once; a killed instance's claims are taken over after their lease."""
    with HTTPServer() as server:
        for i in range(1000):
            server.routes[f"/f{i}"] = lambda h, i=i: send(h, 200, rss((f"g{i}", "Acme", "x")))
        engines = [make_engine(db_url) for _ in range(3)]
        from wommon.store.db import upgrade

        upgrade(engines[0])
        with transaction(engines[0]) as session:
            sync_sources(
                session, [source(f"s{i}", server.url(f"/f{i}")) for i in range(1000)], clock.now()
            )
        with transaction(engines[0]) as session:
            dead = claim_due(session, clock.now(), "killed-instance", 50)
        barrier = threading.Barrier(3)

        def drain(n: int) -> None:
            with ThreadPoolExecutor(8) as pool, new_session(LIMITS) as http:
                while collect_due(
                    engines[n],
                    clock.now(),
                    owner=f"i{n}",
                    http=http,
                    limits=LIMITS,
                    pool=pool,
                    max_per_host=64,
                    batch=100,
                ).polled:
                    pass

        def instance(n: int) -> None:
            barrier.wait()
            drain(n)

        threads = [threading.Thread(target=instance, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        hits = Counter(path for path, _ in server.hits)
        assert len(hits) == 950 and set(hits.values()) == {1}
        clock.advance(6 * 60)
        drain(0)
        hits = Counter(path for path, _ in server.hits)
        assert len(hits) == 1000 and set(hits.values()) == {1}
        assert {server.url(p) for p in hits} >= {t.url for t in dead}
        for engine in engines:
            engine.dispose()


def test_dropped_database_connection_is_survived(
    db_url: str, clock: SimulatedClock, engine: Engine
) -> None:
    """R22: the database connection drops mid-cycle: the next run reconnects and works; no
    crash loop."""
    if not db_url.startswith("postgresql"):
        pytest.skip("dropping server-side connections needs PostgreSQL")
    with HTTPServer() as server:
        server.routes["/f"] = lambda h: send(h, 200, rss(("g1", "Acme", "x")))
        pipeline = Pipeline(settings(db_url, (source("s", server.url("/f")),)), clock)
        try:
            pipeline.prepare()
            assert pipeline.collect().polled == 1
            with engine.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            clock.advance(3600)
            pipeline.run_once()
            assert pipeline.collect().polled == 0
        finally:
            pipeline.close()
