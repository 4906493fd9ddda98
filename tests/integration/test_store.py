from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from tests.support import START
from tests.support.daemons import daemon_env, kill_at_random
from tests.support.helpers import settings, source
from tests.support.http_server import HTTPServer, rss, send
from wommon.clock import SimulatedClock
from wommon.collect.entry import Entry
from wommon.collect.guard import AddressPolicy
from wommon.collect.http import FetchLimits, new_session
from wommon.collect.poller import claim_due, collect_due
from wommon.collect.sources import sync_sources
from wommon.errors import StorageError
from wommon.service.app import Pipeline
from wommon.store import inlists
from wommon.store.db import (
    current_revision,
    head_revision,
    make_engine,
    normalize_url,
    redact,
    transaction,
)
from wommon.store.models import BrandHour, Source


def test_migrations_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() == "0010"
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_datetimes_round_trip_as_aware_utc(engine: Engine) -> None:
    local = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    with transaction(engine) as session:
        session.add(
            Source(name="a", kind="rss", url="https://a", interval_seconds=60, next_due_at=local)
        )
    with Session(engine) as session:
        src = session.get(Source, 1)
        assert src is not None and src.next_due_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
        session.add(
            Source(
                name="b",
                kind="rss",
                url="https://b",
                interval_seconds=60,
                next_due_at=datetime(2026, 1, 1),
            )
        )


