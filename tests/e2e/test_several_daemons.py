"""Several `wommon run` processes on one PostgreSQL (R21, R28, R32, R33): real daemons,
started in the same second, on loopback feeds and a loopback Slack-compatible server.

Every feed is fetched once per due period and never by two daemons at once, at most
`max_per_host` at a time across all of them; each story becomes one incident with one
Slack root message; no alert is posted twice; no daemon exits; and the same holds when one
daemon is killed (its claims are taken over within a few heartbeats) or frozen past its
claims and then resumed.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.support.daemons import daemon_env, start_daemon, until
from tests.support.http_server import HTTPServer, rss, send
from tests.support.slack_server import SlackServer
from wommon.clock import SystemClock
from wommon.store.db import make_engine
from wommon.store.models import Heartbeat, Incident, Mention, Outbox, Source

HEARTBEAT = 1
# Six stories sharing no word but the brand, titles included (a shared word is a story
# link when a brand has few stories).
STORIES = [
    (
        "roaming",
        "Roaming fees abroad",
        "Acme billed me roaming charges abroad although roaming was switched off",
    ),
    (
        "router",
        "Router arrived broken",
        "Acme sent a router that is broken, the router lights blink red and die",
    ),
    (
        "parcel",
        "Parcel vanished",
        "Acme lost my parcel, the parcel tracking says delivered but nothing came",
    ),
    (
        "technician",
        "Rude technician",
        "The Acme technician was rude, the technician shouted and left early",
    ),
    (
        "invoice",
        "Invoice doubled",
        "Acme overcharged me, the invoice doubled with fees I never agreed to and no refund",
    ),
    (
        "outage",
        "Fiber outage overnight",
        "Acme fiber outage again, the outage lasted all night in our street",
    ),
]
SITES_PER_STORY = 4
QUIET_FEEDS = 36


def _feed(title: str, items: list[tuple[str, str, str, str]]) -> bytes:
    body = "".join(
        f"<item><guid>{guid}</guid><title>{t}</title><link>{link}</link>"
        f"<pubDate>{when}</pubDate><description>{text}</description></item>"
        for guid, t, link, when, text in [(i[0], i[1], i[0], i[2], i[3]) for i in items]
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title>{body}</channel></rss>"
    ).encode()


class Feeds:
    """The loopback publisher: 24 feeds telling six stories and 36 quiet ones, recording
    when each request for each path started and ended."""

    def __init__(self, server: HTTPServer, delay: float = 0.05) -> None:
        self.server = server
        self.delay = delay
        self.times: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._lock = threading.Lock()
        now = SystemClock().now()
        self.paths: list[str] = []
        for s, (word, title, text) in enumerate(STORIES):
            for k in range(SITES_PER_STORY):
                site = f"https://{word}-{k}.example"
                when = format_datetime(now - timedelta(hours=3) + timedelta(minutes=20 * k))
                items = [(f"{site}/{word}", title, when, f"{text} ({k}).")]
                self._route(f"/story{s}-{k}", _feed(f"{word} {k}", items))
        for q in range(QUIET_FEEDS):
            site = f"https://quiet-{q}.example"
            when = format_datetime(now - timedelta(hours=2))
            items = [(f"{site}/p", "Weekend recipes", when, "A walk and a cake with friends.")]
            self._route(f"/quiet{q}", _feed(f"quiet {q}", items))

    def _route(self, path: str, body: bytes) -> None:
        self.paths.append(path)

        def answer(handler: BaseHTTPRequestHandler) -> None:
            started = time.monotonic()
            threading.Event().wait(self.delay)  # a publisher that takes a moment to answer
            send(handler, 200, body, {"ETag": '"v1"'})
            with self._lock:
                self.times[path].append((started, time.monotonic()))

        self.server.routes[path] = answer


def wait_until(condition: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    """Poll a condition (a readiness check, not a fixed delay)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what()}")
        threading.Event().wait(0.1)


