"""Collection benchmark: a local feed farm of 2,000 feeds x 50 entries on 20 loopback hosts.

A share of the feeds is slow (3 s), failing (HTTP 500), oversized (declared 12 MB, or a
streamed 11 MB body) or answers 304 on the second pass. The farm runs in a separate process
so the figures are wommon's alone. Each run does a cold pass (everything new) and a warm
pass (conditional GETs), through the real poller into a fresh SQLite database.

A naive collector (requests.get + feedparser.parse in a thread pool of the same size, no
guard, no database) runs over the same farm in the same process as the baseline. Then the
daemon itself makes the same cold start, its jobs on their default periods: the time until
every mention is detected is what a first alert waits for.

    python bench/feed_farm.py [--feeds 2000] [--runs 3] [--workers 16]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOSTS = 20
ENTRIES = 50


def feed_kind(i: int) -> str:
    """Deterministic mix: 5% slow, 5% failing, 1.5% declared oversize, 0.5% streamed
    oversize; the rest healthy, half of which answer 304 on the warm pass."""
    r = i % 200
    if r < 10:
        return "slow"
    if r < 20:
        return "fail"
    if r < 23:
        return "big"
    if r < 24:
        return "stream"
    return "etag" if r % 2 else "ok"


def render(i: int) -> bytes:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    items = "".join(
        f"<item><guid>https://site{i}.example/p/{j}</guid><title>Post {j} of feed {i} about Acme</title>"
        f"<link>https://site{i}.example/p/{j}</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=j))}</pubDate>"
        f"<description>&lt;p&gt;Entry {j}: Acme kept me waiting for {j + i % 7} days and the "
        f"support line hung up twice. Feed {i} writes about service quality.&lt;/p&gt;</description></item>"
        for j in range(ENTRIES)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>{items}</channel></rss>'
    ).encode()


def serve_farm(port_queue: multiprocessing.Queue, feeds: int) -> None:  # type: ignore[type-arg]
    bodies = {i: render(i) for i in range(feeds)}
    chunk = b" " * 65536

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            i = int(self.path.strip("/").split(".")[0])
            kind = feed_kind(i)
            if kind == "slow":
                time.sleep(3)
            if kind == "fail":
                self._send(500, b"error")
                return
            if kind == "big":
                self.send_response(200)
                self.send_header("Content-Length", str(12 * 1024 * 1024))
                self.end_headers()
                return
            if kind == "stream":
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(11 * 16):
                    self.wfile.write(chunk)
                return
            etag = f'"{i}"'
            if kind == "etag" and self.headers.get("If-None-Match") == etag:
                self._send(304, b"")
                return
            self._send(200, bodies[i], etag)

        def _send(self, status: int, body: bytes, etag: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            return  # clients hanging up on oversized bodies is the point of those feeds

    servers = []
    for h in range(HOSTS):
        httpd = Server((f"127.0.0.{h + 2}", 0), Handler)
        httpd.daemon_threads = True
        httpd.request_queue_size = 256
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port_queue.put([s.server_address for s in servers])
    threading.Event().wait()


def urls(addresses: list[tuple[str, int]], feeds: int) -> list[str]:
    return [
        f"http://{addresses[i % HOSTS][0]}:{addresses[i % HOSTS][1]}/{i}.xml" for i in range(feeds)
    ]


def farm_settings(tmp: str, feed_urls: list[str], workers: int) -> Any:
    """wommon over the farm: one brand, every feed a source, a database in `tmp`."""
    from wommon.config import (
        BrandSettings,
        CollectSettings,
        Settings,
        SourceSettings,
        StorageSettings,
    )

    return Settings(
        storage=StorageSettings(url=f"sqlite:///{tmp}/bench.db"),
        collect=CollectSettings(allow_networks=("127.0.0.0/8",), workers=workers),
        brands=(BrandSettings(name="Acme"),),
        sources=tuple(
            SourceSettings(name=f"f{i}", url=u, interval_seconds=86400)
            for i, u in enumerate(feed_urls)
        ),
    )


def run_wommon(feed_urls: list[str], workers: int) -> dict[str, float]:
    logging.basicConfig(level=logging.ERROR)
    from sqlmodel import Session, func, select

    from wommon.clock import SystemClock
    from wommon.service.app import Pipeline
    from wommon.store.models import Mention, Source

    with tempfile.TemporaryDirectory() as tmp:
        settings = farm_settings(tmp, feed_urls, workers)
        clock = SystemClock()
        pipeline = Pipeline(settings, clock, rng=random.Random(0))
        try:
            pipeline.prepare()
            figures: dict[str, float] = {}
            for name in ("cold", "warm"):
                if name == "warm":
                    with Session(pipeline.engine) as s:
                        for src in s.exec(select(Source)):
                            src.next_due_at = clock.now()
                            s.add(src)
                        s.commit()
                started = time.perf_counter()
                polled = new = 0
                while True:
                    report = pipeline.collect()
                    if report.polled == 0:
                        break
                    polled += report.polled
                    new += report.new_mentions
                elapsed = time.perf_counter() - started
                if name == "cold":
                    # Until every mention is analysed and detected, not only fetched: the
                    # first alert of a cold start can come no sooner.
                    pipeline.analyze()
                    pipeline.detect()
                    figures["cold_detected_seconds"] = time.perf_counter() - started
                    figures["cold_detect_only_seconds"] = time.perf_counter() - started - elapsed
                figures[f"{name}_seconds"] = elapsed
                figures[f"{name}_feeds_per_s"] = polled / elapsed
                figures[f"{name}_mentions_per_s"] = new / elapsed
                figures[f"{name}_polled"] = polled
                figures[f"{name}_new"] = new
            with Session(pipeline.engine) as s:
                states = Counter(
                    "disabled" if not src.enabled else "error" if src.consecutive_failures else "ok"
                    for src in s.exec(select(Source))
                )
                figures["mentions"] = s.exec(select(func.count()).select_from(Mention)).one()
            for state, n in states.items():
                figures[f"sources_{state}"] = n
            figures["parser_rss_mb"] = (
                sum(_peak_kb(p.pid) for p in multiprocessing.active_children()) / 1024
            )
        finally:
            pipeline.close()
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def run_daemon(feed_urls: list[str], workers: int, expected: int) -> dict[str, float]:
    """The same cold start in the daemon itself: its jobs on their default periods, each
    stage waking the next, analysis and detection running beside collection. Seconds from
    the start of the jobs until `expected` mentions are stored and every one is detected."""
    logging.basicConfig(level=logging.ERROR)
    from sqlalchemy import func as sql
    from sqlmodel import Session, col, select

    from wommon.clock import SystemClock
    from wommon.service.app import Pipeline
    from wommon.service.daemon import Daemon
    from wommon.store.models import Mention

    with tempfile.TemporaryDirectory() as tmp:
        settings = farm_settings(tmp, feed_urls, workers)
        pipeline = Pipeline(settings, SystemClock(), rng=random.Random(0))
        daemon = Daemon(pipeline)
        started = time.perf_counter()
        serving = threading.Thread(target=daemon.serve, kwargs={"install_signals": False})
        counted = (sql.count(), sql.count(col(Mention.detected_at)))
        # No Slack here: the alerts go to the console, which is this report's.
        with contextlib.redirect_stdout(io.StringIO()):
            serving.start()
            try:
                while True:
                    time.sleep(0.25)
                    with Session(pipeline.engine) as session:
                        stored, detected = session.exec(select(*counted)).one()
                    if stored >= expected and detected == stored:
                        break
                    if time.perf_counter() - started > 900:
                        raise RuntimeError(
                            f"after 15 minutes: {stored} stored, {detected} detected"
                        )
                elapsed = time.perf_counter() - started
            finally:
                daemon.request_stop()
                serving.join()
                pipeline.close()
    return {"daemon_detected_seconds": elapsed, "daemon_mentions": stored}


def _peak_kb(pid: int | None) -> int:
    """Peak resident memory of a live process (VmHWM), in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_naive(feed_urls: list[str], workers: int) -> dict[str, float]:
    import feedparser
    import requests

    def one(url: str) -> int:
        try:
            r = requests.get(url, timeout=20)
            r.raise_for_status()
            return len(feedparser.parse(r.content).entries)
        except requests.RequestException:
            return 0

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        entries = sum(pool.map(one, feed_urls))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": elapsed,
        "feeds_per_s": len(feed_urls) / elapsed,
        "entries": entries,
        "peak_rss_mb": peak,
    }


