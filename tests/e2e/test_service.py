"""The daemon as a service: sd_notify, watchdog, reload, coalescing, health and metrics,
secrets, locking and the unit file (cases R17, R18, R34-R40)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from tests.support import START
from tests.support.daemons import (
    NotifySocket,
    daemon_env,
    kill_at_random,
    start_daemon,
    until,
)
from tests.support.helpers import settings
from wommon.clock import SimulatedClock, SystemClock
from wommon.errors import StorageError
from wommon.service.app import Pipeline
from wommon.service.daemon import JOB_DEFAULTS, Daemon
from wommon.service.health import HealthServer
from wommon.service.metrics import Metrics
from wommon.service.status import snapshot
from wommon.service.systemd import SystemdNotifier
from wommon.store.db import make_engine, transaction
from wommon.store.models import Incident, Mention, Outbox, Source
from wommon.store.outbox import enqueue

ROOT = Path(__file__).parents[2]


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[NotifySocket]:
    ns = NotifySocket(tmp_path / "notify.sock")
    yield ns
    ns.close()


def test_sd_notify_paths_and_silence(notify: NotifySocket, tmp_path: Path) -> None:
    assert SystemdNotifier(notify.path).ready("up")
    assert notify.wait_for("READY=1")
    assert notify.drain() == ["READY=1\nSTATUS=up"]
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract.bind("\0wommon-test-notify")
    abstract.settimeout(1)
    time.sleep(0.1)
    assert SystemdNotifier("@wommon-test-notify").watchdog()
    assert abstract.recv(100) == b"WATCHDOG=1"
    abstract.close()
    assert not SystemdNotifier("").ready("nobody listens")
    assert not SystemdNotifier(str(tmp_path / "missing.sock")).status("no socket")


def _daemon(db_url: str, tmp_path: Path, notify: NotifySocket, **daemon_opts: object):  # type: ignore[no-untyped-def]
    cfg = settings(db_url).model_copy(
        update={"daemon": settings(db_url).daemon.model_copy(update=daemon_opts)}
    )
    pipeline = Pipeline(cfg, SystemClock(), metrics=Metrics())
    return Daemon(pipeline, systemd=SystemdNotifier(notify.path)), pipeline


def test_watchdog_stops_when_a_job_hangs(
    db_url: str, tmp_path: Path, notify: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R35: a hung job stops the WATCHDOG=1 pings (systemd then restarts the service);
    they resume when the job finishes."""
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    daemon, pipeline = _daemon(
        db_url, tmp_path, notify, job_timeout_seconds=0.5, collect_every_seconds=3600
    )
    release = threading.Event()
    started = threading.Event()

    def hanging_collect() -> None:
        started.set()
        release.wait(10)

    pipeline.collect = hanging_collect  # type: ignore[method-assign]
    runner = threading.Thread(target=daemon.serve, kwargs={"install_signals": False})
    runner.start()
    try:
        assert notify.wait_for("READY=1")
        assert started.wait(5)
        time.sleep(1.5)
        hung_since = time.monotonic() - 0.7
        pings = [t for t, m in list(notify.messages) if m == "WATCHDOG=1" and t > hung_since]
        assert pings == [], "pings went on while a job was hung"
        assert not daemon.alive()
        released = time.monotonic()
        release.set()
        assert notify.wait_for("WATCHDOG=1", timeout=3, after=released)
    finally:
        release.set()
        daemon.request_stop()
        runner.join(10)
    assert any(m.startswith("STOPPING=1") for m in notify.drain())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_sigterm_delivered_to_another_thread_stops_the_daemon_at_once(
    db_url: str, tmp_path: Path, notify: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R32: the kernel hands a process's signal to any of its threads; one that lands on a
    worker thread must still wake the main loop, not wait for its next tick (Python runs
    handlers in the main thread only). The tick here is a minute, so a late stop shows."""
    from wommon import defaults

    monkeypatch.setattr(defaults, "MAIN_LOOP_SECONDS", 60.0)
    daemon, pipeline = _daemon(db_url, tmp_path, notify, collect_every_seconds=3600)
    pipeline.collect = lambda: None  # type: ignore[assignment,method-assign,return-value]
    sent: list[float] = []

    def terminate_from_a_worker_thread() -> None:
        if notify.wait_for("READY=1", timeout=30):
            sent.append(time.monotonic())
            signal.pthread_kill(threading.get_ident(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    sender = threading.Thread(target=terminate_from_a_worker_thread)
    sender.start()
    assert daemon.serve(install_signals=True)
    returned = time.monotonic()
    sender.join(5)
    assert sent, "the daemon never sent READY=1"
    assert returned - sent[0] < 30, "the stop waited for the main loop's tick"
    assert signal.getsignal(signal.SIGTERM) is previous, "serve() left its handler installed"
    assert any(m.startswith("STOPPING=1") for m in notify.drain())


def test_reload_applies_a_good_config_and_keeps_the_old_on_a_bad_one(
    db_url: str, tmp_path: Path, notify: NotifySocket, caplog: pytest.LogCaptureFixture
) -> None:
    """R39: SIGHUP reloads; sources added and removed without a restart; a bad new config
    is rejected with the reason and the old one keeps running."""
    from wommon import config
    from wommon.collect.sources import REMOVED

    path = tmp_path / "w.toml"
    base = f'[storage]\nurl = "{db_url}"\n[daemon]\ncollect_every_seconds = 3600\n'
    path.write_text(base + '[[sources]]\nname = "a"\nurl = "https://a.example/feed"\n')
    pipeline = Pipeline(config.load(path), SystemClock())
    daemon = Daemon(
        pipeline, reload_config=lambda: config.load(path), systemd=SystemdNotifier(notify.path)
    )
    pipeline.collect = lambda: None  # type: ignore[assignment,method-assign,return-value]
    runner = threading.Thread(target=daemon.serve, kwargs={"install_signals": False})
    runner.start()
    try:
        assert notify.wait_for("READY=1")
        path.write_text(base + '[[sources]]\nname = "b"\nurl = "https://b.example/feed"\n')
        daemon.request_reload()
        assert notify.wait_for("RELOADING=1")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and [s.name for s in pipeline.settings.sources] != ["b"]:
            time.sleep(0.05)  # readiness: poll for the condition, up to the deadline
        assert [s.name for s in pipeline.settings.sources] == ["b"]
        path.write_text(base + '[[sources]]\nname = "c"\nurl = "ftp://c.example/feed"\n')
        daemon.request_reload()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "reload_rejected" not in caplog.text:
            time.sleep(0.05)  # readiness: poll for the condition, up to the deadline
    finally:
        daemon.request_stop()
        runner.join(10)
    assert "reload_rejected" in caplog.text and "action=keeping the running config" in caplog.text
    assert "sources[0].url: must be an http:// or https:// URL" in caplog.text
    assert [s.name for s in pipeline.settings.sources] == ["b"]
    engine = make_engine(db_url)
    from sqlmodel import Session, select

    with Session(engine) as session:
        rows = {s.name: (s.enabled, s.disabled_reason) for s in session.exec(select(Source))}
    engine.dispose()
    assert rows == {"a": (False, REMOVED), "b": (True, None)}


def test_missed_runs_coalesce_after_a_suspend() -> None:
    """R36: a job whose runs were missed for two hours runs once, not 72,000 times."""
    runs: list[float] = []
    scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
    scheduler.add_job(
        lambda: runs.append(time.monotonic()),
        "interval",
        seconds=0.1,
        next_run_time=datetime.now(UTC) - timedelta(hours=2),
    )
    scheduler.start()
    time.sleep(0.55)
    scheduler.shutdown(wait=True)
    assert 1 <= len(runs) <= 7


def test_health_and_metrics_endpoint(engine: Engine, clock: SimulatedClock) -> None:
    metrics = Metrics()
    metrics.watch_database(lambda: snapshot(engine, clock.now()))
    metrics.fetches.labels("ok").inc(3)
    with transaction(engine) as session:
        session.add(
            Source(name="s", kind="rss", url="https://s", interval_seconds=60, next_due_at=START)
        )
    alive = {"ok": True}
    server = HealthServer(
        "127.0.0.1:0", metrics, lambda: snapshot(engine, clock.now()), lambda: alive["ok"]
    )
    server.start()
    try:
        base = f"http://{server.address}"
        text = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
        assert 'wommon_fetches_total{result="ok"} 3.0' in text
        assert 'wommon_sources{state="new"} 1.0' in text
        assert "wommon_database_up 1.0" in text
        body = json.loads(urllib.request.urlopen(f"{base}/healthz", timeout=5).read())
        assert body["status"] == "ok"
        with transaction(engine) as session:
            inc = Incident(
                brand="A", label="x", first_seen=START, last_seen=START, updated_at=START
            )
            session.add(inc)
            session.flush()
            assert inc.id is not None
            enqueue(session, incident_id=inc.id, kind="open", key="k", payload={}, now=START)
            row = session.exec(__import__("sqlmodel").select(Outbox)).one()
            row.status, row.last_error = "failed", "slack chat.postMessage: channel_not_found"
            session.add(row)
        alive["ok"] = False
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
        assert info.value.code == 503
        failing = json.loads(info.value.read())
        assert failing["scheduler"] == "stalled"
        assert failing["slack"] == ["slack chat.postMessage: channel_not_found"]
    finally:
        server.stop()


def test_concurrent_writers_never_see_database_locked(tmp_path: Path) -> None:
    """R17: a daemon's small transactions while another writer inserts 100,000 mentions:
    both finish, no "database is locked"."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    from wommon.store.db import upgrade

    upgrade(make_engine(url))
    backfill, daemon = make_engine(url), make_engine(url)
    with transaction(daemon) as session:
        session.add(
            Source(name="s", kind="rss", url="https://s", interval_seconds=60, next_due_at=START)
        )
    errors: list[BaseException] = []

    def bulk() -> None:
        try:
            for batch in range(20):
                with backfill.begin() as conn:
                    conn.execute(
                        Mention.__table__.insert(),  # type: ignore[attr-defined]
                        [
                            {
                                "source_id": 1,
                                "uid": f"{batch}-{i}",
                                "title": "",
                                "text": "x",
                                "links": "[]",
                                "published_at": START,
                                "fetched_at": START,
                                "historical": True,
                            }
                            for i in range(5000)
                        ],
                    )
        except BaseException as exc:
            errors.append(exc)

    def small() -> None:
        try:
            for i in range(200):
                with transaction(daemon) as session:
                    src = session.get(Source, 1)
                    assert src is not None
                    src.consecutive_failures = i
                    session.add(src)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bulk), threading.Thread(target=small)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("select count(*) from mention").fetchone() == (100_000,)
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_refuses_another_users_database(tmp_path: Path) -> None:
    """R18: opening a SQLite database owned by another user is refused, so no foreign-owned
    -wal/-shm files are left behind."""
    db = tmp_path / "w.db"
    sqlite3.connect(db).close()
    os.chown(db, 65534, 65534)
    with pytest.raises(StorageError, match=r"belongs to uid 65534, not to this user"):
        make_engine(f"sqlite:///{db}")
    assert not (tmp_path / "w.db-wal").exists()