def test_a_failed_transaction_leaves_nothing_behind(engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(
            Source(name="a", kind="rss", url="https://a", interval_seconds=60, next_due_at=START)
        )
        session.flush()
        raise RuntimeError("crash mid-batch")
    with Session(engine) as session:
        assert session.get(Source, 1) is None


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    eng.dispose()


def test_urls_pick_psycopg_and_hide_passwords() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert "secret" not in redact("postgresql+psycopg://u:secret@h/db")


# --- when storage fails -------------------------------------------------------------------


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

        kill_at_random(cfg, daemon_env(), rng, 5, (0.0, 2.0), after_each=consistent)


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


def _sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("a file the daemon cannot write, and page damage, are SQLite cases")


def test_health_fails_when_the_database_cannot_be_written(db_url: str, tmp_path: Path) -> None:
    """A database that reads but refuses writes (read-only file, full disk): every job
    fails, so /healthz answers 503 naming the job, the error and the database, and
    `wommon status` exits 1 once the daemon's heartbeat goes stale."""
    import json
    import urllib.error
    import urllib.request

    from click.testing import CliRunner
    from sqlalchemy import event, update

    from wommon.cli import main
    from wommon.clock import SystemClock
    from wommon.service.daemon import Daemon
    from wommon.service.health import HealthServer
    from wommon.service.metrics import Metrics
    from wommon.service.status import snapshot
    from wommon.store.models import Heartbeat

    _sqlite_only(db_url)
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{db_url}"\n')
    clock = SystemClock()
    pipeline = Pipeline(settings(db_url), clock)
    daemon = Daemon(pipeline)
    try:
        pipeline.prepare()
        beat = daemon._job("heartbeat", lambda: pipeline.heartbeat("{}"))
        beat()
        ok = CliRunner().invoke(main, ["status", str(cfg)])
        assert ok.exit_code == 0 and f"daemon:    {pipeline.owner}" in ok.output
        event.listen(
            pipeline.engine, "connect", lambda conn, _: conn.execute("PRAGMA query_only = ON")
        )
        pipeline.engine.dispose()
        for _ in range(3):
            daemon._job("collect", pipeline.collect)()
            beat()
        server = HealthServer(
            "127.0.0.1:0",
            Metrics(),
            lambda: snapshot(pipeline.engine, clock.now()),
            lambda: True,
            daemon.problems,
        )
        server.start()
        try:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(f"http://{server.address}/healthz", timeout=10)
        finally:
            server.stop()
        assert answer.value.code == 503
        body = json.loads(answer.value.read())
        failing = "\n".join(body["jobs"])
        assert "collect: failed 3 times in a row" in failing and "heartbeat: failed" in failing
        assert db_url in failing and "readonly database" in failing
        writer = make_engine(db_url)
        with transaction(writer) as session:
            session.execute(update(Heartbeat).values(seen_at=clock.now() - timedelta(hours=1)))
        writer.dispose()
        stale = CliRunner().invoke(main, ["status", str(cfg)])
        assert stale.exit_code == 1 and "daemon:    NOT RUNNING" in stale.output
    finally:
        pipeline.close()


def test_read_only_commands_do_not_wait_for_a_writer(db_url: str, tmp_path: Path) -> None:
    """`status`, `sources` and `incidents` read while another process holds the write lock
    (a backfill's long transaction), instead of waiting 30 s and reporting the database
    down."""
    from click.testing import CliRunner

    from wommon.cli import main

    _sqlite_only(db_url)
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{db_url}"\n')
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", str(cfg)]).exit_code == 0
    path = db_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO brand_hour (brand, hour, negative) VALUES ('x', '2026-01-01', 1)")
    try:
        for command in (["sources"], ["incidents"], ["status"]):
            result = runner.invoke(main, [*command, str(cfg)])
            assert "database is locked" not in result.output
            assert "no such" not in result.output
            assert command == ["status"] or result.exit_code == 0, result.output
            if command == ["status"]:
                assert result.output.startswith("database:  ok")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_damaged_database_file_is_named_with_what_to_do(db_url: str, tmp_path: Path) -> None:
    """A page-corrupted SQLite file: `incidents` says so without a traceback, `db upgrade`
    does not report OK, and the daemon refuses to start on it."""
    from click.testing import CliRunner

    from wommon.cli import main

    _sqlite_only(db_url)
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "{db_url}"\n')
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", str(cfg)]).exit_code == 0
    path = Path(db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO brand_hour (brand, hour, negative) VALUES (?, '2026-01-01', 1)",
            [(f"brand-{i}" * 20,) for i in range(2000)],
        )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = 4096
    data = bytearray(path.read_bytes())
    # Every page past the schema's first ones, so that what each command reads is hit
    # whatever the layout of the tables and indexes.
    for offset in range(3 * page, len(data) - page, page):
        data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    listed = runner.invoke(main, ["incidents", str(cfg)])
    upgraded = runner.invoke(main, ["db", "upgrade", str(cfg)])
    for result in (listed, upgraded):
        assert result.exit_code == 1, result.output
        assert "damaged" in result.output and ".recover" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    pipeline = Pipeline(settings(db_url), SimulatedClock(START))
    try:
        with pytest.raises(StorageError, match="damaged"):
            pipeline.prepare()
    finally:
        pipeline.close()


# --- the mention tally --------------------------------------------------------------------


def _scan(engine: Engine) -> dict[tuple[str, str], int]:
    """The counts the tally stands for, counted the slow way."""
    from sqlmodel import select

    from wommon.store.models import Mention

    found: Counter[tuple[str, str]] = Counter()
    with Session(engine) as session:
        for m in session.exec(select(Mention)):
            if m.analyzed_at is None:
                found[("unknown", "pending")] += 1
            else:
                found[(m.language or "unknown", "negative" if m.negative else "other")] += 1
    return dict(found)


def _a_source(session: Session) -> Source:
    src = Source(
        name="s", kind="rss", url="https://s.example", interval_seconds=900, next_due_at=START
    )
    session.add(src)
    session.flush()
    return src


def _entries_of(texts: list[str]) -> list[Entry]:
    """One entry a text, each at its own address on one site, all published at START."""
    return [
        Entry(
            uid=f"u{i}",
            url=f"https://s.example/{i}",
            author="a",
            title="",
            text=t,
            links=(),
            published_at=START,
            fingerprint=None,
        )
        for i, t in enumerate(texts)
    ]


def test_the_tally_follows_collection_analysis_and_rescoring(engine: Engine) -> None:
    from sqlalchemy import event

    from tests.support.helpers import ACME
    from wommon.analyze.analyzer import Analyzer
    from wommon.analyze.step import analyze_pending
    from wommon.collect.insert import insert_entries
    from wommon.config import DetectSettings
    from wommon.service.status import snapshot
    from wommon.store import tally

    texts = [
        "Acme charged me twice and refused a refund",
        "Acme me cobró dos veces y no devuelve el dinero",
        "Lovely day at the beach",
        "Acme support was quick and kind",
    ]
    with transaction(engine) as session:
        src = _a_source(session)
        entries = _entries_of(texts * 3)
        assert insert_entries(session, src, entries, START) == 12
        assert insert_entries(session, src, entries, START) == 0  # already stored: not counted
    assert snapshot(engine, START).mentions == _scan(engine) == {("unknown", "pending"): 12}
    analyzer = Analyzer.for_brands((ACME,), DetectSettings())
    analyze_pending(engine, analyzer, START, limit=5)
    assert snapshot(engine, START).mentions == _scan(engine)
    analyze_pending(engine, analyzer, START)
    after = snapshot(engine, START).mentions
    assert after == _scan(engine) and ("unknown", "pending") not in after
    assert after[("es", "negative")] == 3 and sum(after.values()) == 12
    with transaction(engine) as session:
        session.execute(text("UPDATE mention SET negative = NOT negative"))
        tally.recount(session)
    assert snapshot(engine, START).mentions == _scan(engine)

    statements: list[str] = []

    def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        snapshot(engine, START)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "FROM mention " in s + " "]