def in_child(fn, *args):  # type: ignore[no-untyped-def]
    """Run one measurement in a fresh process, so its peak memory is its own."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    farm = multiprocessing.Process(target=serve_farm, args=(queue, args.feeds), daemon=True)
    farm.start()
    feed_urls = urls(queue.get(timeout=120), args.feeds)
    print(
        f"feed farm: {args.feeds} feeds x {ENTRIES} entries on {HOSTS} loopback hosts; "
        f"mix {dict(Counter(feed_kind(i) for i in range(args.feeds)))}; workers={args.workers}"
    )
    ours, naive, daemon = [], [], []
    for run in range(args.runs):
        ours.append(in_child(run_wommon, feed_urls, args.workers))
        naive.append(in_child(run_naive, feed_urls, args.workers))
        daemon.append(in_child(run_daemon, feed_urls, args.workers, int(ours[-1]["cold_new"])))
        print(
            f"run {run + 1}: wommon cold {ours[-1]['cold_seconds']:.1f} s, warm {ours[-1]['warm_seconds']:.1f} s; "
            f"naive {naive[-1]['seconds']:.1f} s; "
            f"daemon cold start {daemon[-1]['daemon_detected_seconds']:.1f} s",
            flush=True,
        )
    med = {k: statistics.median(r[k] for r in ours + daemon if k in r) for k in ours[0] | daemon[0]}
    base = {k: statistics.median(r[k] for r in naive) for k in naive[0]}
    print(f"\nmedians of {args.runs} runs")
    print(
        f"  cold pass: {med['cold_seconds']:.1f} s, {med['cold_feeds_per_s']:.0f} feeds/s, "
        f"{med['cold_mentions_per_s']:.0f} mentions/s stored ({med['cold_new']:.0f} mentions)"
    )
    print(
        f"  cold pass until every mention is analysed and detected: "
        f"{med['cold_detected_seconds']:.1f} s ({med['cold_detect_only_seconds']:.1f} s after "
        f"the last fetch; {med['cold_new'] / med['cold_detected_seconds']:.0f} mentions/s end to end)"
    )
    print(
        f"  the same cold start in the daemon (default periods, each stage waking the next, "
        f"analysis beside collection): every mention detected after "
        f"{med['daemon_detected_seconds']:.1f} s"
    )
    print(
        f"  warm pass: {med['warm_seconds']:.1f} s, {med['warm_feeds_per_s']:.0f} feeds/s, "
        f"{med['warm_new']:.0f} new mentions"
    )
    print(
        f"  naive requests+feedparser (no guard, no storage): {base['seconds']:.1f} s, "
        f"{base['feeds_per_s']:.0f} feeds/s; wommon cold / naive time ratio "
        f"{med['cold_seconds'] / base['seconds']:.2f}"
    )
    states = {
        k.removeprefix("sources_"): int(v) for k, v in med.items() if k.startswith("sources_")
    }
    print(f"  sources by state after the warm pass: {states}")
    print(
        f"  peak RSS: wommon {med['peak_rss_mb']:.0f} MB (+ its parser process "
        f"{med['parser_rss_mb']:.0f} MB), naive {base['peak_rss_mb']:.0f} MB "
        "(each run in its own process; the farm runs apart)"
    )
    farm.terminate()
    sys.exit(0)


if __name__ == "__main__":
    main()