def _run(
    args: list[str], env: dict[str, str], timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wommon", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_bad_config_or_failed_migration_never_sends_ready(
    tmp_path: Path, notify: NotifySocket
) -> None:
    """R34: with a bad config, or a database that cannot be migrated, READY=1 is never
    sent and the process exits 1 with the reason."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname = "x"\nurl = "ftp://x"\n')
    result = _run(["run", str(bad)], daemon_env(NOTIFY_SOCKET=notify.path))
    assert result.returncode == 1
    assert "sources[0].url: must be an http:// or https:// URL" in result.stderr
    not_a_db = tmp_path / "garbage.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[storage]\nurl = "sqlite:///{not_a_db}"\n')
    result = _run(["run", str(cfg)], daemon_env(NOTIFY_SOCKET=notify.path))
    assert result.returncode == 1
    assert "is damaged" in result.stderr and "file is not a database" in result.stderr
    assert not any("READY=1" in m for m in notify.drain())


def test_sigterm_sends_stopping_and_leaves_a_consistent_database(
    tmp_path: Path, notify: NotifySocket
) -> None:
    """R32: SIGTERM during a fetch: STOPPING=1, exit 0 within the stop timeout, the database
    passes integrity_check and no claim is left behind."""
    from tests.support.http_server import HTTPServer

    with HTTPServer() as server:
        server.routes["/slow"] = lambda h: time.sleep(30)
        cfg = tmp_path / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
            '[collect]\nallow_networks = ["127.0.0.1/32"]\ntimeout_seconds = 60\n'
            "[daemon]\nstop_timeout_seconds = 2\n"
            f'[[sources]]\nname = "slow"\nurl = "{server.url("/slow")}"\n'
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "wommon", "run", str(cfg)],
            env=daemon_env(NOTIFY_SOCKET=notify.path),
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert notify.wait_for("READY=1", timeout=30)
            deadline = time.monotonic() + 10
            while not server.hits and time.monotonic() < deadline:
                time.sleep(0.05)  # readiness: poll for the condition, up to the deadline
            assert server.hits, "the fetch never started"
            proc.terminate()
            started = time.monotonic()
            _, stderr = proc.communicate(timeout=15)
            elapsed = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, stderr
    assert elapsed < 2 + 3
    assert any(m.startswith("STOPPING=1") for m in notify.drain())
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("select lease_owner from source").fetchall() == [(None,)]


def test_credential_directory_token_is_used(tmp_path: Path) -> None:
    """R38: the token comes from $CREDENTIALS_DIRECTORY (systemd LoadCredential)."""
    (tmp_path / "slack-bot-token").write_text("xoxb-from-credentials\n")
    cfg = tmp_path / "w.toml"
    cfg.write_text('[slack]\nchannel = "#alerts"\n')
    result = _run(["check", str(cfg)], daemon_env(CREDENTIALS_DIRECTORY=str(tmp_path)))
    assert result.returncode == 0 and "alerts: Slack channel #alerts" in result.stdout
    assert "xoxb" not in result.stdout + result.stderr


def test_systemd_unit_is_hardened_and_valid(tmp_path: Path) -> None:
    """R40: `systemd-analyze security --offline=yes` exposure <= 2.0 and `verify` clean;
    the only writable path is the StateDirectory, where the database and its WAL live."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = ROOT / "systemd" / "wommon.service"
    text = unit.read_text()
    assert "ProtectSystem=strict" in text and "StateDirectory=wommon" in text
    assert "ReadWritePaths" not in text
    security = subprocess.run(
        [analyze, "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for wommon\.service: ([0-9.]+)", security.stdout)
    assert match, security.stdout + security.stderr
    assert float(match.group(1)) <= 2.0
    wommon = shutil.which("wommon") or str(Path(sys.executable).with_name("wommon"))
    for name in ("wommon.service", "wommon-backfill.service"):
        source = ROOT / "systemd" / name
        if not source.exists():
            continue
        local = tmp_path / name
        local.write_text(source.read_text().replace("/opt/wommon/bin/wommon", wommon))
        verify = subprocess.run(
            [analyze, "verify", str(local)], capture_output=True, text=True, check=False
        )
        assert verify.returncode == 0, verify.stderr


def _all_sent(path: Path) -> bool:
    """The daemon's outbox holds an alert and every one is recorded as sent."""
    with closing(sqlite3.connect(path, timeout=5)) as conn:
        statuses = {s for (s,) in conn.execute("select status from outbox")}
    return statuses == {"sent"}


def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    """R33: SIGKILL at random points, restart each time: the alert is still delivered, no
    mention is stored twice, the database stays consistent; claims of the dead process are
    taken over at restart instead of after their lease."""
    import random

    from tests.support.helpers import story_feeds
    from tests.support.slack_server import SlackServer
    from wommon.demo.feedserver import FeedServer

    rng = random.Random(33)
    clock = SystemClock()
    with (
        FeedServer(clock, story_feeds(clock.now() - timedelta(hours=3))) as feeds,
        SlackServer() as slack,
    ):
        sources = "".join(
            f'[[sources]]\nname = "{n}"\nurl = "{feeds.url(n)}"\ninterval_seconds = 60\n'
            for n in feeds.feeds
        )
        cfg = tmp_path / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
            '[collect]\nallow_networks = ["127.0.0.1/32"]\n'
            f'[slack]\nchannel = "#alerts"\napi_url = "{slack.api_url}"\n'
            "[daemon]\ncollect_every_seconds = 1\nanalyze_every_seconds = 1\n"
            "detect_every_seconds = 1\ndeliver_every_seconds = 1\n"
            '[[brands]]\nname = "Acme"\n' + sources
        )
        env = daemon_env(SLACK_BOT_TOKEN="xoxb-test")
        kill_at_random(cfg, env, rng, 6, (0.8, 3.0))
        notify = NotifySocket(tmp_path / "notify.sock")
        proc = start_daemon(cfg, {**env, "NOTIFY_SOCKET": notify.path}, capture=True)
        try:
            # The alert may have gone out before the last kill: wait until this daemon
            # is up (its signal handlers installed) before asking it to stop.
            assert notify.wait_for("READY=1", timeout=120), "the daemon never said READY=1"
            deadline = time.monotonic() + 60
            while not _all_sent(tmp_path / "w.db") and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            proc.terminate()
            _, stderr = proc.communicate(timeout=30)
            notify.close()
    assert proc.returncode == 0, stderr
    assert len(slack.roots()) >= 1, "the alert was lost"
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        assert conn.execute("select count(*), count(distinct url) from mention").fetchone() == (
            4,
            4,
        )
        assert conn.execute("select state, mentions from incident").fetchall() == [("alerting", 3)]
        assert conn.execute("select status from outbox").fetchall() == [("sent",)]
        assert conn.execute(
            "select count(*) from source where lease_owner is not null"
        ).fetchone() == (0,)