def test_analysis_leaves_detection_only_the_negative_mentions_of_a_brand(engine: Engine) -> None:
    """A mention that cannot join a story (not negative, or of no watched brand) is marked
    detected with its verdict; detection then reads only what can count, and still groups
    it as before."""
    from tests.support.helpers import ACME
    from wommon.analyze.analyzer import Analyzer
    from wommon.analyze.step import analyze_pending
    from wommon.collect.insert import insert_entries
    from wommon.config import DetectSettings
    from wommon.detect.detector import detect_pending
    from wommon.store.models import Mention

    complaint = "Acme charged me twice and refused a refund"
    queja = "Acme me cobró dos veces y no devuelve el dinero"
    praise = "Acme support was quick and kind"
    no_brand = "Someone charged me twice and refused a refund"
    with transaction(engine) as session:
        insert_entries(
            session, _a_source(session), _entries_of([complaint, queja, praise, no_brand]), START
        )
    analyze_pending(engine, Analyzer.for_brands((ACME,), DetectSettings()), START)

    def waiting() -> set[str]:
        with Session(engine) as session:
            return set(session.exec(select(Mention.text).where(col(Mention.detected_at).is_(None))))

    assert waiting() == {complaint, queja}
    report = detect_pending(engine, DetectSettings(), (ACME,), START)
    assert (report.mentions, report.incidents_opened) == (2, 1)
    assert waiting() == set()


def test_a_host_slot_given_away_while_paused_is_no_longer_held(engine: Engine) -> None:
    """A daemon paused between taking a slot and fetching asks again before it fetches:
    a slot released as a dead daemon's, or expired, is not its any more."""
    from wommon.store import slots
    from wommon.store.db import transaction

    if engine.dialect.name != "postgresql":
        pytest.skip("host slots are shared on PostgreSQL only")
    later = START + timedelta(minutes=5)
    with transaction(engine) as session:
        slot = slots.take(session, "h.example", 2, "paused", START, later)
    assert slot is not None
    with transaction(engine) as session:
        assert slots.holds(session, "h.example", slot, "paused", START)
        assert not slots.holds(session, "h.example", slot, "other", START)
        assert not slots.holds(session, "h.example", slot, "paused", later + timedelta(seconds=1))
        slots.give_back_all(session, "paused")  # what the others do for a stale heartbeat
    with transaction(engine) as session:
        assert not slots.holds(session, "h.example", slot, "paused", START)