def _config(tmp_path: Path, db_url: str, feeds: Feeds) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "{p.strip("/")}"\nurl = "{feeds.server.url(p)}"\n'
        f"interval_seconds = 3600\n"
        for p in feeds.paths
    )
    cfg = tmp_path / "w.toml"
    cfg.write_text(
        f'[storage]\nurl = "{db_url}"\n'
        '[collect]\nallow_networks = ["127.0.0.1/32"]\nmax_per_host = 2\nworkers = 4\n'
        "parse_processes = 0\n"
        '[slack]\nchannel = "#alerts"\n'
        "[daemon]\ncollect_every_seconds = 1\nanalyze_every_seconds = 1\n"
        "detect_every_seconds = 1\ndeliver_every_seconds = 1\n"
        f"heartbeat_seconds = {HEARTBEAT}\nstop_timeout_seconds = 20\n"
        '[[brands]]\nname = "Acme"\n' + sources
    )
    return cfg


class Daemons:
    def __init__(self, cfg: Path, slack: SlackServer, tmp_path: Path) -> None:
        self.cfg = cfg
        self.slack = slack
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, n: int) -> list[subprocess.Popen[str]]:
        env = daemon_env(
            SLACK_BOT_TOKEN="xoxb-test-token",
            WOMMON_SLACK_API_URL=self.slack.api_url,
        )
        started = [start_daemon(self.cfg, env, capture=True) for _ in range(n)]
        self.procs += started
        return started

    def owner(self, proc: subprocess.Popen[str]) -> str:
        return f"{os.uname().nodename}:{proc.pid}"

    def stop(self) -> list[str]:
        errors = []
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
        for proc in self.procs:
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            errors.append(err or "")
        return errors


@pytest.fixture
def pg_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("several daemons share PostgreSQL (set WOMMON_TEST_DATABASE_URL)")
    return db_url


@pytest.fixture
def world(pg_url: str, tmp_path: Path) -> Iterator[tuple[Feeds, SlackServer, Daemons]]:
    with HTTPServer() as server, SlackServer() as slack:
        feeds = Feeds(server)
        daemons = Daemons(_config(tmp_path, pg_url, feeds), slack, tmp_path)
        try:
            yield feeds, slack, daemons
        finally:
            daemons.stop()


def _counts(db_url: str) -> tuple[int, int, int]:
    engine = make_engine(db_url, readonly=True)
    try:
        with Session(engine) as session:
            mentions = session.exec(select(func.count()).select_from(Mention)).one()
            detected = session.exec(
                select(func.count()).where(col(Mention.detected_at).is_not(None))
            ).one()
            incidents = session.exec(
                select(func.count()).select_from(Incident).where(col(Incident.mentions) > 0)
            ).one()
        return int(mentions), int(detected), int(incidents)
    except Exception:  # the schema may not exist yet while the daemons start
        return 0, 0, 0
    finally:
        engine.dispose()


def _settled(db_url: str, slack: SlackServer) -> bool:
    mentions, detected, _ = _counts(db_url)
    expected = len(STORIES) * SITES_PER_STORY + QUIET_FEEDS
    return mentions == expected and detected == expected and len(slack.roots()) >= len(STORIES)


def _check_outcome(
    db_url: str, feeds: Feeds, slack: SlackServer, *, once: bool = True, in_flight: int = 0
) -> None:
    """One incident and one root message per story, no outbox key posted twice, every
    feed fetched (once, unless a daemon was frozen mid-fetch) and never concurrently.
    `in_flight`: fetches a frozen daemon had started; a request frozen on its way out
    reaches the host on resume, beside the slots given away meanwhile."""
    _, _, incidents = _counts(db_url)
    assert incidents == len(STORIES)
    assert len(slack.roots()) == len(STORIES)
    keys = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key") for m in slack.messages
    )
    assert all(n == 1 for n in keys.values()), keys
    for path in feeds.paths:
        spans = sorted(feeds.times[path])
        assert spans, f"{path} never fetched"
        if once:
            assert len(spans) == 1, f"{path} fetched {len(spans)} times"
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"{path} fetched by two daemons at once"
    peak = feeds.server.peak
    assert peak <= 2 + in_flight, f"{peak} requests at once to one host ({in_flight} in flight)"
    roots = sorted(float(m["ts"]) for m in slack.roots())
    assert all(b - a >= 0.8 for a, b in itertools.pairwise(roots)), roots