def test_the_running_daemon_serves_the_database_gauges(
    db_url: str, tmp_path: Path, notify: NotifySocket
) -> None:
    """`wommon run` with health_listen: /metrics carries every gauge the README lists that
    comes from the database, and no *_created series."""
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = tmp_path / "w.toml"
    cfg.write_text(
        f'[storage]\nurl = "{db_url}"\n[daemon]\nhealth_listen = "127.0.0.1:{port}"\n'
        '[[sources]]\nname = "a"\nurl = "http://127.0.0.1:9/feed"\n'
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "wommon", "run", str(cfg)],
        env=daemon_env(NOTIFY_SOCKET=notify.path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert notify.wait_for("READY=1", timeout=60)
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
    finally:
        proc.terminate()
        proc.wait(30)
    metrics = text.decode()
    for family in ("wommon_sources", "wommon_mentions", "wommon_incidents", "wommon_outbox"):
        assert f"# TYPE {family} gauge" in metrics, family
    assert "wommon_database_up 1.0" in metrics
    assert 'wommon_sources{state="' in metrics
    assert "_created" not in metrics


def test_the_documented_install_is_what_the_units_run() -> None:
    """The README installs into a virtualenv at /opt/wommon (a system pip install is refused
    on current Debian and Ubuntu); both units and the read-as-the-service one-liner run
    that very binary."""
    readme = (ROOT / "README.md").read_text()
    binary = "/opt/wommon/bin/wommon"
    assert "sudo python3 -m venv /opt/wommon && sudo /opt/wommon/bin/pip install ." in readme
    assert "sudo pip install ." not in readme
    assert f"{binary} status /etc/wommon/wommon.toml" in readme
    assert "systemd-run --pipe" in readme and "-p DynamicUser=yes -p User=wommon" in readme
    for name in ("wommon.service", "wommon-backfill.service"):
        unit = (ROOT / "systemd" / name).read_text()
        starts = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
        assert starts and all(line.startswith(f"ExecStart={binary} ") for line in starts), name


def test_source_states_are_counted_by_the_database_as_listed(engine: Engine) -> None:
    """/metrics counts sources by state in SQL (no source loaded per scrape); the counts
    agree with the state `wommon sources` shows for each row."""
    from collections import Counter

    from sqlmodel import Session, select

    from wommon.service.status import source_state
    from wommon.store.db import transaction
    from wommon.store.models import Source

    now = START
    kinds = [
        {"enabled": False},
        {"consecutive_failures": 2},
        {"last_warning": "ill-formed feed"},
        {"last_warning": ""},
        {"last_success_at": now},
        {},
    ]
    with transaction(engine) as session:
        for i, extra in enumerate(kinds):
            session.add(
                Source(
                    name=f"s{i}",
                    kind="rss",
                    url=f"https://s{i}.example",
                    interval_seconds=900,
                    next_due_at=now,
                    **extra,
                )
            )
    with Session(engine) as session:
        expected = Counter(source_state(s) for s in session.exec(select(Source)))
    assert snapshot(engine, now).sources == dict(expected)
    assert expected == Counter({"new": 2, "disabled": 1, "error": 1, "warning": 1, "ok": 1})


def _ran(port: int, job: str) -> bool:
    """The daemon's /metrics shows at least one finished run of `job`."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    found = re.search(rf'wommon_job_duration_seconds_count{{job="{job}"}} (\S+)', text)
    return found is not None and float(found.group(1)) >= 1


def test_a_stage_that_made_work_wakes_the_next_one(tmp_path: Path, notify: NotifySocket) -> None:
    """Analysis, detection and delivery run once an hour here, yet a story collected after
    their first runs is alerted on at once: each stage that made work wakes the next. The
    feeds answer only when those first runs are over, so their periods cannot bring the
    story through."""
    from tests.support.helpers import story_feeds
    from tests.support.slack_server import SlackServer
    from wommon.demo.feedserver import FeedServer

    released = threading.Event()

    class HeldFeeds(FeedServer):
        def body(self, path: str) -> tuple[int, bytes]:
            released.wait(120)
            return super().body(path)

    clock = SystemClock()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        HeldFeeds(clock, story_feeds(clock.now() - timedelta(hours=3))) as feeds,
        SlackServer() as slack,
    ):
        sources = "".join(
            f'[[sources]]\nname = "{n}"\nurl = "{feeds.url(n)}"\n' for n in feeds.feeds
        )
        cfg = tmp_path / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{tmp_path / "w.db"}"\n'
            '[collect]\nallow_networks = ["127.0.0.1/32"]\ntimeout_seconds = 300\n'
            f'[slack]\nchannel = "#alerts"\napi_url = "{slack.api_url}"\n'
            f'[daemon]\nhealth_listen = "127.0.0.1:{port}"\ncollect_every_seconds = 1\n'
            "analyze_every_seconds = 3600\ndetect_every_seconds = 3600\n"
            "deliver_every_seconds = 3600\n"
            '[[brands]]\nname = "Acme"\n' + sources
        )
        env = daemon_env(SLACK_BOT_TOKEN="xoxb-test", NOTIFY_SOCKET=notify.path)
        proc = start_daemon(cfg, env, capture=True)
        try:
            assert notify.wait_for("READY=1", timeout=120), "the daemon never said READY=1"
            stages = ("analyze", "detect", "deliver")
            assert until(lambda: all(_ran(port, s) for s in stages), 120), "no first runs"
            assert not slack.roots()
            released.set()
            until(lambda: bool(slack.roots()), 120)
        finally:
            released.set()
            proc.terminate()
            _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert len(slack.roots()) == 1, "the collected story never reached Slack"


def test_a_stage_woken_while_it_runs_runs_again_when_it_ends(
    db_url: str, tmp_path: Path, notify: NotifySocket
) -> None:
    """Work that reaches a stage while it runs may have come too late for that run: the
    stage runs once more at once, and only once however often it was woken meanwhile. A
    stage that is not scheduled (a reload replacing the jobs) is left to its period."""
    daemon, pipeline = _daemon(db_url, tmp_path, notify)
    runs: list[int] = []

    def analyze() -> int:
        runs.append(len(runs))
        if len(runs) == 1:
            for _ in range(3):
                daemon._wake("analyze")
            daemon._wake("deliver")
        return 0

    daemon._job("analyze", analyze)()
    assert runs == [0, 1]
    assert daemon._status_line().endswith("; idle")
    pipeline.close()


def test_a_run_skipped_because_the_last_still_runs_is_no_warning(
    db_url: str, tmp_path: Path, notify: NotifySocket, caplog: pytest.LogCaptureFixture
) -> None:
    """A period that comes round while its stage still runs (a cold start's long collect
    run) is skipped by design: logged as a debug event, not as the scheduler's warning."""
    daemon, pipeline = _daemon(db_url, tmp_path, notify)
    pipeline.prepare()
    release, started, skipped = threading.Event(), threading.Event(), threading.Event()

    def long_run() -> None:
        started.set()
        release.wait(60)

    daemon.scheduler.add_listener(lambda _: skipped.set(), EVENT_JOB_MAX_INSTANCES)
    daemon.scheduler.add_job(daemon._job("collect", long_run), "interval", hours=1, id="collect")
    caplog.set_level(logging.DEBUG)
    daemon.scheduler.start()
    try:
        daemon.scheduler.modify_job("collect", next_run_time=datetime.now(UTC))
        assert until(started.is_set, 60)
        # Its period comes round while it runs.
        daemon.scheduler.modify_job("collect", next_run_time=datetime.now(UTC))
        assert until(skipped.is_set, 60)
    finally:
        release.set()
        daemon.scheduler.shutdown(wait=True)
        pipeline.close()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not warnings, [r.getMessage() for r in warnings]
    assert any("run_skipped" in r.getMessage() for r in caplog.records)


def test_analysis_keeps_pace_with_a_long_collect_run(tmp_path: Path, notify: NotifySocket) -> None:
    """Each fetch that stored mentions wakes analysis, not the end of the collect run: one
    feed's mention is analysed while another feed of the same run is still answering.
    Analysis runs once an hour here; the quick feed answers once analysis's first run is
    over, the slow one once the quick one's mention is analysed."""
    from tests.support.helpers import story_feeds
    from wommon.demo.feedserver import FeedServer

    first_run_over, quick_analysed = threading.Event(), threading.Event()

    class HeldFeeds(FeedServer):
        def body(self, path: str) -> tuple[int, bytes]:
            (quick_analysed if "site1" in path else first_run_over).wait(120)
            return super().body(path)

    def analysed() -> int:
        with closing(sqlite3.connect(db, timeout=5)) as conn:
            row = conn.execute("select count(*) from mention where analyzed_at is not null")
            return int(row.fetchone()[0])

    clock = SystemClock()
    db = tmp_path / "w.db"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with HeldFeeds(clock, story_feeds(clock.now() - timedelta(hours=3))) as feeds:
        sources = "".join(
            f'[[sources]]\nname = "{n}"\nurl = "{feeds.url(n)}"\n' for n in ("site0", "site1")
        )
        cfg = tmp_path / "w.toml"
        cfg.write_text(
            f'[storage]\nurl = "sqlite:///{db}"\n'
            '[collect]\nallow_networks = ["127.0.0.1/32"]\ntimeout_seconds = 300\n'
            f'[daemon]\nhealth_listen = "127.0.0.1:{port}"\ncollect_every_seconds = 3600\n'
            "analyze_every_seconds = 3600\n"
            '[[brands]]\nname = "Acme"\n' + sources
        )
        proc = start_daemon(cfg, daemon_env(NOTIFY_SOCKET=notify.path), capture=True)
        try:
            assert notify.wait_for("READY=1", timeout=120), "the daemon never said READY=1"
            assert until(lambda: _ran(port, "analyze"), 120), "analysis never ran"
            assert analysed() == 0
            first_run_over.set()
            until(lambda: analysed() >= 1, 120)
            during_the_run = analysed()
            quick_analysed.set()
            until(lambda: analysed() >= 2, 120)
        finally:
            first_run_over.set()
            quick_analysed.set()
            proc.terminate()
            _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert during_the_run == 1, "analysis waited for the whole collect run"
    assert analysed() == 2