def test_takers_racing_for_a_hosts_slots_each_get_a_different_one(engine: Engine) -> None:
    """Six transactions ask at once for one of a host's three slots: three get one each,
    none the same, three get none; a slot given back, or expired, is taken again."""
    from wommon.store import slots
    from wommon.store.db import transaction

    if engine.dialect.name != "postgresql":
        pytest.skip("host slots are shared on PostgreSQL only")
    later = START + timedelta(minutes=5)
    with transaction(engine) as session:  # the host's slots exist, committed
        first = slots.take(session, "h.example", 3, "setup", START, later)
        assert first is not None
        slots.give_back(session, "h.example", first, "setup")
    together = threading.Barrier(6)

    def taker(n: int) -> int | None:
        with transaction(engine) as session:
            taken = slots.take(session, "h.example", 3, f"t{n}", START, later)
            together.wait(timeout=30)  # every transaction still open: the rows stay locked
            return taken

    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(taker, range(6)))
    assert sorted(g for g in got if g is not None) == [0, 1, 2]
    assert got.count(None) == 3
    holder = f"t{got.index(1)}"
    with transaction(engine) as session:
        assert slots.take(session, "h.example", 3, "late", START, later) is None
        slots.give_back(session, "h.example", 1, holder)
        assert slots.take(session, "h.example", 3, "late", START, later) == 1
        expired = later + timedelta(seconds=1)
        assert slots.take(session, "h.example", 3, "later", expired, expired) in (0, 2)


def test_a_silent_daemons_host_slots_stay_busy_while_its_fetches_may_run(
    engine: Engine, clock: SimulatedClock
) -> None:
    """A daemon whose heartbeat went stale may only be stalled, its fetches still running:
    its host slots are taken from it but stay busy for one fetch timeout, so the host
    never sees more than its limit. A process known to be gone frees them at once."""
    import socket
    import subprocess
    import sys

    from wommon import defaults
    from wommon.store import heartbeat, slots

    if engine.dialect.name != "postgresql":
        pytest.skip("host slots are shared on PostgreSQL only")
    url = engine.url.render_as_string(hide_password=False)
    pipeline = Pipeline(settings(url, (source("s", "http://127.0.0.1:9/f"),)), clock)
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = f"{socket.gethostname()}:{finished.stdout.strip()}"
    try:
        pipeline.prepare()
        later = clock.now() + timedelta(minutes=5)
        for owner, host in (("elsewhere:1", "slow.example"), (gone, "dead.example")):
            with transaction(engine) as session:
                heartbeat.beat(session, owner, "h", 1, clock.now(), clock.now(), "{}")
                for _ in range(2):
                    assert slots.take(session, host, 2, owner, clock.now(), later) is not None
        clock.advance(3 * defaults.HEARTBEAT_SECONDS)
        pipeline.heartbeat("{}")  # both silent: their claims are given back
        with transaction(engine) as session:
            assert slots.take(session, "dead.example", 2, "me", clock.now(), later) is not None
            assert slots.take(session, "slow.example", 2, "me", clock.now(), later) is None
            assert not slots.holds(session, "slow.example", 0, "elsewhere:1", clock.now())
        clock.advance(defaults.FETCH_TIMEOUT_SECONDS + 1)
        with transaction(engine) as session:
            assert slots.take(session, "slow.example", 2, "me", clock.now(), later) is not None
    finally:
        pipeline.close()


def test_a_stage_named_by_another_daemon_is_heard_even_after_the_connection_drops(
    engine: Engine,
) -> None:
    """The wake channel: what another daemon says is heard, what this one says is not
    (it woke its own stage already), and a listener whose connection the server ended
    listens again."""
    from tests.support.daemons import until
    from wommon.store import wakes

    if engine.dialect.name != "postgresql":
        pytest.skip("one daemon on SQLite: nobody to wake")
    heard: list[str] = []
    listener = wakes.Listener(engine, "me:1", heard.append)

    def listening() -> list[int]:
        """The listener's server process, once it has said LISTEN."""
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = :name "
                    "AND query LIKE 'LISTEN%'"
                ),
                {"name": wakes.CHANNEL},
            )
            return [int(pid) for pid in found.scalars()]

    listener.start()
    try:
        assert until(lambda: len(listening()) == 1, 30), "the listener never listened"
        (first,) = listening()
        wakes.tell(engine, "detect", "me:1")
        wakes.tell(engine, "analyze", "other:2")
        assert until(lambda: heard == ["analyze"], 30), heard
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        assert until(lambda: listening() not in ([], [first]), 30), "it did not listen again"
        wakes.tell(engine, "deliver", "other:2")
        assert until(lambda: heard == ["analyze", "deliver"], 30), heard
    finally:
        listener.stop()