def test_three_daemons_started_together_share_the_work(
    pg_url: str, world: tuple[Feeds, SlackServer, Daemons]
) -> None:
    feeds, slack, daemons = world
    procs = daemons.start(3)
    wait_until(
        lambda: _settled(pg_url, slack),
        180,
        lambda: (
            f"every mention detected and alerted: {_counts(pg_url)}, {len(slack.roots())} roots"
        ),
    )
    assert all(p.poll() is None for p in procs), "a daemon exited"
    _check_outcome(pg_url, feeds, slack)
    engine = make_engine(pg_url, readonly=True)
    with Session(engine) as session:
        outbox = session.exec(select(Outbox.idempotency_key)).all()
        analysed = session.exec(
            select(func.count()).where(col(Mention.analyzed_at).is_not(None))
        ).one()
    engine.dispose()
    assert len(outbox) == len(set(outbox))
    assert analysed == len(STORIES) * SITES_PER_STORY + QUIET_FEEDS
    errors = daemons.stop()
    assert all("Traceback" not in e and "IntegrityError" not in e for e in errors), errors


def _held_by(db_url: str, owner: str) -> int:
    engine = make_engine(db_url, readonly=True)
    try:
        with Session(engine) as session:
            return int(session.exec(select(func.count()).where(Source.lease_owner == owner)).one())
    except Exception:  # the schema may not exist yet while the daemons start
        return 0
    finally:
        engine.dispose()


def _beating(db_url: str, owner: str) -> bool:
    engine = make_engine(db_url, readonly=True)
    try:
        with Session(engine) as session:
            return session.get(Heartbeat, owner) is not None
    finally:
        engine.dispose()


@pytest.fixture
def slow_world(pg_url: str, tmp_path: Path) -> Iterator[tuple[Feeds, SlackServer, Daemons]]:
    """Feeds that take half a second: a daemon holds claims long enough to be caught."""
    with HTTPServer() as server, SlackServer() as slack:
        feeds = Feeds(server, delay=0.5)
        daemons = Daemons(_config(tmp_path, pg_url, feeds), slack, tmp_path)
        try:
            yield feeds, slack, daemons
        finally:
            daemons.stop()


def test_a_killed_daemons_claims_are_taken_over_within_a_few_heartbeats(
    pg_url: str, slow_world: tuple[Feeds, SlackServer, Daemons]
) -> None:
    feeds, slack, daemons = slow_world
    victim, survivor = daemons.start(2)
    owner = daemons.owner(victim)
    wait_until(lambda: _held_by(pg_url, owner) > 0, 120, lambda: "the victim to hold claims")
    victim.kill()
    victim.wait(10)
    killed = time.monotonic()
    wait_until(
        lambda: _held_by(pg_url, owner) == 0,
        60,
        lambda: f"the dead daemon's {_held_by(pg_url, owner)} claims to be released",
    )
    taken_over = time.monotonic() - killed
    wait_until(
        lambda: _settled(pg_url, slack),
        180,
        lambda: (
            f"every mention detected and alerted: {_counts(pg_url)}, {len(slack.roots())} roots"
        ),
    )
    assert survivor.poll() is None, "the survivor exited"
    _check_outcome(pg_url, feeds, slack, once=False)
    # Two missed heartbeats make a daemon dead; the survivor's next heartbeat releases its
    # claims. Allow a few seconds for a loaded machine on top.
    assert taken_over <= (2 + 1) * HEARTBEAT + 5, taken_over


