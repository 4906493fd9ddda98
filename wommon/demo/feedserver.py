"""A local HTTP server serving RSS and Atom feeds whose entries appear as a clock advances.

The demo uses it to play a story spreading over hours in seconds; the tests use it as the
"real HTTP server" feeds are fetched from. It answers conditional GETs with 304 like a
well-behaved publisher, and can be told to fail a path to exercise error handling.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from wommon.clock import Clock


@dataclass(frozen=True)
class FeedPost:
    uid: str
    link: str
    author: str
    title: str
    html: str
    published: datetime


@dataclass
class FeedSpec:
    kind: str
    title: str
    site: str
    posts: list[FeedPost] = field(default_factory=list)


def render(spec: FeedSpec, posts: list[FeedPost]) -> bytes:
    if spec.kind == "atom":
        entries = "".join(
            f"<entry><id>{escape(p.uid)}</id><title>{escape(p.title)}</title>"
            f'<link href="{escape(p.link)}"/><author><name>{escape(p.author)}</name></author>'
            f"<updated>{p.published.isoformat()}</updated>"
            f'<content type="html">{escape(p.html)}</content></entry>'
            for p in posts
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(spec.title)}</title>'
            f"<id>{escape(spec.site)}/</id><updated>2026-01-01T00:00:00Z</updated>{entries}</feed>"
        ).encode()
    items = "".join(
        f"<item><guid>{escape(p.uid)}</guid><title>{escape(p.title)}</title>"
        f"<link>{escape(p.link)}</link><author>{escape(p.author)}</author>"
        f"<pubDate>{format_datetime(p.published)}</pubDate>"
        f"<description>{escape(p.html)}</description></item>"
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(spec.title)}</title><link>{escape(spec.site)}</link>{items}</channel></rss>"
    ).encode()


class FeedServer:
    """Serves /feeds/<name>.xml on 127.0.0.1; `raw` paths serve fixed bytes (broken feeds)."""

    def __init__(self, clock: Clock, feeds: dict[str, FeedSpec]) -> None:
        self.clock = clock
        self.feeds = feeds
        self.raw: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/feeds/{name}.xml"

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def body(self, path: str) -> tuple[int, bytes]:
        if path in self.raw:
            return self.raw[path]
        name = path.removeprefix("/feeds/").removesuffix(".xml")
        spec = self.feeds.get(name)
        if spec is None or not path.startswith("/feeds/"):
            return 404, b"not found"
        now = self.clock.now()
        visible = sorted(
            (p for p in spec.posts if p.published <= now), key=lambda p: p.published, reverse=True
        )
        return 200, render(spec, visible)

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                status, body = server.body(self.path)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler
