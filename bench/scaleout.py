"""Scale-out benchmark: real `wommon run` daemons sharing one PostgreSQL.

Collection: a loopback farm of feeds on 40 hosts (127.0.0.2-41), each feed answering after
1-2 s (I/O-bound, as real feeds are), polled by 1 and then by 3 daemons into fresh
databases: feeds/s from the first to the last fetch the farm saw, and the speed-up.
Politeness holds throughout: at most `max_per_host` requests at once to a host, whatever
the number of daemons (the peak is printed).

Analysis and detection: mentions loaded unanalysed (review-length complaints about six
brands), drained by 1 and then by 2 daemons: mentions/s until every one is detected, and
the proof the work was shared and done once (the analyses the daemons logged add up to the
mentions).

A burst one daemon stored: one feed of `--burst` complaints, fetched by the one daemon
that claims it, while every daemon has long since run its stages (their periods: an
hour). Seconds from the moment the mentions are stored until every one is detected, with
1 and with 2 daemons: the second helps only if the first's hand-off reaches it.

    python bench/scaleout.py [--feeds 480] [--mentions 6000] [--burst 12000]
                             [--part all|collection|analysis|burst] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from tests.support.daemons import daemon_env, start_daemon
from wommon.store.db import make_engine, upgrade
from wommon.store.models import Heartbeat, Mention, Source

HOSTS = 40
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"]
COMPLAINTS = [
    "{b} charged me twice this month and support refuses the refund",
    "still waiting for my {b} order after three weeks, nobody answers",
    "the {b} technician was rude and hung up on me twice",
    "{b} cancelled my flight and the agent would not listen",
    "my {b} router arrived broken and the replacement never came",
]


class Farm:
    """Feeds on 40 loopback hosts; records each request's start, end and host."""

    def __init__(self, feeds: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.delays = [rng.uniform(1.0, 2.0) for _ in range(feeds)]
        self.spans: list[tuple[float, float, str]] = []
        self.active: dict[str, int] = {}
        self.peak = 0
        self._lock = threading.Lock()
        now = datetime.now(UTC)
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                host = self.server.server_address[0]
                i = int(self.path.strip("/").split(".")[0])
                started = time.monotonic()
                with farm._lock:
                    farm.active[host] = farm.active.get(host, 0) + 1
                    farm.peak = max(farm.peak, farm.active[host])
                try:
                    threading.Event().wait(farm.delays[i])
                    when = format_datetime(now - timedelta(hours=1))
                    body = (
                        f'<?xml version="1.0"?><rss version="2.0"><channel><title>f{i}</title>'
                        f"<item><guid>https://s{i}.example/1</guid><title>Post {i}</title>"
                        f"<pubDate>{when}</pubDate><description>Nothing to report.</description>"
                        f"</item></channel></rss>"
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with farm._lock:
                        farm.active[host] -= 1
                        farm.spans.append((started, time.monotonic(), host))

            def log_message(self, format: str, *args: object) -> None:
                return

        self.servers = []
        for h in range(HOSTS):
            httpd = ThreadingHTTPServer((f"127.0.0.{h + 2}", 0), Handler)
            httpd.daemon_threads = True
            httpd.request_queue_size = 256
            self.servers.append(httpd)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.urls = []
        for i in range(feeds):
            host, port = self.servers[i % HOSTS].server_address[:2]
            self.urls.append(f"http://{host}:{port}/{i}.xml")

    def close(self) -> None:
        for httpd in self.servers:
            httpd.shutdown()
            httpd.server_close()


def fresh_database(admin_url: str, name: str) -> str:
    """A new, empty database on the server of `admin_url`."""
    engine = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def write_config(folder: Path, db_url: str, urls: list[str], interval: int) -> Path:
    sources = "".join(
        f'[[sources]]\nname = "f{i}"\nurl = "{u}"\ninterval_seconds = {interval}\n'
        for i, u in enumerate(urls)
    )
    brands = "".join(f'[[brands]]\nname = "{b}"\n' for b in BRANDS)
    cfg = folder / "w.toml"
    cfg.write_text(
        f'[storage]\nurl = "{db_url}"\n'
        '[collect]\nallow_networks = ["127.0.0.0/8"]\nworkers = 16\nmax_per_host = 2\n'
        "parse_processes = 0\n"
        "[daemon]\ncollect_every_seconds = 1\nanalyze_every_seconds = 1\n"
        "detect_every_seconds = 1\ndeliver_every_seconds = 5\nheartbeat_seconds = 5\n"
        + brands
        + sources
    )
    return cfg


def run_daemons(cfg: Path, n: int, done: callable, timeout: float) -> tuple[float, list[str]]:  # type: ignore[valid-type]
    """Start `n` daemons, wait for `done()`, stop them; (seconds, their logs)."""
    procs = [start_daemon(cfg, daemon_env(), capture=True) for _ in range(n)]
    started = time.monotonic()
    try:
        while not done():
            if time.monotonic() - started > timeout:
                raise SystemExit(f"timed out after {timeout:.0f} s")
            if any(p.poll() is not None for p in procs):
                raise SystemExit(
                    "a daemon exited: " + (procs[0].stderr.read() if procs[0].stderr else "")
                )
            threading.Event().wait(0.2)
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
    logs = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        logs.append(err or "")
    return elapsed, logs


def collection(admin_url: str, feeds: int, daemons: int, folder: Path) -> dict[str, float]:
    farm = Farm(feeds)
    try:
        db_url = fresh_database(admin_url, f"wommon_scaleout_c{daemons}")
        cfg = write_config(folder, db_url, farm.urls, 3600)
        engine = make_engine(db_url)

        def fetched() -> bool:
            try:
                with Session(engine) as session:
                    n = session.exec(
                        select(func.count()).where(col(Source.last_fetch_at).is_not(None))
                    ).one()
            except Exception:
                return False
            return int(n) >= feeds

        run_daemons(cfg, daemons, fetched, 900)
        engine.dispose()
        first = min(s for s, _, _ in farm.spans)
        last = max(e for _, e, _ in farm.spans)
        return {
            "feeds_per_s": feeds / (last - first),
            "requests": len(farm.spans),
            "peak_per_host": farm.peak,
        }
    finally:
        farm.close()


def analysis(admin_url: str, mentions: int, daemons: int, folder: Path) -> dict[str, float]:
    db_url = fresh_database(admin_url, f"wommon_scaleout_a{daemons}")
    engine = make_engine(db_url)
    upgrade(engine)
    now = datetime.now(UTC)
    rng = random.Random(11)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source (name, kind, url, config_url, weight, interval_seconds, "
                "enabled, next_due_at, consecutive_failures) VALUES ('history', 'rss', "
                "'https://history.example/', 'https://history.example/', 1, 86400, false, "
                ":now, 0)"
            ),
            {"now": now.replace(tzinfo=None)},
        )
        source_id = conn.execute(text("SELECT id FROM source")).scalar_one()
        rows = []
        for i in range(mentions):
            brand = BRANDS[i % len(BRANDS)]
            body = rng.choice(COMPLAINTS).format(b=brand) + f". Ticket {rng.randint(1000, 99999)}."
            at = now - timedelta(minutes=mentions - i)
            rows.append(
                {
                    "source_id": source_id,
                    "uid": f"u{i}",
                    "domain": f"site{i % 97}.example",
                    "author": f"a{i}",
                    "title": "",
                    "text": body + " " + "More about what happened. " * 5,
                    "links": "[]",
                    "published_at": at,
                    "fetched_at": at,
                    "historical": False,
                }
            )
        conn.execute(Mention.__table__.insert(), rows)  # type: ignore[attr-defined]
    cfg = write_config(folder, db_url, [], 3600)

    def detected() -> bool:
        with Session(engine) as session:
            n = session.exec(
                select(func.count()).where(col(Mention.detected_at).is_not(None))
            ).one()
        return int(n) >= mentions

    elapsed, logs = run_daemons(cfg, daemons, detected, 1800)
    engine.dispose()
    analysed = sum(int(n) for log in logs for n in re.findall(r"analyzed mentions=(\d+)", log))
    return {"mentions_per_s": mentions / elapsed, "analyses_logged": analysed}


def burst(admin_url: str, mentions: int, daemons: int, folder: Path) -> dict[str, float]:
    """Seconds from the burst's mentions stored to every one detected, and the analyses
    each daemon logged."""
    rng = random.Random(13)
    items = "".join(
        f"<item><guid>https://burst.example/{i}</guid><title>Ticket {i}</title>"
        f"<description>{rng.choice(COMPLAINTS).format(b=BRANDS[i % len(BRANDS)])}. "
        f"Ticket {rng.randint(1000, 99999)}.</description></item>"
        for i in range(mentions)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>{items}'
    body += "</channel></rss>"
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            released.wait(600)
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    db_url = fresh_database(admin_url, f"wommon_scaleout_b{daemons}")
    cfg = write_config(folder, db_url, [f"http://127.0.0.1:{httpd.server_address[1]}/b"], 3600)
    cfg.write_text(
        cfg.read_text()
        .replace("collect_every_seconds = 1", "collect_every_seconds = 3600")
        .replace("analyze_every_seconds = 1", "analyze_every_seconds = 3600")
        .replace("detect_every_seconds = 1", "detect_every_seconds = 3600")
    )
    engine = make_engine(db_url)
    stored_at: list[float] = []

    def count(*where: object) -> int:
        try:
            with Session(engine) as session:
                return int(session.exec(select(func.count()).where(*where)).one())
        except Exception:  # the schema may not be there yet
            return 0

    def everyone_idle() -> bool:
        """Once every daemon's heartbeat says its analysis and detection have run, the
        feed (claimed by one of them, whose fetch waits for it) answers."""
        if not released.is_set():
            try:
                with Session(engine) as session:
                    jobs = [json.loads(j or "{}") for j in session.exec(select(Heartbeat.jobs))]
            except Exception:  # the schema may not be there yet
                return False
            ran = [j for j in jobs if "analyze" in j and "detect" in j]
            if len(ran) >= daemons:
                released.set()
        return released.is_set()

    def detected() -> bool:
        if not everyone_idle():
            return False
        if not stored_at and count(col(Mention.id).is_not(None)) >= mentions:
            stored_at.append(time.monotonic())
        if count(col(Mention.detected_at).is_not(None)) < mentions:
            return False
        stored_at.append(time.monotonic())
        return True

    try:
        _, logs = run_daemons(cfg, daemons, detected, 1800)
    finally:
        released.set()
        httpd.shutdown()
        httpd.server_close()
    engine.dispose()
    shares = [sum(int(n) for n in re.findall(r"analyzed mentions=(\d+)", log)) for log in logs]
    return {"seconds": stored_at[-1] - stored_at[0], "shares": shares}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=480)
    parser.add_argument("--mentions", type=int, default=6000)
    parser.add_argument("--burst", type=int, default=12000)
    parser.add_argument("--part", choices=["all", "collection", "analysis", "burst"], default="all")
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "WOMMON_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL URL whose server may get new databases",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.part in ("all", "collection"):
            collect_part(args, folder)
        if args.part in ("all", "analysis"):
            analysis_part(args, folder)
        if args.part in ("all", "burst"):
            burst_part(args, folder)


def collect_part(args: argparse.Namespace, folder: Path) -> None:
    print(f"collection: {args.feeds} feeds on {HOSTS} loopback hosts, 1-2 s each")
    one = collection(args.database, args.feeds, 1, folder)
    three = collection(args.database, args.feeds, 3, folder)
    for n, r in ((1, one), (3, three)):
        print(
            f"  {n} daemon(s): {r['feeds_per_s']:.1f} feeds/s, {r['requests']:.0f} requests, "
            f"peak {r['peak_per_host']:.0f} at once per host"
        )
    print(f"  speed-up 3 vs 1: x{three['feeds_per_s'] / one['feeds_per_s']:.2f}")


def analysis_part(args: argparse.Namespace, folder: Path) -> None:
    print(f"analysis + detection: {args.mentions} mentions of {len(BRANDS)} brands")
    a1 = analysis(args.database, args.mentions, 1, folder)
    a2 = analysis(args.database, args.mentions, 2, folder)
    for n, r in ((1, a1), (2, a2)):
        print(
            f"  {n} daemon(s): {r['mentions_per_s']:.1f} mentions/s, "
            f"{r['analyses_logged']:.0f} analyses logged (of {args.mentions})"
        )
    print(f"  speed-up 2 vs 1: x{a2['mentions_per_s'] / a1['mentions_per_s']:.2f}")


def burst_part(args: argparse.Namespace, folder: Path) -> None:
    print(f"a burst one daemon stored: one feed of {args.burst} mentions, periods of an hour")
    b1 = burst(args.database, args.burst, 1, folder)
    b2 = burst(args.database, args.burst, 2, folder)
    for n, r in ((1, b1), (2, b2)):
        print(
            f"  {n} daemon(s): every mention detected {r['seconds']:.1f} s after they were "
            f"stored; analyses per daemon {r['shares']}"
        )
    print(f"  speed-up 2 vs 1: x{b1['seconds'] / b2['seconds']:.2f}")


if __name__ == "__main__":
    main()