def test_a_frozen_daemon_resumes_without_refetching_or_reposting(
    pg_url: str, slow_world: tuple[Feeds, SlackServer, Daemons]
) -> None:
    """SIGSTOP past its claims (the others release them when its heartbeat goes stale),
    then SIGCONT: what it had queued is not fetched again, what it had fetched is not
    written back, and it carries on as one of the daemons."""
    feeds, slack, daemons = slow_world
    victim, survivor = daemons.start(2)
    owner = daemons.owner(victim)
    wait_until(lambda: _held_by(pg_url, owner) > 2, 120, lambda: "the victim to queue claims")
    victim.send_signal(signal.SIGSTOP)
    wait_until(
        lambda: _held_by(pg_url, owner) == 0 and not _beating(pg_url, owner),
        60,
        lambda: "the frozen daemon's claims to be released",
    )
    victim.send_signal(signal.SIGCONT)
    wait_until(
        lambda: _settled(pg_url, slack),
        180,
        lambda: (
            f"every mention detected and alerted: {_counts(pg_url)}, {len(slack.roots())} roots"
        ),
    )
    wait_until(lambda: _beating(pg_url, owner), 30, lambda: "the resumed daemon's heartbeat")
    assert victim.poll() is None and survivor.poll() is None, "a daemon exited"
    again = [p for p in feeds.paths if len(feeds.times[p]) > 1]
    # Only what was in flight at the freeze (at most max_per_host fetches) is fetched twice.
    assert len(again) <= 2, again
    _check_outcome(pg_url, feeds, slack, once=False, in_flight=len(again))
    frozen_log = daemons.stop()[0]
    assert "claims_lost" in frozen_log, "the resumed daemon did not say it was taken for dead"


def _runs(port: int, job: str) -> float:
    """How many runs of `job` the daemon's /metrics counts."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    found = re.search(rf'wommon_job_duration_seconds_count{{job="{job}"}} (\S+)', text)
    return float(found.group(1)) if found else 0.0


def test_a_hand_off_wakes_the_stage_in_the_other_daemons_too(pg_url: str, tmp_path: Path) -> None:
    """Every stage runs once an hour in both daemons. The one feed is claimed by the first
    daemon and answers only once the second has had its first runs; the second stores
    nothing itself. Its analysis runs again at once all the same: the first daemon's
    hand-off reached it through the database."""
    released = threading.Event()
    items = [(f"p{i}", f"Acme order {i}", f"My Acme order {i} never arrived.") for i in range(5)]

    def held(handler: BaseHTTPRequestHandler) -> None:
        released.wait(120)
        send(handler, 200, rss(*items))

    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    procs: list[subprocess.Popen[str]] = []
    with HTTPServer() as server:
        server.routes["/held"] = held

        def config(port: int) -> Path:
            cfg = tmp_path / f"w{port}.toml"
            cfg.write_text(
                f'[storage]\nurl = "{pg_url}"\n'
                '[collect]\nallow_networks = ["127.0.0.1/32"]\ntimeout_seconds = 300\n'
                f'[daemon]\nhealth_listen = "127.0.0.1:{port}"\ncollect_every_seconds = 3600\n'
                "analyze_every_seconds = 3600\ndetect_every_seconds = 3600\n"
                "deliver_every_seconds = 3600\n"
                '[[brands]]\nname = "Acme"\n'
                f'[[sources]]\nname = "held"\nurl = "{server.url("/held")}"\n'
            )
            return cfg

        def ran(port: int, *jobs: str) -> Callable[[], bool]:
            def check() -> bool:
                try:
                    return all(_runs(port, job) >= 1 for job in jobs)
                except OSError:  # not listening yet
                    return False

            return check

        try:
            first_port, second_port = ports
            procs.append(start_daemon(config(first_port), daemon_env(), capture=True))
            assert until(lambda: bool(server.hits), 120), "the first daemon never fetched"
            assert until(ran(first_port, "analyze"), 120), "the first daemon's analysis never ran"
            procs.append(start_daemon(config(second_port), daemon_env(), capture=True))
            stages = ("collect", "analyze", "detect", "deliver")
            assert until(ran(second_port, *stages), 120), "the second daemon never ran its stages"
            assert _runs(second_port, "analyze") == 1
            released.set()
            assert until(lambda: _runs(second_port, "analyze") >= 2, 60), (
                "the second daemon's analysis waited for its period"
            )
            assert len(server.hits) == 1, "the feed was fetched twice"
        finally:
            released.set()
            for proc in procs:
                proc.terminate()
            errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), errors
    assert all("Traceback" not in e and "peer_wakes_lost" not in e for e in errors), errors
