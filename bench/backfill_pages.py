"""Backfill benchmark: 20 feeds of 5,000 archived entries each, served in pages linked by
rel="next" (RFC 5005) from a local server in its own process, loaded end to end (page
fetches, parsing, storage, analysis, detection replayed on a simulated clock).

Baseline in the same process: the same pages fetched with requests and parsed with
feedparser, nothing stored.

    python bench/backfill_pages.py [--sources 20] [--entries 5000] [--per-page 100]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def serve(queue: multiprocessing.Queue, entries: int, per_page: int) -> None:  # type: ignore[type-arg]
    last = (entries + per_page - 1) // per_page

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            feed = int(parts.path.strip("/").split(".")[0])
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            host = self.headers.get("Host")
            items = "".join(
                f"<entry><id>urn:{feed}:{n}</id><title>Acme story {n} from feed {feed}</title>"
                f"<updated>{(NOW - timedelta(minutes=10 * n)).isoformat()}</updated>"
                f"<content>Acme kept customer {n} waiting for a refund; support never answered. "
                f"Posted on feed {feed}.</content></entry>"
                for n in range((page - 1) * per_page, min(page * per_page, entries))
            )
            nxt = (
                f'<link rel="next" href="http://{host}/{feed}.xml?page={page + 1}"/>'
                if page < last
                else ""
            )
            body = (
                f'<feed xmlns="http://www.w3.org/2005/Atom"><title>Feed {feed}</title><id>urn:{feed}</id>'
                f"<updated>2026-04-01T00:00:00Z</updated>{nxt}{items}</feed>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    queue.put(httpd.server_address[1])
    threading.Event().wait()


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    farm = multiprocessing.Process(
        target=serve, args=(queue, args.entries, args.per_page), daemon=True
    )
    farm.start()
    port = queue.get(timeout=60)
    urls = [f"http://127.0.0.1:{port}/{i}.xml?page=1" for i in range(args.sources)]

    import feedparser
    import requests

    started = time.perf_counter()
    baseline = 0
    for url in urls:
        while url:
            doc = feedparser.parse(requests.get(url, timeout=30).content)
            baseline += len(doc.entries)
            url = next(
                (link["href"] for link in doc.feed.get("links", []) if link.get("rel") == "next"),
                "",
            )
    base_s = time.perf_counter() - started

    from wommon.clock import SimulatedClock
    from wommon.config import (
        BrandSettings,
        CollectSettings,
        Settings,
        SourceSettings,
        StorageSettings,
    )
    from wommon.runs.backfill import backfill
    from wommon.store.db import make_engine, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            storage=StorageSettings(url=f"sqlite:///{tmp}/b.db"),
            collect=CollectSettings(allow_networks=("127.0.0.1/32",)),
            brands=(BrandSettings(name="Acme"),),
            sources=tuple(
                SourceSettings(name=f"s{i}", kind="atom", url=u) for i, u in enumerate(urls)
            ),
        )
        engine = make_engine(settings.storage.url)
        upgrade(engine)
        started = time.perf_counter()
        report = backfill(engine, settings, SimulatedClock(NOW), sources=["all"], max_pages=1000)
        ours_s = time.perf_counter() - started
        engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = args.sources * args.entries
    print(
        f"{args.sources} sources x {args.entries} entries in pages of {args.per_page} ({total} entries)"
    )
    print(
        f"  wommon backfill end to end: {report.fetched} read, {report.new} stored, "
        f"{len(report.incidents)} incidents, {len(report.would_alert)} would have alerted; "
        f"{ours_s:.1f} s, {report.fetched / ours_s:.0f} entries/s"
    )
    print(
        f"  baseline requests+feedparser, nothing stored: {baseline} entries, {base_s:.1f} s, "
        f"{baseline / base_s:.0f} entries/s; wommon / baseline time ratio {ours_s / base_s:.2f}"
    )
    print(f"  peak RSS of this process: {peak:.0f} MB")
    farm.terminate()


if __name__ == "__main__":
    main()