def test_a_peer_frozen_inside_a_transaction_does_not_stall_the_take_over(
    engine: Engine, clock: SimulatedClock
) -> None:
    """A daemon stopped (SIGSTOP) between two statements of a transaction still locks its
    heartbeat and its claimed sources. The others keep beating and postpone the take-over
    instead of waiting behind it; once the server ends the idle transaction, the next beat
    gives its claims back."""
    import time

    from wommon import defaults
    from wommon.store import heartbeat
    from wommon.store.models import Heartbeat

    if engine.dialect.name != "postgresql":
        pytest.skip("one writer at a time on SQLite: nobody can hold rows while frozen")
    url = engine.url.render_as_string(hide_password=False)
    pipeline = Pipeline(settings(url, (source("s", "http://127.0.0.1:9/f"),)), clock)
    frozen = make_engine(url)
    try:
        pipeline.prepare()
        with transaction(frozen) as session:
            heartbeat.beat(session, "frozen", "h", 1, clock.now(), clock.now(), "{}")
            assert len(claim_due(session, clock.now(), "frozen", 10)) == 1
        held = frozen.connect()  # its transaction begins with the first statement
        limit = held.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar()
        assert limit == f"{defaults.IDLE_TRANSACTION_SECONDS}s"
        held.exec_driver_sql("SELECT 1 FROM source WHERE lease_owner = 'frozen' FOR UPDATE")
        held.exec_driver_sql("SELECT 1 FROM heartbeat WHERE owner = 'frozen' FOR UPDATE")
        clock.advance(3 * defaults.HEARTBEAT_SECONDS)
        assert pipeline.heartbeat("{}") == []  # postponed: the rows are still locked
        with Session(engine) as session:
            mine = session.get(Heartbeat, pipeline.owner)
            assert mine is not None and mine.seen_at == clock.now()
        # What the server does after IDLE_TRANSACTION_SECONDS, made short for the test.
        held.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 100")
        deadline = time.monotonic() + 60
        while pipeline.heartbeat("{}") != ["frozen"]:
            assert time.monotonic() < deadline, "the frozen transaction was never ended"
        with pytest.raises(Exception, match="idle-in-transaction"):
            held.exec_driver_sql("SELECT 1")
        with Session(engine) as session:
            src = session.exec(select(Source)).one()
            assert src.lease_owner is None and session.get(Heartbeat, "frozen") is None
    finally:
        pipeline.close()
        frozen.dispose()


def test_an_in_list_built_by_size_finds_what_its_values_name(engine: Engine) -> None:
    """A statement built for a list size rounded up to a power of two, padded with the
    last value, finds exactly the rows its values name, and binds them as the column does
    (aware datetimes stored naive)."""
    hours = [START + timedelta(hours=h) for h in range(8)]
    with transaction(engine) as session:
        for h, at in enumerate(hours):
            session.add(BrandHour(brand="Acme", hour=at, negative=h))
    for asked in ([3], [0, 5], [1, 2, 7], [0, 1, 2, 3, 4]):
        size = inlists.size_for(len(asked))
        assert size >= len(asked) and size & (size - 1) == 0
        statement = select(BrandHour.negative).where(
            inlists.among(col(BrandHour.hour), "hour", size)
        )
        with Session(engine) as session:
            found = session.exec(
                statement, params=inlists.values("hour", [hours[h] for h in asked], size)
            )
            assert sorted(found) == asked
